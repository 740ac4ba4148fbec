"""candor.ratings: turns a book's reviews into what the book page shows.

A plain, typed library (no Django, no I/O). `rate` is the one entry point; a
`RatingState` holds the same computation as mergeable sufficient statistics for
incremental updates. The method and every constant are described in METHOD.md.
"""

from candor.ratings.api import rate
from candor.ratings.config import DEFAULT_CONFIG, RatingConfig
from candor.ratings.percentages import largest_remainder_percentages
from candor.ratings.prior import Prior
from candor.ratings.result import Factor, RatingResult
from candor.ratings.review import ReviewInput
from candor.ratings.state import RatingState
from candor.ratings.views import VIEWS

__all__ = [
    "DEFAULT_CONFIG",
    "VIEWS",
    "Factor",
    "Prior",
    "RatingConfig",
    "RatingResult",
    "RatingState",
    "ReviewInput",
    "largest_remainder_percentages",
    "rate",
]
