"""Exact, overflow-free storage of recency-weighted sums.

A review's recency weight at query time ``now`` is ``2 ** (x_review - x_now)`` where
``x`` counts half-lives since a fixed EPOCH (1970-01-01 UTC). A state stores
``multiplier * 2 ** x_review`` per review, and a query multiplies the stored sums
by ``2 ** -x_now``. That rescaling is exact because it multiplies every weight by
the same factor; it is applied to the data sums only, never to the prior.

The stored values are Python integers counting units of ``2 ** -FRACTION_BITS``:

- integers never overflow, whatever the dates (1990, 2100 or beyond) and however
  short the half-life, so one fixed epoch serves every state and merging two
  states never needs rescaling;
- integer addition is exact, associative and commutative, so adding reviews one by
  one, all at once, or merging partitions gives bit-identical sums, and removing
  a review is the exact inverse of adding it (float sums would drift).

Each review's value is rounded once, deterministically, to 2 ** -128 (relative to
a weight of 1 at the epoch): far below anything a rating can show.
"""

import math
from datetime import UTC, datetime

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FRACTION_BITS = 128


def encode(multiplier: float, exponent: float) -> int:
    """round(multiplier * 2 ** exponent * 2 ** FRACTION_BITS), using exact integers."""
    whole = math.floor(exponent)
    mantissa = multiplier * math.exp2(exponent - whole)
    numerator, denominator = mantissa.as_integer_ratio()
    shift = whole + FRACTION_BITS
    if shift >= 0:
        numerator <<= shift
    else:
        denominator <<= -shift
    return (2 * numerator + denominator) // (2 * denominator)


def decode(units: int, exponent: float) -> float:
    """units * 2 ** -FRACTION_BITS * 2 ** -exponent, as a float."""
    whole = math.floor(exponent)
    shift = whole + FRACTION_BITS
    # int / int is correctly rounded even for huge integers; float(units) could overflow.
    scaled = units / (1 << shift) if shift >= 0 else float(units << -shift)
    return scaled * math.exp2(whole - exponent)
