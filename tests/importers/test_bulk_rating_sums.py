"""The bulk rebuild's array sums equal the rating engine's, bit for bit.

`stage_units` and `grouped_tallies` (used by `candor import amazon`'s rebuild pass)
compute the exact fixed-point weights with numpy; these tests compare them with
`review_units` and `RatingState.add`, one review at a time, on a large random sample
that includes the edge cases: dates before 1970 and up to 2100, zero and tiny trust
(which need `encode`'s rounding), many helpful votes, and an unusual weighting.
"""

import json
import random
from datetime import timedelta
from functools import reduce

import numpy as np
import pytest

from candor.ratings import Prior, RatingState
from candor.ratings.config import DEFAULT_CONFIG, RatingConfig
from candor.ratings.fixed_point import EPOCH
from candor.ratings.grouped import (
    ReviewColumns,
    candor_ratings,
    grouped_candor_ratings,
    grouped_tallies,
    stage_units,
    states_json,
)
from candor.ratings.review import ReviewInput
from candor.ratings.serialize import state_to_dict
from candor.ratings.tally import review_units

ODD_CONFIG = RatingConfig(
    half_life_days=30.0, unverified_weight=0.37, helpful_bonus_per_log=0.77, helpful_max_bonus=3.0
)
YEAR_MICROS = 365 * 86_400 * 10**6


def random_reviews(seed: int, count: int) -> list[ReviewInput]:
    rng = random.Random(seed)

    def one() -> ReviewInput:
        micros = rng.randrange(-30 * YEAR_MICROS, 130 * YEAR_MICROS)
        trust = rng.choice([1.0, 0.0, rng.random(), rng.random() * 1e-30, 5e-324, 0.5])
        votes = rng.choice([0, 0, 1, 2, rng.randrange(10**6)])
        return ReviewInput(
            rating=rng.randint(1, 5),
            created_at=EPOCH + timedelta(microseconds=micros),
            verified=rng.random() < 0.6,
            trust=trust,
            helpful_votes=votes,
        )

    return [one() for _ in range(count)]


def as_columns(reviews: list[ReviewInput]) -> ReviewColumns:
    return ReviewColumns(
        rating=np.array([r.rating for r in reviews]),
        micros=np.array([(r.created_at - EPOCH) // timedelta(microseconds=1) for r in reviews]),
        verified=np.array([r.verified for r in reviews]),
        trust=np.array([r.trust for r in reviews]),
        helpful=np.array([r.helpful_votes for r in reviews]),
    )


@pytest.mark.parametrize("config", [DEFAULT_CONFIG, ODD_CONFIG])
def test_each_reviews_units_equal_review_units(config: RatingConfig) -> None:
    reviews = random_reviews(seed=6, count=60_000)

    stages = stage_units(as_columns(reviews), config)

    for index, review in enumerate(reviews):
        got = tuple(
            stage.rounded[index]
            if index in stage.rounded
            else int(stage.significand[index]) << int(stage.shift[index])
            for stage in stages
        )
        assert got == review_units(review, config)[1:], review


@pytest.mark.parametrize("config", [DEFAULT_CONFIG, ODD_CONFIG])
def test_each_groups_tallies_equal_adding_its_reviews_one_by_one(config: RatingConfig) -> None:
    reviews = random_reviews(seed=7, count=3_000)
    rng = random.Random(8)
    groups = [rng.randrange(40) for _ in reviews]  # group 39 may stay empty: all zeros
    columns = as_columns(reviews)

    tallies = grouped_tallies(np.array(groups), 41, columns, stage_units(columns, config))

    texts = states_json(tallies, config)
    for group in range(41):
        mine = [review for review, g in zip(reviews, groups, strict=True) if g == group]
        expected = reduce(RatingState.add, mine, RatingState(config))
        assert tallies.state(group, config) == expected
        assert texts[group] == json.dumps(state_to_dict(expected))


def test_dates_numpy_cannot_hold_exactly_are_refused() -> None:
    columns = ReviewColumns(
        rating=np.array([5]),
        micros=np.array([300 * YEAR_MICROS]),
        verified=np.array([True]),
        trust=np.array([1.0]),
        helpful=np.array([0]),
    )
    with pytest.raises(ValueError, match="285 years"):
        stage_units(columns, DEFAULT_CONFIG)


@pytest.mark.parametrize("config", [DEFAULT_CONFIG, ODD_CONFIG])
def test_ratings_scored_from_the_tallies_equal_each_states_rating(config: RatingConfig) -> None:
    reviews = random_reviews(seed=9, count=2_000)
    rng = random.Random(10)
    groups = [rng.randrange(60) for _ in reviews]  # some groups stay empty: no rating
    columns = as_columns(reviews)
    tallies = grouped_tallies(np.array(groups), 64, columns, stage_units(columns, config))
    now = EPOCH + timedelta(days=365 * 56)
    prior = Prior.typical(config)

    together = grouped_candor_ratings(tallies, now, prior, config)

    states = [tallies.state(group, config) for group in range(64)]
    assert together == candor_ratings(states, now, prior)
    assert together[63] == (None, 0)
