"""Properties of the rating itself, checked against an independent reference."""

import math
from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rating_strategies import NOW, PROPERTY, books, configs, priors, reviews

from candor.ratings import Prior, RatingConfig, ReviewInput, rate

Z_90 = 1.6448536269514722  # standard normal 95th percentile


def reference(
    items: list[ReviewInput], now: datetime, prior: Prior, config: RatingConfig
) -> tuple[float, float, tuple[float, float]]:
    """The documented method, written the obvious way with floats."""
    weights = [0.0] * 5
    for review in items:
        age_days = max(0.0, (now - review.created_at).total_seconds() / 86_400)
        recency = 0.5 ** (age_days / config.half_life_days)
        purchase = config.verified_weight if review.verified else config.unverified_weight
        bonus = min(
            config.helpful_max_bonus,
            config.helpful_bonus_per_log * math.log1p(review.helpful_votes),
        )
        weights[review.rating - 1] += recency * purchase * (1 + bonus) * review.trust
    alpha = [a + w for a, w in zip(prior.alpha, weights, strict=True)]
    total = sum(alpha)
    mean = sum(k * a for k, a in zip(range(1, 6), alpha, strict=True)) / total
    second = sum(k * k * a for k, a in zip(range(1, 6), alpha, strict=True)) / total
    sd = math.sqrt(max(0.0, second - mean**2) / (total + 1))
    return mean, sum(weights), (max(1.0, mean - Z_90 * sd), min(5.0, mean + Z_90 * sd))


@PROPERTY
@given(st.lists(reviews(), min_size=1, max_size=25), configs, priors)
def test_matches_the_reference_implementation(items, config, prior):
    # Reviews may be dated after NOW: they count as age 0.
    result = rate(items, now=NOW, prior=prior, config=config)
    rating, effective_count, interval = reference(items, NOW, prior, config)
    assert result.rating == pytest.approx(rating, rel=1e-9)
    assert result.effective_count == pytest.approx(effective_count, rel=1e-9, abs=1e-12)
    assert result.interval == pytest.approx(interval, rel=1e-9, abs=1e-9)


@PROPERTY
@given(books(), configs, priors, st.sampled_from(["candor", "as_posted", "verified"]))
def test_rating_interval_and_stars_stay_in_range(book, config, prior, view):
    now, items = book
    result = rate(items, now=now, prior=prior, config=config, view=view)
    assert list(result.stars) == [5, 4, 3, 2, 1]
    if result.count == 0:
        assert result.rating is None and result.interval is None
        assert set(result.stars.values()) == {0}
        return
    assert result.rating is not None and 1.0 <= result.rating <= 5.0
    assert sum(result.stars.values()) == 100
    if result.interval is not None:
        low, high = result.interval
        assert 1.0 <= low <= result.rating <= high <= 5.0


@PROPERTY
@given(books(), configs, priors)
def test_explanation_deltas_add_up_to_rating_minus_simple_average(book, config, prior):
    now, items = book
    result = rate(items, now=now, prior=prior, config=config)
    if not items:
        return
    simple = sum(review.rating for review in items) / len(items)
    opening = result.explanation[0]
    assert opening.code == "simple_average" and opening.delta == 0.0
    assert f"{simple:.1f} stars" in opening.sentence
    assert result.rating is not None
    total = math.fsum(factor.delta for factor in result.explanation)
    assert total == pytest.approx(result.rating - simple, abs=1e-9)


def boost(review: ReviewInput, how: str, amount: float) -> ReviewInput:
    """The same review with more weight, in one of the ways the method rewards."""
    if how == "trust":
        return replace(review, trust=review.trust + (1 - review.trust) * amount)
    if how == "verified":
        return replace(review, verified=True)
    if how == "recency":
        return replace(review, created_at=review.created_at + (NOW - review.created_at) * amount)
    return replace(review, helpful_votes=review.helpful_votes + int(100 * amount))


@PROPERTY
@given(
    st.lists(reviews(latest=NOW.replace(tzinfo=None)), max_size=20),
    reviews(latest=NOW.replace(tzinfo=None)),
    st.sampled_from(["trust", "verified", "recency", "helpful"]),
    st.floats(0.0, 1.0),
    st.sampled_from([5, 1]),
)
def test_more_weight_on_an_extreme_review_moves_the_rating_toward_it(
    others, review, how, amount, star
):
    target = replace(review, rating=star)
    before = rate([*others, target], now=NOW).rating
    after = rate([*others, boost(target, how, amount)], now=NOW).rating
    assert before is not None and after is not None
    if star == 5:
        assert after >= before - 1e-12
    else:
        assert after <= before + 1e-12


@PROPERTY
@given(books(), priors)
def test_verified_view_is_the_candor_view_of_verified_reviews(book, prior):
    now, items = book
    verified = rate(items, now=now, prior=prior, view="verified")
    only = rate([r for r in items if r.verified], now=now, prior=prior)
    assert verified.count == sum(r.verified for r in items)
    assert (verified.rating, verified.interval, verified.stars) == (
        only.rating,
        only.interval,
        only.stars,
    )
    assert verified.effective_count == only.effective_count
    assert [f.delta for f in verified.explanation] == [f.delta for f in only.explanation]


@PROPERTY
@given(books())
def test_as_posted_is_the_plain_average(book):
    now, items = book
    result = rate(items, now=now, view="as_posted")
    assert result.count == len(items)
    if items:
        assert result.rating == pytest.approx(sum(r.rating for r in items) / len(items))
        assert result.interval is None
        assert result.effective_count == len(items)
        assert len(result.explanation) == 1
