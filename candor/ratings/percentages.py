"""Whole-number star percentages that add up to exactly 100.

Largest-remainder (Hamilton) rounding: every star gets the floor of its exact
share; the points still missing go, one each, to the stars with the largest
remainders, ties going to the higher star. So each percentage is within 1 of the
exact share, the total is exactly 100, and equal counts always round the same
way (three equal counts show 34 / 33 / 33, the 34 on the highest star).
Shares closer than 1e-9 of a point count as equal, so float noise can never break a
tie.
"""

import math
from collections.abc import Mapping
from fractions import Fraction

import numpy as np

from candor.ratings.batch import percentages as batch_percentages
from candor.ratings.config import STARS

HIGHEST_FIRST = tuple(reversed(STARS))


def largest_remainder_percentages(amounts: Mapping[int, float]) -> dict[int, int]:
    """Percent per star (keys 5..1); all 0 when the amounts add up to 0.

    The shares are worked out exactly (fractions, so huge integer sums are fine), then
    rounded by the same vectorised code that rounds every book's bars
    (`candor.ratings.batch.percentages`).
    """
    unknown = set(amounts) - set(STARS)
    if unknown:
        raise ValueError(f"amounts keys must be stars 1..5, got {sorted(unknown)!r}")
    exact = [_fraction(amounts.get(star, 0)) for star in STARS]
    total = sum(exact)
    if total == 0:
        return dict.fromkeys(HIGHEST_FIRST, 0)
    shares = np.array([[float(100 * amount / total) for amount in exact]])
    percents = batch_percentages(shares)[0].tolist()
    return {star: percents[star - 1] for star in HIGHEST_FIRST}


def _fraction(amount: float) -> Fraction:
    # Integers may be huge (fixed-point sums) and would overflow math.isfinite.
    finite = isinstance(amount, int) or math.isfinite(amount)
    if not (finite and amount >= 0):
        raise ValueError(f"amounts must be finite and >= 0, got {amount!r}")
    return Fraction(amount)
