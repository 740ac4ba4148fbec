"""Rounding numbers that must add up: largest-remainder (Hamilton) rounding.

Used twice, so that what a page shows adds up as shown: the star bars (whole percents
adding up to 100) and the explanation's steps (hundredths of a star adding up to the
displayed rating minus the displayed simple average).

Each value gets its floor; the units still missing go, one each, to the values with
the largest remainders, ties to the later column (for the star bars, the higher star).
Every result is within 1 of its value. Values within 1e-9 of a whole number count as
that number, so float noise never breaks a tie differently from exact arithmetic.
"""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from candor.ratings.config import STARS
from candor.ratings.review import FloatArray, IntArray

RESOLUTION = 1e-9
HIGHEST_FIRST = tuple(reversed(STARS))


def largest_remainder(values: FloatArray, totals: IntArray) -> IntArray:
    """Whole numbers per row of ``values`` (n, k) adding up to ``totals`` (n,).

    Each total must lie between the sum of the row's floors and that sum plus k (it does
    whenever it is within 1 of the row's sum).
    """
    values = np.asarray(values, dtype=np.float64)
    nearest = np.round(values)
    values = np.where(np.abs(values - nearest) < RESOLUTION, nearest, values)
    floors = np.floor(values)
    remainders = np.round((values - floors) / RESOLUTION)
    columns = values.shape[1]
    missing = np.clip(np.asarray(totals) - floors.sum(axis=1), 0, columns).astype(np.int64)
    # Rank columns by remainder, larger first; on a tie the later column first.
    key = remainders * columns + np.arange(columns)
    order = np.argsort(-key, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(columns)[None, :], axis=1)
    result: IntArray = (floors + (ranks < missing[:, None])).astype(np.int64)
    return result


def percentages(amounts: FloatArray) -> IntArray:
    """Whole percents per star (n, 5) adding up to 100 per row; rows adding up to 0 give 0."""
    amounts = np.asarray(amounts, dtype=np.float64)
    total = amounts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, 100.0 * amounts / total, 0.0)
    return largest_remainder(shares, np.where(total[:, 0] > 0, 100, 0))


def star_percentages(amounts: Mapping[int, float]) -> dict[int, int]:
    """`percentages` of one book's amounts per star, keys 5..1 (all 0 when they add up to 0)."""
    unknown = set(amounts) - set(STARS)
    if unknown:
        raise ValueError(f"amounts keys must be stars 1..5, got {sorted(unknown)!r}")
    row = [float(amounts.get(star, 0)) for star in STARS]
    if not all(np.isfinite(value) and value >= 0 for value in row):
        raise ValueError(f"amounts must be finite and >= 0, got {dict(amounts)!r}")
    percents = percentages(np.array([row]))[0].tolist()
    return {star: percents[star - 1] for star in HIGHEST_FIRST}


def half_up(value: float, digits: int) -> Decimal:
    """``value`` rounded to ``digits`` decimals as readers expect (2.25 -> 2.3), not
    half-to-even as format() does: how pages show every rating."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def half_up_units(values: FloatArray, digits: int) -> IntArray:
    """`half_up` of many values, in units of 10 ** -digits (finite values only).

    A value whose scaled fraction is not within 1e-9 of a half rounds the same in binary
    and in its decimal repr; the few that are go through `half_up` itself.
    """
    scaled = np.asarray(values, dtype=np.float64) * 10**digits
    floors = np.floor(scaled)
    units: IntArray = (floors + (scaled - floors > 0.5)).astype(np.int64)
    for i in np.flatnonzero(np.abs(scaled - floors - 0.5) < RESOLUTION).tolist():
        units[i] = int(half_up(float(values[i]), digits).scaleb(digits))
    return units


def shown_steps(start: float, end: float, steps: list[float], digits: int = 2) -> list[float]:
    """``steps`` (which add up to end - start) rounded to ``digits`` decimals so that
    they add up exactly to the shown end minus the shown start (`half_up`): what a
    sceptic adding up the displayed steps finds."""
    scale = 10**digits
    total = int((half_up(end, digits) - half_up(start, digits)).scaleb(digits))
    units = largest_remainder(np.asarray([steps], dtype=np.float64) * scale, np.array([total]))
    return [int(unit) / scale for unit in units[0]]


def shown_steps_of_many(ratings: FloatArray, digits: int = 2) -> FloatArray:
    """`shown_steps` of many rows at once: each row of ``ratings`` (n, k) is a start, the
    ratings after each step, the end last; rows with a NaN give NaN."""
    ratings = np.asarray(ratings, dtype=np.float64)
    scale = 10**digits
    shown = np.full((ratings.shape[0], ratings.shape[1] - 1), np.nan)
    good = np.flatnonzero(np.all(np.isfinite(ratings), axis=1))
    if len(good):
        rows = ratings[good]
        totals = half_up_units(rows[:, -1], digits) - half_up_units(rows[:, 0], digits)
        units = largest_remainder(np.diff(rows, axis=1) * scale, totals)
        shown[good] = units / scale
    return shown
