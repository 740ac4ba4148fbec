"""Reviews as the rating engine sees them: one (`ReviewInput`) or many as columns (`Reviews`).

Only what a weight depends on: stars, date, verified purchase and trust. Helpful votes
are not among them: they sort reviews, they do not weigh them (METHOD.md says why).
Both forms check their values the same way and name the field at fault.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def seconds_since_epoch(moment: datetime) -> float:
    """A timezone-aware moment as seconds since 1970-01-01 UTC (any year 1 to 9999)."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"created_at must be a timezone-aware datetime, got {moment!r}")
    return (moment - EPOCH).total_seconds()


@dataclass(frozen=True)
class ReviewInput:
    """One validated review.

    ``rating`` is 1..5 whole stars; ``created_at`` a timezone-aware datetime;
    ``trust`` in [0, 1] comes from trust analysis (1 = nothing suspicious).
    """

    rating: int
    created_at: datetime
    verified: bool
    trust: float = 1.0

    def __post_init__(self) -> None:
        # bool is an int subclass; True stars would be a bug upstream, not a rating.
        if not _is_int(self.rating) or not 1 <= self.rating <= 5:
            raise ValueError(f"rating must be a whole number of stars 1..5, got {self.rating!r}")
        seconds_since_epoch(self.created_at)
        if not isinstance(self.verified, bool):
            raise ValueError(f"verified must be True or False, got {self.verified!r}")
        if not _is_real(self.trust) or not 0.0 <= self.trust <= 1.0:
            raise ValueError(f"trust must be a number in [0, 1], got {self.trust!r}")


@dataclass(frozen=True)
class Reviews:
    """Many reviews as parallel columns: the array form of `ReviewInput`.

    ``seconds`` is each review's date as seconds since 1970-01-01 UTC.
    """

    stars: IntArray
    seconds: FloatArray
    verified: BoolArray
    trust: FloatArray

    def __post_init__(self) -> None:
        size = len(self.stars)
        for name in ("seconds", "verified", "trust"):
            if len(getattr(self, name)) != size:
                raise ValueError(f"{name}: {len(getattr(self, name))} values for {size} reviews")
        _check_column("rating", self.stars, (self.stars < 1) | (self.stars > 5), "1..5 stars")
        _check_column("created_at", self.seconds, ~np.isfinite(self.seconds), "a finite date")
        bad_trust = ~((self.trust >= 0.0) & (self.trust <= 1.0))  # NaN fails both
        _check_column("trust", self.trust, bad_trust, "a number in [0, 1]")

    @classmethod
    def from_columns(
        cls,
        stars: npt.ArrayLike,
        seconds: npt.ArrayLike,
        verified: npt.ArrayLike,
        trust: npt.ArrayLike,
    ) -> "Reviews":
        return cls(
            np.asarray(stars, dtype=np.int64),
            np.asarray(seconds, dtype=np.float64),
            np.asarray(verified, dtype=bool),
            np.asarray(trust, dtype=np.float64),
        )

    @classmethod
    def of(cls, reviews: Sequence[ReviewInput]) -> "Reviews":
        return cls.from_columns(
            [review.rating for review in reviews],
            [seconds_since_epoch(review.created_at) for review in reviews],
            [review.verified for review in reviews],
            [review.trust for review in reviews],
        )

    def __len__(self) -> int:
        return len(self.stars)

    def take(self, index: IntArray | BoolArray) -> "Reviews":
        """The reviews at ``index`` (positions or a mask), in that order."""
        return Reviews(
            self.stars[index],
            self.seconds[index],
            self.verified[index],
            self.trust[index],
        )

    def no_later_than(self, now_seconds: float) -> "Reviews":
        """These reviews with every date after ``now_seconds`` moved back to it (a date in
        the future, a clock error, counts as posted now)."""
        return Reviews(
            self.stars,
            np.minimum(self.seconds, now_seconds),
            self.verified,
            self.trust,
        )


def _check_column(name: str, values: npt.NDArray[np.generic], bad: BoolArray, want: str) -> None:
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}: review {index} has {values[index]!r}; want {want}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    # NaN fails every comparison, so it must be rejected explicitly.
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)
