"""Per-star sufficient statistics for one group of reviews (all, or verified only).

Each row holds one number per star, 1 star first:

- ``counts``: how many ratings, unweighted (the "as posted" view and the prior stage);
- ``recency`` .. ``trust``: fixed-point sums (see fixed_point.py) of the weight with
  the explanation's factors switched on cumulatively: recency; * verified-purchase
  factor; * (1 + helpful bonus); * trust. The ``trust`` row is the full weight.

Everything is an integer, so adding and subtracting tallies is exact.
"""

import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from candor.ratings.config import STARS, RatingConfig
from candor.ratings.fixed_point import decode, encode
from candor.ratings.review import ReviewInput
from candor.ratings.weights import half_lives_since_epoch, stage_multipliers

Row = tuple[int, ...]
ZERO_ROW: Row = (0,) * len(STARS)


@dataclass(frozen=True)
class Tally:
    counts: Row = ZERO_ROW
    recency: Row = ZERO_ROW
    verified_purchase: Row = ZERO_ROW
    helpful_votes: Row = ZERO_ROW
    trust: Row = ZERO_ROW

    @property
    def count(self) -> int:
        return sum(self.counts)

    @property
    def weighted_rows(self) -> tuple[Row, ...]:
        """Rows in the order the explanation switches factors on (WEIGHTED_STAGES)."""
        return (self.recency, self.verified_purchase, self.helpful_votes, self.trust)

    @property
    def rows(self) -> tuple[Row, ...]:
        return (self.counts, *self.weighted_rows)

    def plus(self, other: "Tally") -> "Tally":
        return Tally(*map(_add, self.rows, other.rows, (1, 1, 1, 1, 1)))

    def minus(self, other: "Tally") -> "Tally":
        rows = [_add(mine, theirs, -1) for mine, theirs in self._pairs(other)]
        # Catches removing a review that was never added (not every such mistake).
        if any(value < 0 for row in rows for value in row):
            raise ValueError("review: cannot remove a review that is not in the state")
        return Tally(*rows)

    def _pairs(self, other: "Tally") -> Iterator[tuple[Row, Row]]:
        return zip(self.rows, other.rows, strict=True)


EMPTY_TALLY = Tally()


def tally_of(reviews: Iterable[ReviewInput], config: RatingConfig) -> Tally:
    """The tally of some reviews (integer sums, so order never matters)."""
    sums = [list(ZERO_ROW) for _ in EMPTY_TALLY.rows]
    for review in reviews:
        for row, units in zip(sums, review_units(review, config), strict=True):
            row[review.rating - 1] += units
    return Tally(*(tuple(row) for row in sums))


def review_units(review: ReviewInput, config: RatingConfig) -> tuple[int, ...]:
    """What one review adds to its star in each row: 1 to counts, its weights to the rest."""
    exponent = half_lives_since_epoch(review.created_at, config)
    return (1, *(encode(multiplier, exponent) for multiplier in stage_multipliers(review, config)))


def decode_row(row: Row, now_exponent: float) -> tuple[float, ...]:
    """A weighted row as float weights per star at the query time."""
    return tuple([decode(units, now_exponent) for units in row])


def _add(mine: Row, theirs: Row, sign: int) -> Row:
    # map over operator functions: a page merges a book's monthly tallies on every view.
    return tuple(map(operator.add if sign > 0 else operator.sub, mine, theirs))
