"""Worked examples of the rating method, as METHOD.md tells them, and its inputs and outputs."""

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from rating_strategies import DAY, NOW

from candor.ratings import (
    DEFAULT_CONFIG,
    STAGES,
    VIEWS,
    Prior,
    RatingResult,
    ReviewInput,
    Reviews,
    rate,
    rate_books,
    rating_history,
)
from candor.ratings.review import seconds_since_epoch

TYPICAL = Prior.typical()


def fresh(rating: int, verified: bool = True, **extra: float) -> ReviewInput:
    return ReviewInput(rating, NOW, verified, **extra)  # type: ignore[arg-type]


def test_one_five_star_review_is_pulled_toward_the_typical_book():
    result = rate([fresh(5)], now=NOW)
    assert TYPICAL.mean == pytest.approx(4.343)
    assert result.rating == pytest.approx((5 * TYPICAL.mean + 5) / 6)
    assert result.count == 1
    assert result.effective_count == 1.0
    assert result.stars == {5: 100, 4: 0, 3: 0, 2: 0, 1: 0}


def test_three_ratings_give_the_prior_five_eighths():
    result = rate([fresh(1)] * 3, now=NOW)
    assert result.rating == pytest.approx(5 / 8 * TYPICAL.mean + 3 / 8 * 1)


def test_no_reviews_shows_no_rating_rather_than_zero():
    for view in VIEWS:
        result = rate([], now=NOW, view=view)
        assert result.rating is None
        assert result.count == 0
        assert result.stars == {5: 0, 4: 0, 3: 0, 2: 0, 1: 0}
        assert result.interval is None
        assert result.effective_count == 0.0
        noun = "verified-purchase rating" if view == "verified" else "rating"
        assert result.sentences == [f"No {noun}s yet."]


def test_a_book_whose_every_review_is_distrusted_has_no_rating():
    result = rate([fresh(5, trust=0.0), fresh(4, trust=0.0)], now=NOW)
    assert result.rating is None
    assert result.count == 2
    assert result.effective_count == 0.0
    assert "None of the 2 ratings counts" in result.sentences[-1]


def test_many_consistent_ratings_narrow_the_interval():
    few = rate([fresh(4)] * 3, now=NOW).interval
    many = rate([fresh(4)] * 300, now=NOW).interval
    assert few is not None and many is not None
    assert many[1] - many[0] < (few[1] - few[0]) / 5


def test_unverified_reviews_count_half_among_the_books_reviews_not_less_evidence():
    mixed = rate([fresh(5, verified=True), fresh(1, verified=False)], now=NOW)
    # The mix is 2/3 five stars, 1/3 one star; the evidence is still two reviews.
    assert mixed.effective_count == 2.0
    mix = 2 / 3 * 5 + 1 / 3 * 1
    assert mixed.rating == pytest.approx((5 * TYPICAL.mean + 2 * mix) / 7)
    alone = rate([fresh(5, verified=False)] * 10, now=NOW)
    assert alone.rating == rate([fresh(5)] * 10, now=NOW).rating


def test_helpful_votes_sort_reviews_they_do_not_weigh_them():
    # Two reviews count one each, whatever votes either had elsewhere: the engine takes
    # none (an imported file can carry any count), and no step of the explanation is
    # about them.
    both = rate([fresh(5), fresh(1)], now=NOW)
    assert both.rating == pytest.approx((5 * TYPICAL.mean + 2 * 3) / 7)
    assert "helpful_votes" not in STAGES
    assert "helpful_votes" not in [factor.code for factor in both.explanation]
    with pytest.raises(TypeError):
        fresh(5, helpful_votes=1000)


def test_old_books_keep_their_readers():
    # The case: 55 reviews averaging 4.53, all written years ago.
    stars = [5] * 40 + [4] * 11 + [2] * 4
    items = [
        ReviewInput(star, NOW - (3000 + 13 * i % 400) * DAY, False) for i, star in enumerate(stars)
    ]
    result = rate(items, now=NOW)
    assert result.effective_count == 55.0
    assert result.rating == pytest.approx(4.53, abs=0.05)
    assert result.evidence_words == "about 55 reviews' worth of evidence"


def test_a_review_dated_in_the_future_counts_as_posted_now():
    history = [ReviewInput(5, NOW - i * 30 * DAY, True) for i in range(40)]
    future = ReviewInput(1, datetime(2046, 1, 1, tzinfo=UTC), True)
    result = rate([*history, future], now=NOW)
    today = rate([*history, ReviewInput(1, NOW, True)], now=NOW)
    assert result.rating == pytest.approx(today.rating)
    assert result.effective_count == 41.0
    assert result.rating is not None and result.rating > 4.5


def test_the_explanation_says_what_moved_the_number():
    items = [ReviewInput(5, NOW - i * DAY, True) for i in range(8)]
    items += [ReviewInput(2, NOW - i * DAY, False, trust=0.2) for i in range(4)]
    result = rate(items, now=NOW)
    assert [factor.code for factor in result.explanation] == [
        "simple_average",
        "prior",
        "verified_purchase",
        "trust",
    ]
    assert result.sentences[0] == "The simple average of 12 ratings is 4.00 stars."
    assert result.sentences[1].startswith(
        "With only 12 ratings, the rating is pulled toward the typical book average of 4.34: +"
    )
    assert result.sentences[2].startswith(
        "Unverified reviews count half as much as verified purchases: +"
    )
    assert result.sentences[3].startswith("Reviews our trust checks doubt count less: +")
    assert "\N{MINUS SIGN}0.00" not in " ".join(result.sentences)


def test_a_recent_change_is_explained():
    items = [ReviewInput(5, NOW - (400 + 10 * i) * DAY, True) for i in range(40)]
    items += [ReviewInput(1, NOW - i * DAY, True) for i in range(20)]
    result = rate(items, now=NOW)
    recency = result.explanation[-1]
    assert recency.code == "recency"
    assert recency.delta < -0.5
    assert "newer reviews count up to 4.0 times as much as older ones" in recency.sentence


def test_views():
    items = [fresh(5, verified=True), fresh(1, verified=False), fresh(3, verified=False)]
    posted = rate(items, now=NOW, view="as_posted")
    assert posted.rating == 3.0
    assert posted.interval is None
    assert posted.stars == {5: 34, 4: 0, 3: 33, 2: 0, 1: 33}
    verified = rate(items, now=NOW, view="verified")
    assert verified.count == 1
    assert verified.rating == rate([fresh(5)], now=NOW).rating
    assert (
        verified.sentences[0] == "The simple average of 1 verified-purchase rating is 5.00 stars."
    )
    with pytest.raises(ValueError, match="view must be one of"):
        rate(items, now=NOW, view="best")


def test_result_survives_json():
    result = rate([fresh(5), fresh(3, verified=False)], now=NOW)
    again = RatingResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result


def test_rate_is_rate_books_with_one_book():
    items = [
        ReviewInput(s, NOW - d * DAY, v)
        for s, d, v in [(5, 0, True), (2, 900, False), (4, 30, True)]
    ]
    columns = Reviews.of(items)
    # Two books in one call: the second is this one.
    both = Reviews.from_columns(
        *(
            np.concatenate([getattr(columns, n)] * 2)
            for n in ("stars", "seconds", "verified", "trust")
        )
    )
    rated = rate_books(
        both, np.array([0, 0, 0, 1, 1, 1]), 2, now=seconds_since_epoch(NOW), prior=TYPICAL
    )
    assert rated.scores.rating[1] == pytest.approx(rate(items, now=NOW).rating, rel=1e-12)


def test_history_ends_at_todays_rating_and_starts_with_the_first_review():
    items = [ReviewInput(5, NOW - 700 * DAY, True), ReviewInput(2, NOW - 300 * DAY, True),
             ReviewInput(4, NOW, True)]  # fmt: skip
    columns = Reviews.of(items)
    moments = np.array([seconds_since_epoch(NOW - d * DAY) for d in (800, 700, 300, 0)])
    ratings = rating_history(columns, moments, prior=TYPICAL)
    assert np.isnan(ratings[0])
    assert ratings[1] == pytest.approx(rate(items[:1], now=NOW).rating)
    assert ratings[-1] == pytest.approx(rate(items, now=NOW).rating)


def test_bad_reviews_are_refused_naming_the_field():
    with pytest.raises(ValueError, match="rating must be a whole number of stars"):
        ReviewInput(6, NOW, True)
    with pytest.raises(ValueError, match="created_at must be a timezone-aware"):
        ReviewInput(5, datetime(2020, 1, 1), True)
    with pytest.raises(ValueError, match="trust must be a number in"):
        ReviewInput(5, NOW, True, trust=float("nan"))
    with pytest.raises(ValueError, match="trust: review 1 has"):
        Reviews.from_columns([5, 4], [0.0, 0.0], [True, True], [1.0, 2.0])


def test_config_refuses_nonsense():
    with pytest.raises(ValueError, match="recency_floor"):
        type(DEFAULT_CONFIG)(recency_floor=0.0)
    with pytest.raises(ValueError, match="typical_star_shares must add up to 1"):
        type(DEFAULT_CONFIG)(typical_star_shares=(0.2, 0.2, 0.2, 0.2, 0.3))


def test_dates_far_apart_are_fine():
    items = [ReviewInput(5, datetime(1, 1, 1, tzinfo=UTC), True),
             ReviewInput(3, datetime(9999, 12, 31, tzinfo=UTC), True)]  # fmt: skip
    result = rate(items, now=datetime(9999, 12, 31, 23, tzinfo=UTC))
    assert result.rating is not None
    assert rate(items, now=datetime(2000, 1, 1, tzinfo=UTC) + timedelta(days=1)).rating is not None
