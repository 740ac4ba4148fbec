"""Many states at once, for rebuilding stored states in bulk.

`states_by_key`: one RatingState per key (a book and month, say) from keyed reviews.
Each review's units are computed once (by `review_units`, which `RatingState.add` uses)
and added to its key's sums, and to the verified-only sums too when it is a verified
purchase; the sums are exact integers, so every state equals `RatingState.of` of its key's reviews.
`states_and_totals` also sums each group of keys (a book's months) the same way.

`candor_ratings`: the "candor" rating of many states with one vectorised `batch.score`
call (the function `RatingState.result` calls with one row), instead of one call each.
"""

import json
import math
import operator
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import numpy as np

from candor.ratings.batch import StarSums, score
from candor.ratings.config import DEFAULT_CONFIG, RatingConfig
from candor.ratings.fixed_point import FRACTION_BITS, encode
from candor.ratings.prior import Prior
from candor.ratings.review import ReviewInput
from candor.ratings.serialize import FORMAT_VERSION
from candor.ratings.state import RatingState, _check_same_weighting
from candor.ratings.tally import EMPTY_TALLY, ZERO_ROW, Tally, decode_row, review_units
from candor.ratings.weights import (
    SECONDS_PER_DAY,
    WEIGHTED_STAGES,
    half_lives_since_epoch,
    helpful_bonus,
)

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


# -- many reviews as arrays -------------------------------------------------------------
#
# `review_units` is exact but costs a few microseconds of Python integer work per review
# and stage; a bulk rebuild of a million reviews spends most of its time there. The
# functions below compute the same integers from arrays: each unit value is
# round(mantissa * 2 ** (whole + FRACTION_BITS)) with mantissa a float64, so it is the
# mantissa's 53-bit significand shifted left (exact, no rounding) whenever the shift is
# not negative. The float steps are the same IEEE operations `encode` does (numpy's
# multiply and divide round like Python's; exp2 and log1p are taken from `math`, whose
# last bit numpy's may not share), and the significands are summed exactly in 32-bit
# limbs of int64, so the sums equal adding `review_units` one by one, bit for bit.

LIMB_BITS = 32
LIMB_MASK = (1 << LIMB_BITS) - 1
STAR_COUNT = 5
SIGNIFICAND_BITS = 53
# Microseconds since the epoch as float64 are exact below this (about 285 years).
EXACT_MICROS = 1 << SIGNIFICAND_BITS


@dataclass(frozen=True)
class ReviewColumns:
    """Reviews as parallel arrays: what `review_units` reads of each review."""

    rating: np.ndarray  # int, 1..5
    micros: np.ndarray  # int64: created_at in microseconds since fixed_point.EPOCH
    verified: np.ndarray  # bool
    trust: np.ndarray  # float64 in [0, 1]
    helpful: np.ndarray  # int, >= 0

    def __len__(self) -> int:
        return len(self.rating)


@dataclass(frozen=True)
class StageUnits:
    """One weighted stage's unit value of each review: significand << shift, except
    the reviews listed in ``rounded`` (index -> exact units), whose tiny values need
    `encode`'s rounding; their significand is 0 here."""

    significand: np.ndarray  # int64, < 2 ** 53
    shift: np.ndarray  # int64, >= 0
    rounded: dict[int, int]


def stage_units(columns: ReviewColumns, config: RatingConfig) -> list[StageUnits]:
    """The unit values `review_units` gives each review, stage by stage (its [1:])."""
    micros = np.asarray(columns.micros, dtype=np.int64)
    if len(micros) and int(np.abs(micros).max()) >= EXACT_MICROS:
        raise ValueError("created_at: dates more than 285 years from 1970 are not supported")
    # timedelta.total_seconds() divides the exact microseconds by 10**6, correctly rounded.
    seconds = micros.astype(np.float64) / 1e6
    exponent = seconds / (config.half_life_days * SECONDS_PER_DAY)
    whole = np.floor(exponent)
    fraction = exponent - whole
    powers = np.fromiter(map(math.exp2, fraction.tolist()), dtype=np.float64, count=len(fraction))
    stages = []
    for multiplier in _stage_multipliers(columns, config):
        mantissa = multiplier * powers
        fractional, binary_exponent = np.frexp(mantissa)
        significand = np.ldexp(fractional, SIGNIFICAND_BITS).astype(np.int64)
        shift = binary_exponent.astype(np.int64) - SIGNIFICAND_BITS
        shift += whole.astype(np.int64) + FRACTION_BITS
        rounded = {}
        for index in np.flatnonzero((shift < 0) & (significand != 0)).tolist():
            rounded[index] = encode(float(multiplier[index]), float(exponent[index]))
        significand[shift < 0] = 0
        stages.append(StageUnits(significand, np.maximum(shift, 0), rounded))
    return stages


def _stage_multipliers(columns: ReviewColumns, config: RatingConfig) -> list[np.ndarray]:
    """`stage_multipliers` of every review, as arrays (the same float operations)."""
    verified = np.asarray(columns.verified, dtype=bool)
    purchase = np.where(verified, config.verified_weight, config.unverified_weight)
    votes, which = np.unique(np.asarray(columns.helpful, dtype=np.int64), return_inverse=True)
    bonus = np.array([helpful_bonus(int(v), config) for v in votes.tolist()], dtype=np.float64)
    helpful = purchase * (1.0 + bonus[which.reshape(-1)])
    trust = helpful * np.asarray(columns.trust, dtype=np.float64)
    return [np.ones(len(verified)), purchase, helpful, trust]


def exact_sums(cells: np.ndarray, count: int, units: StageUnits) -> list[int]:
    """For each cell 0..count-1, the exact sum of the units of the reviews in it
    (``cells`` gives each review's cell), as Python integers."""
    if count == 0:
        return []
    significand, shift = units.significand, units.shift
    quotient = shift >> 5  # LIMB_BITS == 32
    remainder = (shift & 31).astype(np.uint64)
    # significand << remainder, split so that each piece fits a 32-bit limb (< 2 ** 33).
    low = (significand & LIMB_MASK).astype(np.uint64) << remainder
    high = (significand >> LIMB_BITS).astype(np.uint64) << remainder
    limbs = int(quotient.max()) + 5 if len(quotient) else 3  # room for the carries
    totals = np.zeros(count * limbs, dtype=np.int64)
    base = cells.astype(np.int64) * limbs + quotient
    np.add.at(totals, base, (low & LIMB_MASK).astype(np.int64))
    np.add.at(totals, base + 1, ((low >> 32) + (high & LIMB_MASK)).astype(np.int64))
    np.add.at(totals, base + 2, (high >> 32).astype(np.int64))
    table = totals.reshape(count, limbs)
    for limb in range(limbs - 1):
        table[:, limb + 1] += table[:, limb] >> LIMB_BITS
        table[:, limb] &= LIMB_MASK
    data = table.astype("<u4").tobytes()
    width = 4 * limbs
    sums = [0] * count
    for cell in np.flatnonzero(table.any(axis=1)).tolist():
        sums[cell] = int.from_bytes(data[cell * width : (cell + 1) * width], "little")
    for index, value in units.rounded.items():
        sums[int(cells[index])] += value
    return sums


@dataclass(frozen=True)
class GroupedTallies:
    """Per group, the rows of its everyone and verified-only tallies as flat lists:
    row r (counts, then WEIGHTED_STAGES) of group g is values[r][5 g : 5 g + 5]."""

    count: int
    everyone: list[list[int]]
    verified_only: list[list[int]]

    def tally(self, group: int, verified: bool = False) -> Tally:
        rows = self.verified_only if verified else self.everyone
        start = group * STAR_COUNT
        return Tally(*(tuple(row[start : start + STAR_COUNT]) for row in rows))

    def state(self, group: int, config: RatingConfig) -> RatingState:
        return RatingState(config, self.tally(group), self.tally(group, verified=True))


def grouped_tallies(
    groups: np.ndarray, count: int, columns: ReviewColumns, stages: list[StageUnits]
) -> GroupedTallies:
    """The tallies of ``count`` groups (``groups`` gives each review's, 0..count-1),
    equal to `RatingState.of` each group's reviews."""
    cells = np.asarray(groups, dtype=np.int64) * STAR_COUNT + (
        np.asarray(columns.rating, dtype=np.int64) - 1
    )
    verified = np.flatnonzero(np.asarray(columns.verified, dtype=bool))
    cell_count = count * STAR_COUNT

    def rows(chosen: np.ndarray | None) -> list[list[int]]:
        picked = cells if chosen is None else cells[chosen]
        counts = np.bincount(picked, minlength=cell_count).tolist()
        return [
            counts,
            *(
                exact_sums(picked, cell_count, stage if chosen is None else _pick(stage, chosen))
                for stage in stages
            ),
        ]

    return GroupedTallies(count, rows(None), rows(verified))


def _pick(stage: StageUnits, chosen: np.ndarray) -> StageUnits:
    position = {int(index): n for n, index in enumerate(chosen.tolist())} if stage.rounded else {}
    return StageUnits(
        stage.significand[chosen],
        stage.shift[chosen],
        {position[i]: value for i, value in stage.rounded.items() if i in position},
    )


def states_json(tallies: GroupedTallies, config: RatingConfig) -> list[str]:
    """json.dumps(state_to_dict(tallies.state(group, config))) of every group, written
    directly: each cell is turned into text once, and the rest is done by C loops over
    all groups at once (map, zip, %), which matters at a million groups."""
    parts = [
        _tally_json(name, rows) for name, rows in (("everyone", tallies.everyone),
        ("verified_only", tallies.verified_only))
    ]  # fmt: skip
    template = _json_prefix(config) + ", %s, %s}"
    return list(map(template.__mod__, zip(*parts, strict=True)))


def _tally_json(name: str, rows: list[list[int]]) -> list[str]:
    """'"NAME": {...}' of every group, as serialize._tally_to_dict writes it: a stage
    equal to the one before it is left out."""
    # Each group's five cells joined, group after group (zip of one iterator five times
    # takes five at a time).
    texts = [
        list(map('", "'.join, zip(*[iter(map(str, row))] * STAR_COUNT, strict=True)))
        for row in rows
    ]
    optional = []
    for position in range(2, len(rows)):
        # Per group: are its five cells all equal to the stage before's?
        equal = map(operator.eq, rows[position], rows[position - 1])
        same = map(all, zip(*[equal] * STAR_COUNT, strict=True))
        field = f', "{TALLY_FIELDS[position]}": ["'
        optional.append(
            [
                "" if dropped else field + text + '"]'
                for dropped, text in zip(same, texts[position], strict=True)
            ]
        )
    template = f'"{name}": {{"counts": ["%s"], "recency": ["%s"]' + "%s" * len(optional) + "}"
    return list(map(template.__mod__, zip(texts[0], texts[1], *optional, strict=True)))


TALLY_FIELDS = ("counts", *WEIGHTED_STAGES)


def _json_prefix(config: RatingConfig) -> str:
    weighting = {name: getattr(config, name) for name in RatingConfig.WEIGHTING_FIELDS}
    return f'{{"version": {FORMAT_VERSION}, "weighting": {json.dumps(weighting)}'


def grouped_candor_ratings(
    tallies: GroupedTallies, now: datetime, prior: Prior, config: RatingConfig
) -> list[tuple[float | None, int]]:
    """`candor_ratings` of every group's state, read from the tallies' flat rows: the
    weighted sums are decoded as `decode` does (exact integer division by the same
    power of two, then the same float multiplication), all cells at once."""
    if tallies.count == 0:
        return []
    now_exponent = half_lives_since_epoch(now, config)
    counts = np.array(tallies.everyone[0], dtype=np.int64).reshape(-1, STAR_COUNT)
    totals = counts.sum(axis=1)
    rated = np.flatnonzero(totals)
    ratings: list[float] = []
    if len(rated):
        whole = math.floor(now_exponent)
        shift = whole + FRACTION_BITS
        factor = math.exp2(whole - now_exponent)
        picked = (rated[:, None] * STAR_COUNT + np.arange(STAR_COUNT)).reshape(-1)
        weighted = []
        for row in tallies.everyone[1:]:
            units = np.array(row, dtype=object)[picked]
            if shift >= 0:  # int / int, correctly rounded, as in decode
                scaled = (units / (1 << shift)).astype(np.float64)
            else:
                scaled = np.array([float(value << -shift) for value in units], dtype=np.float64)
            weighted.append(scaled.reshape(-1, STAR_COUNT) * factor)
        ratings = score(StarSums(counts[rated], *weighted), prior, config).rating.tolist()
    found = iter(ratings)
    return [(next(found), int(total)) if total else (None, 0) for total in totals.tolist()]
