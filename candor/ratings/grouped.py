"""Many states at once, for rebuilding stored states in bulk.

`states_by_key`: one RatingState per key (a book and month, say) from keyed reviews.
Each review's units are computed once (by `review_units`, which `RatingState.add` uses)
and added to its key's sums, and to the verified-only sums too when it is a verified
purchase; the sums are exact integers, so every state equals `RatingState.of` of its key's reviews.
`states_and_totals` also sums each group of keys (a book's months) the same way.

`candor_ratings`: the "candor" rating of many states with one vectorised `batch.score`
call (the function `RatingState.result` calls with one row), instead of one call each.
"""

from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

import numpy as np

from candor.ratings.batch import StarSums, score
from candor.ratings.config import DEFAULT_CONFIG, RatingConfig
from candor.ratings.prior import Prior
from candor.ratings.review import ReviewInput
from candor.ratings.state import RatingState, _check_same_weighting
from candor.ratings.tally import EMPTY_TALLY, ZERO_ROW, Tally, decode_row, review_units
from candor.ratings.weights import WEIGHTED_STAGES, half_lives_since_epoch

Key = TypeVar("Key", bound=Hashable)
Group = TypeVar("Group", bound=Hashable)
Sums = list[list[int]]


def states_by_key(
    reviews: Iterable[tuple[Key, ReviewInput]], config: RatingConfig = DEFAULT_CONFIG
) -> dict[Key, RatingState]:
    """A state per key holding that key's reviews (keys without reviews are absent)."""
    everyone: dict[Key, Sums] = {}
    verified: dict[Key, Sums] = {}
    for key, review in reviews:
        units = review_units(review, config)
        _add(everyone, verified, key, review, units)
    return _states(everyone, verified, config)


def states_and_totals(
    reviews: Iterable[tuple[tuple[Group, Key], ReviewInput]],
    config: RatingConfig = DEFAULT_CONFIG,
) -> tuple[dict[tuple[Group, Key], RatingState], dict[Group, RatingState]]:
    """`states_by_key` for keys (group, part), plus each group's state (the merge of its
    parts, summed as the reviews go by rather than merged afterwards)."""
    everyone: dict[tuple[Group, Key], Sums] = {}
    verified: dict[tuple[Group, Key], Sums] = {}
    group_everyone: dict[Group, Sums] = {}
    group_verified: dict[Group, Sums] = {}
    for key, review in reviews:
        units = review_units(review, config)
        _add(everyone, verified, key, review, units)
        _add(group_everyone, group_verified, key[0], review, units)
    return _states(everyone, verified, config), _states(group_everyone, group_verified, config)


def _add(
    everyone: dict[Key, Sums],
    verified: dict[Key, Sums],
    key: Key,
    review: ReviewInput,
    units: tuple[int, ...],
) -> None:
    star = review.rating - 1
    for sums_by_key in (everyone, verified) if review.verified else (everyone,):
        sums = sums_by_key.get(key)
        if sums is None:
            sums = sums_by_key[key] = [list(ZERO_ROW) for _ in units]
        for row, value in zip(sums, units, strict=True):
            row[star] += value


def _states(
    everyone: dict[Key, Sums], verified: dict[Key, Sums], config: RatingConfig
) -> dict[Key, RatingState]:
    return {
        key: RatingState(
            config, _tally(sums), _tally(verified[key]) if key in verified else EMPTY_TALLY
        )
        for key, sums in everyone.items()
    }


def _tally(sums: Sums) -> Tally:
    return Tally(*(tuple(row) for row in sums))


def candor_ratings(
    states: Sequence[RatingState], now: datetime, prior: Prior
) -> list[tuple[float | None, int]]:
    """(rating, count) of each state in the "candor" view at ``now``, as
    `RatingState.result` gives them, scored together in one `batch.score` call."""
    if not states:
        return []
    config = states[0].config
    now_exponent = half_lives_since_epoch(now, config)
    rated = [state for state in states if state.count]
    ratings: list[float] = []
    if rated:
        for state in rated:
            _check_same_weighting(config, state.config, "states")
        sums = StarSums(
            np.array([state.everyone.counts for state in rated], dtype=np.int64),
            *(
                np.array(
                    [
                        decode_row(state.everyone.weighted_rows[stage], now_exponent)
                        for state in rated
                    ],
                    dtype=np.float64,
                )
                for stage in range(len(WEIGHTED_STAGES))
            ),
        )
        ratings = score(sums, prior, config).rating.tolist()
    found = iter(ratings)
    return [(next(found), state.count) if state.count else (None, 0) for state in states]
