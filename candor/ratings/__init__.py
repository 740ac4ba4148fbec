"""candor.ratings: turns a book's reviews into what the book page shows.

A plain, typed library (no Django, no I/O): arrays in, scores and explanations out.
Read in this order: `config` (every constant), `review` (the input, one review or many
as columns), `weights` (how much one review counts), `sums` (what the rating needs of
a book's reviews), `prior`, `score` (the numbers), `explanation` and `rounding` (the
words and the shown steps), `rating` (the entry points), `history` (ratings as they
stood at past moments). METHOD.md explains the method to readers.
"""

from candor.ratings.config import DEFAULT_CONFIG, STARS, RatingConfig
from candor.ratings.history import ratings_at
from candor.ratings.prior import Prior
from candor.ratings.rating import (
    VIEWS,
    BookRatings,
    rate,
    rate_books,
    rating_history,
    results,
)
from candor.ratings.result import Factor, RatingResult
from candor.ratings.review import ReviewInput, Reviews
from candor.ratings.rounding import star_percentages
from candor.ratings.score import STAGES, Scores
from candor.ratings.weights import BookWeighting, review_weight

__all__ = [
    "DEFAULT_CONFIG",
    "STAGES",
    "STARS",
    "VIEWS",
    "BookRatings",
    "BookWeighting",
    "Factor",
    "Prior",
    "RatingConfig",
    "RatingResult",
    "ReviewInput",
    "Reviews",
    "Scores",
    "rate",
    "rate_books",
    "rating_history",
    "ratings_at",
    "results",
    "review_weight",
    "star_percentages",
]
