"""One review as the rating engine sees it: its stars and what its weight depends on."""

import math
from dataclasses import dataclass, replace
from datetime import datetime


@dataclass(frozen=True)
class ReviewInput:
    """A validated review.

    ``rating`` is 1..5 whole stars; ``created_at`` a timezone-aware datetime (compared
    as an absolute instant, so any UTC offset works); ``trust`` in [0, 1] comes from
    trust analysis (1.0 = fully trusted); ``helpful_votes`` counts readers who marked
    the review helpful.
    """

    rating: int
    created_at: datetime
    verified: bool
    trust: float = 1.0
    helpful_votes: int = 0

    def __post_init__(self) -> None:
        # bool is an int subclass; True stars would be a bug upstream, not a rating.
        if not _is_int(self.rating) or not 1 <= self.rating <= 5:
            raise ValueError(f"rating must be a whole number of stars 1..5, got {self.rating!r}")
        if not isinstance(self.created_at, datetime) or self.created_at.utcoffset() is None:
            raise ValueError(
                f"created_at must be a timezone-aware datetime, got {self.created_at!r}"
            )
        if not isinstance(self.verified, bool):
            raise ValueError(f"verified must be True or False, got {self.verified!r}")
        if not _is_real(self.trust) or not 0.0 <= self.trust <= 1.0:
            raise ValueError(f"trust must be a number in [0, 1], got {self.trust!r}")
        if not _is_int(self.helpful_votes) or self.helpful_votes < 0:
            raise ValueError(
                f"helpful_votes must be a whole number >= 0, got {self.helpful_votes!r}"
            )

    def dated_no_later_than(self, moment: datetime) -> "ReviewInput":
        """This review, with a date after ``moment`` moved back to ``moment`` (age 0)."""
        return replace(self, created_at=moment) if self.created_at > moment else self


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    # NaN fails every comparison, so it must be rejected explicitly.
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)
