"""Worked examples of the rating method, its inputs and its output."""

import json
import math
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rating_strategies import NOW

import candor.ratings
from candor.ratings import (
    DEFAULT_CONFIG,
    VIEWS,
    Factor,
    Prior,
    RatingConfig,
    RatingResult,
    RatingState,
    ReviewInput,
    rate,
)

TYPICAL_MEAN = 3.87  # mean of the default star shares 4/8/20/33/35 %


def fresh(rating: int, verified: bool = True, **extra: float) -> ReviewInput:
    return ReviewInput(rating, NOW, verified, **extra)  # type: ignore[arg-type]


def days_old(days: float, rating: int = 5, verified: bool = True) -> ReviewInput:
    return ReviewInput(rating, NOW - timedelta(days=days), verified)


def weight(review: ReviewInput, config: RatingConfig = DEFAULT_CONFIG) -> float:
    return rate([review], now=NOW, config=config).effective_count


# --- the displayed rating -------------------------------------------------------


def test_one_five_star_review_is_pulled_toward_the_prior():
    result = rate([fresh(5)], now=NOW)
    assert result.rating == pytest.approx((5 * TYPICAL_MEAN + 5) / 6)  # 4.06
    assert result.rating < 5.0
    assert result.count == 1
    assert result.stars == {5: 100, 4: 0, 3: 0, 2: 0, 1: 0}


def test_three_fresh_five_star_reviews_show_the_documented_4_29():
    # METHOD.md: 5/8 of the prior's average plus 3/8 of the book's own.
    result = rate([fresh(5)] * 3, now=NOW)
    assert result.rating == pytest.approx(5 / 8 * TYPICAL_MEAN + 3 / 8 * 5)


def test_no_reviews_shows_no_rating_rather_than_zero():
    for view in VIEWS:
        result = rate([], now=NOW, view=view)
        assert result.rating is None
        assert result.count == 0
        assert result.stars == {5: 0, 4: 0, 3: 0, 2: 0, 1: 0}
        assert result.interval is None
        assert result.effective_count == 0.0


def test_many_consistent_ratings_narrow_the_interval():
    few = rate([fresh(4)] * 3, now=NOW).interval
    many = rate([fresh(4)] * 300, now=NOW).interval
    assert few is not None and many is not None
    assert many[1] - many[0] < (few[1] - few[0]) / 5


def test_catalogue_prior_sets_the_pull():
    prior = Prior.from_star_counts({5: 50, 4: 30, 3: 20}, strength=5.0, smoothing=0.0)
    assert prior.alpha == pytest.approx((0.0, 0.0, 1.0, 1.5, 2.5))
    assert prior.mean == pytest.approx(4.3)
    result = rate([fresh(1)], now=NOW, prior=prior)
    assert result.rating == pytest.approx((5 * 4.3 + 1) / 6)


def test_small_catalogue_prior_is_smoothed_toward_the_typical_book():
    prior = Prior.from_star_counts({4: 1}, strength=5.0)
    assert all(alpha > 0 for alpha in prior.alpha)
    assert 3.87 < prior.mean < 4.0
    result = rate([fresh(4)], now=NOW, prior=prior)
    assert result.interval is not None and result.interval[1] - result.interval[0] > 0.5


def test_large_catalogue_dominates_the_smoothing():
    prior = Prior.from_star_counts({5: 5000, 4: 3000, 3: 2000}, strength=5.0)
    assert prior.mean == pytest.approx(4.3, abs=0.01)


def test_empty_catalogue_falls_back_to_the_typical_book():
    prior = Prior.from_star_counts({}, strength=5.0)
    assert prior == Prior.typical()
    assert prior.mean == pytest.approx(TYPICAL_MEAN)
    assert prior.strength == pytest.approx(5.0)


def test_weights_change_the_star_percentages_but_not_the_count():
    result = rate([fresh(5), fresh(1, verified=False)], now=NOW)
    assert result.count == 2
    assert result.stars == {5: 67, 4: 0, 3: 0, 2: 0, 1: 33}
    posted = rate([fresh(5), fresh(1, verified=False)], now=NOW, view="as_posted")
    assert posted.stars == {5: 50, 4: 0, 3: 0, 2: 0, 1: 50}


def test_fully_distrusted_reviews_leave_the_prior_and_the_raw_split():
    result = rate([fresh(5, trust=0.0), fresh(4, trust=0.0)], now=NOW)
    assert result.rating == pytest.approx(TYPICAL_MEAN)
    assert result.effective_count == 0.0
    assert result.stars == {5: 50, 4: 50, 3: 0, 2: 0, 1: 0}


# --- weights --------------------------------------------------------------------


def test_a_review_one_half_life_old_has_half_the_weight():
    assert weight(days_old(730)) == pytest.approx(0.5, rel=1e-12)
    assert weight(days_old(1460)) == pytest.approx(0.25, rel=1e-12)
    config = RatingConfig(half_life_days=30)
    assert weight(days_old(30), config) == pytest.approx(0.5, rel=1e-12)


def test_a_review_dated_after_now_counts_as_brand_new():
    assert weight(days_old(-400)) == pytest.approx(1.0, rel=1e-12)


def test_other_factors_multiply_the_weight():
    assert weight(fresh(4, verified=False)) == pytest.approx(0.5)
    assert weight(fresh(4, trust=0.3)) == pytest.approx(0.3)
    assert weight(fresh(4, helpful_votes=1)) == pytest.approx(1 + 0.1 * math.log(2))
    assert weight(fresh(4, helpful_votes=10_000)) == pytest.approx(1.5)
    combined = ReviewInput(4, NOW - timedelta(days=730), False, trust=0.5, helpful_votes=10)
    assert weight(combined) == pytest.approx(0.5 * 0.5 * 0.5 * (1 + 0.1 * math.log(11)))


# --- views ----------------------------------------------------------------------


def test_verified_view_uses_only_verified_reviews():
    items = [fresh(5), fresh(5), fresh(1, verified=False), fresh(1, verified=False)]
    verified = rate(items, now=NOW, view="verified")
    assert verified.count == 2
    assert verified.stars == {5: 100, 4: 0, 3: 0, 2: 0, 1: 0}
    assert verified.rating == rate(items[:2], now=NOW).rating
    assert "2 verified-purchase ratings" in verified.sentences[0]


def test_verified_view_without_verified_reviews_is_empty():
    result = rate([fresh(5, verified=False)], now=NOW, view="verified")
    assert result.rating is None and result.count == 0
    assert result.sentences == ["No verified-purchase ratings yet."]


def test_as_posted_view_is_the_simple_average_with_raw_shares():
    items = [fresh(5), days_old(3000, rating=2, verified=False), fresh(4, trust=0.1)]
    result = rate(items, now=NOW, view="as_posted")
    assert result.rating == pytest.approx(11 / 3)
    assert result.stars == {5: 34, 4: 33, 3: 0, 2: 33, 1: 0}
    assert result.interval is None
    assert result.effective_count == 3.0
    assert result.sentences == ["The simple average of 3 ratings is 3.7 stars."]


def test_unknown_view_is_rejected():
    with pytest.raises(ValueError, match="view"):
        rate([], now=NOW, view="best")


# --- explanation ----------------------------------------------------------------


def test_explanation_sentences_in_plain_words():
    prior = Prior.from_star_counts({5: 30, 4: 50, 3: 20}, strength=5.0, smoothing=0.0)  # mean 4.1
    items = [fresh(5), days_old(730, rating=5), fresh(5, verified=False)]
    result = rate(items, now=NOW, prior=prior)
    assert [factor.code for factor in result.explanation] == [
        "simple_average",
        "prior",
        "recency",
        "verified_purchase",
    ]
    assert result.sentences[:2] == [
        "The simple average of 3 ratings is 5.0 stars.",
        "With only 3 ratings, the rating is pulled toward the catalogue average of 4.1: "
        "\N{MINUS SIGN}0.6 stars.",
    ]
    assert result.sentences[2].startswith("Older reviews count less (half-life 2 years): ")
    assert result.sentences[3].startswith("Unverified reviews counted at half weight: ")


def test_factor_deltas_are_the_stage_differences():
    prior = Prior.typical()
    items = [fresh(5), fresh(1, verified=False)]
    result = rate(items, now=NOW, prior=prior)
    with_prior = (sum(k * a for k, a in zip(range(1, 6), prior.alpha, strict=True)) + 6) / 7
    # Verified weighting: the 1-star review counts half.
    weighted = (sum(k * a for k, a in zip(range(1, 6), prior.alpha, strict=True)) + 5.5) / 6.5
    deltas = {factor.code: factor.delta for factor in result.explanation}
    assert deltas["prior"] == pytest.approx(with_prior - 3.0)
    assert deltas["recency"] == pytest.approx(0.0, abs=1e-12)
    assert deltas["verified_purchase"] == pytest.approx(weighted - with_prior)


def test_unverified_sentence_follows_the_configured_weight():
    config = RatingConfig(unverified_weight=0.25)
    result = rate([fresh(5), fresh(2, verified=False)], now=NOW, config=config)
    assert any("counted at 25% weight" in sentence for sentence in result.sentences)


def test_factors_that_change_no_weight_are_left_out():
    items = [fresh(5), days_old(100, rating=3)]
    codes = [factor.code for factor in rate(items, now=NOW).explanation]
    assert codes == ["simple_average", "prior", "recency"]
    items.append(ReviewInput(4, NOW, False, trust=0.5, helpful_votes=3))
    codes = [factor.code for factor in rate(items, now=NOW).explanation]
    assert codes[3:] == ["verified_purchase", "helpful_votes", "trust"]


def test_many_ratings_are_not_called_few():
    result = rate([fresh(4)] * 200, now=NOW)
    assert result.sentences[1].startswith("With 200 ratings, the rating is pulled toward")


# --- output ---------------------------------------------------------------------


def test_to_dict_is_json_with_exactly_the_documented_keys():
    result = rate([fresh(5), fresh(3, verified=False)], now=NOW)
    data = result.to_dict()
    assert list(data) == ["rating", "count", "stars", "interval", "effective_count", "explanation"]
    assert json.loads(json.dumps(data)) == data
    assert data["stars"] == {"5": result.stars[5], "4": 0, "3": result.stars[3], "2": 0, "1": 0}
    assert data["interval"] == list(result.interval or ())
    explanation = data["explanation"]
    assert isinstance(explanation, list)
    assert explanation[0] == {
        "code": "simple_average",
        "label": "Simple average",
        "delta": 0.0,
        "sentence": "The simple average of 2 ratings is 4.0 stars.",
    }
    empty = rate([], now=NOW).to_dict()
    assert empty["rating"] is None and empty["interval"] is None


def test_sentences_are_the_factor_sentences():
    result = RatingResult(
        None, 0, {}, None, 0.0, [Factor("a", "A", 0.0, "One."), Factor("b", "B", 1.0, "Two.")]
    )
    assert result.sentences == ["One.", "Two."]


def test_public_api():
    assert set(candor.ratings.__all__) == {
        "rate",
        "RatingState",
        "ReviewInput",
        "RatingResult",
        "Factor",
        "RatingConfig",
        "DEFAULT_CONFIG",
        "Prior",
        "largest_remainder_percentages",
        "VIEWS",
    }
    assert VIEWS == ("candor", "as_posted", "verified")


# --- validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("rating", {"rating": 0}),
        ("rating", {"rating": 6}),
        ("rating", {"rating": 4.5}),
        ("rating", {"rating": True}),
        ("created_at", {"created_at": datetime(2024, 1, 1)}),
        ("verified", {"verified": 1}),
        ("trust", {"trust": 1.5}),
        ("trust", {"trust": -0.1}),
        ("trust", {"trust": math.nan}),
        ("helpful_votes", {"helpful_votes": -1}),
        ("helpful_votes", {"helpful_votes": 2.0}),
    ],
)
def test_invalid_review_fields_are_named(field, changes):
    arguments = {"rating": 4, "created_at": NOW, "verified": True, **changes}
    with pytest.raises(ValueError, match=f"^{field} "):
        ReviewInput(**arguments)


@pytest.mark.parametrize(
    "field",
    [
        "half_life_days",
        "verified_weight",
        "unverified_weight",
        "helpful_bonus_per_log",
        "helpful_max_bonus",
        "prior_strength",
        "credible_level",
    ],
)
def test_invalid_config_fields_are_named(field):
    with pytest.raises(ValueError, match=field):
        RatingConfig(**{field: -1.0})


def test_invalid_default_shares_are_named():
    with pytest.raises(ValueError, match="default_star_shares"):
        RatingConfig(default_star_shares=(0.5, 0.5, 0.5, 0.0, 0.0))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Prior((1.0, 1.0)), "alpha"),
        (lambda: Prior((0.0,) * 5), "alpha"),
        (lambda: Prior((1.0, 1.0, -1.0, 1.0, 1.0)), "alpha"),
        (lambda: Prior.from_star_counts({6: 1.0}, strength=5.0), "counts"),
        (lambda: Prior.from_star_counts({5: -1.0}, strength=5.0), "counts"),
        (lambda: Prior.from_star_counts({5: 1.0}, strength=0.0), "strength"),
        (lambda: Prior.from_star_counts({5: 1.0}, strength=5.0, smoothing=-1.0), "smoothing"),
    ],
)
def test_invalid_priors_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_now_must_be_timezone_aware():
    with pytest.raises(ValueError, match="now"):
        rate([], now=datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="now"):
        RatingState().result(datetime(2025, 1, 1))


# --- documentation --------------------------------------------------------------


def percent(share: float) -> str:
    return f"{share:.0%}".replace("%", " %")


def test_method_page_table_states_the_default_constants():
    text = (Path(candor.ratings.__file__).parent / "METHOD.md").read_text()
    config = DEFAULT_CONFIG
    rows = [
        ("Half-life of a review's weight", f"{config.half_life_days:g} days (2 years)"),
        ("Weight of a verified-purchase review", f"{config.verified_weight:g}"),
        ("Weight of an unverified review", f"{config.unverified_weight:g}"),
        (
            "Helpful-vote bonus",
            f"{config.helpful_bonus_per_log:g} \N{MULTIPLICATION SIGN} ln(1 + votes), "
            f"at most +{percent(config.helpful_max_bonus)}",
        ),
        ("Imaginary (prior) ratings", f"{config.prior_strength:g}"),
        ("Typical ratings blended into the catalogue average", f"{config.catalogue_smoothing:g}"),
        (
            "Typical-book star shares (1 to 5 stars)",
            ", ".join(percent(share) for share in config.default_star_shares),
        ),
        (
            "Credible interval",
            f"{percent(config.credible_level)} (mean ± 1.645 standard deviations)",
        ),
    ]
    for what, value in rows:
        assert f"| {what} | {value} |" in text
