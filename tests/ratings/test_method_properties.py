"""Properties of the rating method, checked against a reference written one review at a time,
and the invariants METHOD.md promises."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from rating_strategies import (
    DAY,
    NOW,
    PROPERTY,
    close,
    configs,
    moments,
    priors,
    reference,
    reviews,
)

from candor.ratings import (
    DEFAULT_CONFIG,
    Prior,
    ReviewInput,
    Reviews,
    rate,
    rate_books,
)
from candor.ratings.review import seconds_since_epoch
from candor.ratings.rounding import half_up

NOW_SECONDS = seconds_since_epoch(NOW)


@PROPERTY
@given(st.lists(reviews(), min_size=1, max_size=25), configs, priors)
def test_rating_and_weights_match_the_reference(items, config, prior):
    # Dates after NOW count as NOW.
    result = rate(items, now=NOW, prior=prior, config=config)
    expected, evidence, weights = reference(items, NOW, prior, config)
    assert close(result.rating, expected, 1e-7)
    assert result.effective_count == pytest.approx(evidence, rel=1e-9, abs=1e-12)
    rated = rate_books(
        Reviews.of(items), np.zeros(len(items), int), 1, now=NOW_SECONDS, prior=prior, config=config
    )
    assert rated.weights == pytest.approx(weights, rel=1e-7, abs=1e-9)
    assert rated.weights.sum() == pytest.approx(evidence, rel=1e-9, abs=1e-9)


@PROPERTY
@given(st.lists(reviews(), max_size=25), configs, priors, st.sampled_from(["candor", "verified"]))
def test_rating_interval_and_stars_stay_in_range(items, config, prior, view):
    result = rate(items, now=NOW, prior=prior, config=config, view=view)
    assert list(result.stars) == [5, 4, 3, 2, 1]
    assert sum(result.stars.values()) in (0, 100)
    if result.rating is None:
        assert result.interval is None
        return
    assert 1.0 <= result.rating <= 5.0
    assert result.interval is not None
    low, high = result.interval
    assert 1.0 <= low <= result.rating <= high <= 5.0


@PROPERTY
@given(st.lists(reviews(), min_size=1, max_size=25), st.integers(-20_000, 20_000))
def test_moving_every_date_by_the_same_amount_changes_nothing(items, days):
    # Ages count back from the book's newest review, not from today: a book read years
    # ago is not worth less today for that.
    shift = timedelta(days=days)
    moved = [ReviewInput(r.rating, r.created_at + shift, r.verified, r.trust) for r in items]
    far_future = datetime(2200, 1, 1, tzinfo=UTC)
    before = rate(items, now=far_future)
    after = rate(moved, now=far_future)
    assert close(before.rating, after.rating, 1e-7)


@PROPERTY
@given(st.lists(reviews(), min_size=1, max_size=20), st.lists(reviews(), min_size=1, max_size=10))
def test_reviews_with_trust_0_change_nothing_that_counts(items, extra):
    distrusted = [ReviewInput(r.rating, r.created_at, r.verified, 0.0) for r in extra]
    before = rate(items, now=NOW)
    after = rate(items + distrusted, now=NOW)
    assert close(before.rating, after.rating, 1e-9)
    assert after.effective_count == pytest.approx(before.effective_count)
    assert after.count == before.count + len(extra)


@PROPERTY
@given(
    st.lists(st.integers(0, 49), min_size=25, max_size=25),
    st.lists(st.integers(0, 3000), min_size=50, max_size=50),
    st.integers(5 * 365, 40 * 365),
    st.lists(st.integers(0, 50_000), min_size=5, max_size=5),
)
def test_a_book_read_years_ago_is_not_shown_as_the_catalogue_average(lost, spread, age, shares):
    # 50 reviews averaging 4.5 (fives that lose 25 stars between them), every one at
    # least `age` days old (five years or more), against the typical prior or any
    # catalogue prior whose average is 3 stars or more.
    stars = [5 - lost.count(i) for i in range(50)]
    assume(min(stars) >= 1)
    prior = Prior.from_books(np.array([shares], dtype=float) / max(1, sum(shares)), np.ones(1))
    assume(prior.mean >= 3.0)
    items = [
        ReviewInput(star, NOW - timedelta(days=age + days), False)
        for star, days in zip(stars, spread, strict=True)
    ]
    for chosen in (None, prior):
        result = rate(items, now=NOW, prior=chosen)
        assert result.rating == pytest.approx(4.5, abs=0.15)


@PROPERTY
@given(
    st.lists(reviews(trust=False), min_size=1, max_size=20),
    st.lists(reviews(trust=False), min_size=1, max_size=20),
    configs,
)
def test_recency_gives_the_newest_review_at_most_1_over_floor_times_the_oldest(a, b, config):
    # Among reviews with the same base weight (purchase, trust), no weight is more
    # than 1 / recency_floor times another, whatever the dates.
    items = [ReviewInput(r.rating, r.created_at, True, 1.0) for r in a + b]
    rated = rate_books(
        Reviews.of(items), np.zeros(len(items), int), 1, now=NOW_SECONDS,
        prior=Prior.typical(config), config=config,
    )  # fmt: skip
    weights = rated.weights
    assert weights.max() <= weights.min() / config.recency_floor * (1 + 1e-9)


@PROPERTY
@given(
    st.integers(10, 200),
    st.integers(1, 300),
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(0, 3000),
)
def test_a_fresh_batch_never_outweighs_an_established_history_by_more_than_the_floor_allows(
    history, batch, old_star, new_star, days
):
    # A history of `history` reviews spread over years, then `batch` reviews today: per
    # review, the batch weighs at most 1 / floor (4) times what the history does.
    items = [ReviewInput(old_star, NOW - (days + i * 7) * DAY, True) for i in range(history)]
    items += [ReviewInput(new_star, NOW, True) for _ in range(batch)]
    rated = rate_books(
        Reviews.of(items), np.zeros(len(items), int), 1, now=NOW_SECONDS,
        prior=Prior.typical(), config=DEFAULT_CONFIG,
    )  # fmt: skip
    old, new = rated.weights[:history].sum(), rated.weights[history:].sum()
    assert new / batch <= old / history / DEFAULT_CONFIG.recency_floor * (1 + 1e-9)


@PROPERTY
@given(st.integers(20, 80), st.integers(20, 60), st.integers(3, 5), st.integers(1, 3), st.randoms())
def test_a_real_change_is_followed_further_than_by_the_plain_average(
    old_count, new_count, old_star, new_star, random
):
    # A book that got worse (or a new edition): years of readers around old_star, then in
    # the last six months readers around new_star. The new readers move Candor's rating
    # further toward what readers say now than they move the plain average.
    assume(old_star - new_star >= 2)

    def star(centre: int) -> int:
        return min(5, max(1, centre + random.choice([-1, 0, 0, 0, 1])))

    old = [ReviewInput(star(old_star), NOW - (200 + 20 * i) * DAY, True) for i in range(old_count)]
    new = [ReviewInput(star(new_star), NOW - random.randint(0, 180) * DAY, True)
           for _ in range(new_count)]  # fmt: skip
    before, after = rate(old, now=NOW).rating, rate(old + new, now=NOW).rating
    assert before is not None and after is not None
    plain_before = np.mean([r.rating for r in old])
    plain_after = np.mean([r.rating for r in old + new])
    assert before - after > plain_before - plain_after > 0


@PROPERTY
@given(st.lists(reviews(), max_size=30), moments(datetime(1, 1, 1), datetime(9999, 12, 31)))
def test_any_date_from_year_1_to_9999_gives_a_rating(items, now):
    result = rate(items, now=now)
    assert result.rating is None or 1.0 <= result.rating <= 5.0


@PROPERTY
@given(st.lists(reviews(), min_size=1, max_size=25), priors)
def test_the_explanation_adds_up(items, prior):
    result = rate(items, now=NOW, prior=prior)
    opening, *steps = result.explanation
    assert opening.code in ("simple_average", "no_ratings")
    codes = [step.code for step in steps]
    assert len(codes) == len(set(codes))  # each step once
    if result.rating is None:
        return
    simple = np.mean([r.rating for r in items])
    # The exact deltas add up to the difference...
    assert sum(step.delta for step in steps) == pytest.approx(result.rating - simple, abs=1e-9)
    # ... and so do the shown ones, as shown (hundredths).
    shown = sum(round(step.shown * 100) for step in steps)
    assert shown == int((half_up(result.rating, 2) - half_up(simple, 2)) * 100)
    for step in steps:
        assert abs(step.shown - step.delta) < 0.01 + 1e-9
