from datetime import UTC, datetime, timedelta

import pytest

from candor.ratings import Prior, RatingState, ReviewInput, rate
from candor.ratings.history import rating_history

START = datetime(2024, 1, 1, tzinfo=UTC)


def review(stars: int, day: int) -> ReviewInput:
    return ReviewInput(rating=stars, created_at=START + timedelta(days=day), verified=day % 2 == 0)


def test_each_point_equals_rate_over_the_reviews_up_to_then() -> None:
    periods = [[review(5, 1), review(4, 3)], [], [review(1, 70), review(2, 75)], [review(5, 100)]]
    moments = [START + timedelta(days=30 * (k + 1) + 10) for k in range(len(periods))]
    prior = Prior.from_star_counts({5: 10, 4: 5, 1: 2}, strength=5.0)
    states = [RatingState.of(reviews) for reviews in periods]
    points = rating_history(list(zip(moments, states, strict=True)), prior)
    for k, moment in enumerate(moments):
        so_far = [r for period in periods[: k + 1] for r in period]
        assert points[k] == pytest.approx(rate(so_far, now=moment, prior=prior).rating, abs=1e-12)


def test_periods_before_any_review_have_no_rating() -> None:
    points = rating_history(
        [(START, RatingState()), (START + timedelta(days=40), RatingState.of([review(3, 5)]))]
    )
    assert points[0] is None and points[1] is not None
    assert rating_history([]) == []
