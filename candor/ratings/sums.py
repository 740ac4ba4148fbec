"""BookSums: everything the rating needs to know of a book's reviews, as sums.

Per book and star (arrays of shape (n, 5), 1 star first):

- ``counts``: how many reviews;
- ``purchase``: sum of the purchase factors;
- ``base``: sum of base weights (purchase * trust);
- ``recent``: sum of full recency * base weight (recency as if the gate were open).

Per book (shape (n,)):

- ``evidence``: sum of (counted) trust, how many reviews' worth the book holds;
- ``recent_squares``, ``cross``, ``base_squares``: sums of (recency * base) ** 2,
  recency * base ** 2 and base ** 2, which the change test needs (`candor.ratings.score`);
- ``reference``: the date of the newest review with trust above 0 (seconds since 1970;
  the newest of all when none has): recency counts ages back from it.

`book_sums` computes them from reviews; the batch pipeline (`candor.pipeline`)
computes the same sums on DuckDB or Spark, and a conformance test pins the two
together. The sums do not depend on the prior or on today's date: a book's rating is
a function of its reviews (dates after ``now`` count as ``now``).
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from candor.ratings.config import RatingConfig
from candor.ratings.review import FloatArray, IntArray, Reviews
from candor.ratings.weights import (
    SECONDS_PER_DAY,
    base_weights,
    counted_trusts,
    full_recencies,
    purchase_factors,
)

STAR_COUNT = 5
PER_STAR = ("counts", "purchase", "base", "recent")
PER_BOOK = ("evidence", "recent_squares", "cross", "base_squares", "reference")


@dataclass(frozen=True)
class BookSums:
    counts: IntArray
    purchase: FloatArray
    base: FloatArray
    recent: FloatArray
    evidence: FloatArray
    recent_squares: FloatArray
    cross: FloatArray
    base_squares: FloatArray
    reference: FloatArray

    def __len__(self) -> int:
        return int(self.counts.shape[0])

    def rows(self, index: npt.ArrayLike) -> "BookSums":
        """The books at ``index``."""
        return BookSums(*(getattr(self, name)[index] for name in (*PER_STAR, *PER_BOOK)))


def book_sums(reviews: Reviews, books: IntArray, count: int, config: RatingConfig) -> BookSums:
    """The sums of ``count`` books; ``books[i]`` (0..count-1) is review i's book.

    Sums are added in the reviews' order (np.bincount), so the same reviews in the same
    order always give the same bits, and a review of weight 0 changes nothing.
    """
    books = np.asarray(books, dtype=np.int64)
    reference = references(reviews, books, count)
    base = base_weights(reviews, config)
    age_days = (reference[books] - reviews.seconds) / SECONDS_PER_DAY
    recent = full_recencies(age_days, config) * base
    cells = books * STAR_COUNT + (reviews.stars - 1)

    def per_star(weights: FloatArray | None) -> FloatArray:
        summed = np.bincount(cells, weights, minlength=count * STAR_COUNT)
        return summed.reshape(count, STAR_COUNT).astype(np.float64)

    def per_book(weights: FloatArray) -> FloatArray:
        return np.bincount(books, weights, minlength=count).astype(np.float64)

    return BookSums(
        counts=per_star(None).astype(np.int64),
        purchase=per_star(purchase_factors(reviews.verified, config)),
        base=per_star(base),
        recent=per_star(recent),
        evidence=per_book(counted_trusts(reviews.trust)),
        recent_squares=per_book(recent * recent),
        cross=per_book(recent * base),
        base_squares=per_book(base * base),
        reference=reference,
    )


def references(reviews: Reviews, books: IntArray, count: int) -> FloatArray:
    """Per book, the date recency counts back from: its newest review with trust above
    0, or its newest review when none has (NaN for a book without reviews)."""
    newest = np.full(count, -np.inf)
    np.maximum.at(newest, books, reviews.seconds)
    trusted = counted_trusts(reviews.trust) > 0
    newest_trusted = np.full(count, -np.inf)
    np.maximum.at(newest_trusted, books[trusted], reviews.seconds[trusted])
    reference = np.where(np.isfinite(newest_trusted), newest_trusted, newest)
    result: FloatArray = np.where(np.isfinite(reference), reference, np.nan)
    return result
