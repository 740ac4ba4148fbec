"""Ratings as they stood at past moments: the chart of a book's rating over time.

`ratings_at` gives, for every (book, moment) pair, the rating the book had at that
moment from its reviews dated up to then: `book_sums` of that prefix of its reviews,
scored by `score`. Scoring each prefix as a book of its own (`ratings_at_directly`)
costs one row per review per moment; `ratings_at` gets the same sums from running
totals over each book's reviews in date order, in one pass:

- sums without recency (counts, purchase, base, evidence, base squares) are
  running totals read at the prefix's end;
- the sums with recency split at the age where recency reaches its floor: reviews older
  than that count the floor times their running totals; the younger ones count
  0.5 ** (age / half-life), which is 2 ** ((t - T) / h) times 2 ** ((T - t_ref) / h)
  for a fixed anchor T per book (its newest review), so their sums are differences of
  running totals of 2 ** ((t - T) / h) times their weights.

Small books are scored directly, all at once (a loop over books costs more than their
repeated rows); so is a book whose reviews span more than MAX_SPAN half-lives
(centuries: never real data), which would take those powers out of floating-point
range. Tests check that both ways give the same ratings.
"""

import math

import numpy as np

from candor.ratings.config import DEFAULT_CONFIG, RatingConfig
from candor.ratings.prior import Prior
from candor.ratings.review import FloatArray, IntArray, Reviews
from candor.ratings.score import score
from candor.ratings.sums import STAR_COUNT, BookSums, book_sums
from candor.ratings.weights import (
    SECONDS_PER_DAY,
    base_weights,
    counted_trusts,
    purchase_factors,
)

# Powers of two up to 2 ** 200 and their squares stay far inside a double's range.
MAX_SPAN = 200.0
# A book whose moments would repeat at most this many rows is scored directly.
DIRECT_ROWS = 5000


def ratings_at(
    reviews: Reviews,
    books: IntArray,
    moments: FloatArray,
    moment_books: IntArray,
    *,
    prior: Prior,
    config: RatingConfig = DEFAULT_CONFIG,
) -> FloatArray:
    """For every k, the rating book ``moment_books[k]`` had at ``moments[k]`` (seconds
    since 1970), counting its reviews dated up to then; NaN where none counted yet."""
    books = np.asarray(books, dtype=np.int64)
    moments = np.asarray(moments, dtype=np.float64)
    moment_books = np.asarray(moment_books, dtype=np.int64)
    order = np.lexsort((reviews.seconds, books))
    ordered = reviews.take(order)
    owner = books[order]
    half_life = config.half_life_days * SECONDS_PER_DAY
    starts = np.searchsorted(owner, moment_books, side="left")
    ends = np.searchsorted(owner, moment_books, side="right")
    spans = np.zeros(len(moments))
    some = ends > starts
    spans[some] = (ordered.seconds[ends[some] - 1] - ordered.seconds[starts[some]]) / half_life
    # Rows the direct way repeats for each moment's book: its reviews times its moments.
    _, slot, per_book = np.unique(starts, return_inverse=True, return_counts=True)
    repeated = (ends - starts) * per_book[slot.reshape(-1)]
    direct = (spans > MAX_SPAN) | (repeated <= DIRECT_ROWS)
    ratings = np.full(len(moments), np.nan)
    if direct.any():
        ratings[direct] = ratings_at_directly(
            reviews, books, moments[direct], moment_books[direct], prior=prior, config=config
        )
    rest = np.flatnonzero(~direct)
    if len(rest):
        sums = running_sums(ordered, starts[rest], ends[rest], moments[rest], config)
        ratings[rest] = score(sums, prior, config).rating
    return ratings


def moment_sums(
    reviews: Reviews,
    books: IntArray,
    moments: FloatArray,
    moment_books: IntArray,
    config: RatingConfig = DEFAULT_CONFIG,
) -> BookSums:
    """`running_sums` of every (book, moment), whatever the book's size."""
    order = np.lexsort((reviews.seconds, books))
    owner = np.asarray(books, dtype=np.int64)[order]
    starts = np.searchsorted(owner, moment_books, side="left")
    ends = np.searchsorted(owner, moment_books, side="right")
    return running_sums(reviews.take(order), starts, ends, moments, config)


def running_sums(
    reviews: Reviews, starts: IntArray, ends: IntArray, moments: FloatArray, config: RatingConfig
) -> BookSums:
    """`book_sums` of the reviews at positions starts[k]..ends[k]-1 (one book's, sorted
    by date) dated up to moments[k], for every k."""
    count = len(moments)
    sums = {
        name: np.zeros((count, STAR_COUNT)) for name in ("counts", "purchase", "base", "recent")
    }
    single = {
        name: np.zeros(count)
        for name in ("evidence", "recent_squares", "cross", "base_squares", "reference")
    }
    slices: dict[tuple[int, int], list[int]] = {}
    for k, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        slices.setdefault((start, end), []).append(k)
    for (start, end), chosen in slices.items():
        index = np.asarray(chosen, dtype=np.int64)
        book = reviews.take(np.arange(start, end))
        found = book_running_sums(book, moments[index], config)
        for name, table in sums.items():
            table[index] = found[name]
        for name, column in single.items():
            column[index] = found[name]
    return BookSums(
        counts=np.rint(sums["counts"]).astype(np.int64),
        purchase=sums["purchase"],
        base=sums["base"],
        recent=sums["recent"],
        evidence=single["evidence"],
        recent_squares=single["recent_squares"],
        cross=single["cross"],
        base_squares=single["base_squares"],
        reference=single["reference"],
    )


def book_running_sums(
    book: Reviews, moments: FloatArray, config: RatingConfig
) -> dict[str, FloatArray]:
    """The sums of one book's reviews (sorted by date) up to each of ``moments``."""
    seconds = book.seconds
    size = len(seconds)
    trust = counted_trusts(book.trust)
    purchase = purchase_factors(book.verified, config)
    base = base_weights(book, config)
    half_life = config.half_life_days * SECONDS_PER_DAY
    floor = config.recency_floor
    # Recency reaches its floor this many seconds before the reference.
    reach = half_life * math.log2(1.0 / floor) if floor < 1 else 0.0
    # 2 ** ((t - anchor) / h) with the anchor at the book's newest review: at most 1.
    power = np.exp2((seconds - (seconds[-1] if size else 0.0)) / half_life)

    def running(values: FloatArray | None, per_star: bool = False) -> FloatArray:
        """Running totals with a leading 0, per star (shape (n + 1, 5)) or not."""
        weights = np.ones(size) if values is None else values
        if not per_star:
            return np.concatenate([[0.0], np.cumsum(weights)])
        table = np.zeros((size, STAR_COUNT))
        table[np.arange(size), book.stars - 1] = weights
        return np.vstack([np.zeros((1, STAR_COUNT)), np.cumsum(table, axis=0)])

    end = np.searchsorted(seconds, moments, side="right")
    trusted = np.where(trust > 0, np.arange(size), -1)
    last_trusted = np.maximum.accumulate(trusted) if size else trusted
    newest = np.maximum(end - 1, 0)
    reference_index = (
        np.where(last_trusted[newest] >= 0, last_trusted[newest], newest) if size else end
    )
    reference = np.where(end > 0, seconds[reference_index] if size else 0.0, np.nan)
    cut = np.searchsorted(seconds, np.nan_to_num(reference) - reach, side="left")
    cut = np.minimum(cut, end)
    # Sums over the reviews younger than the floor's age, scaled from the anchor to
    # the reference: 2 ** ((t - anchor) / h) * 2 ** ((anchor - ref) / h).
    newest_date = seconds[-1] if size else 0.0
    # Before the first review nothing counts: its scale is never used, so 1.
    scale = np.exp2((newest_date - np.where(end > 0, reference, newest_date)) / half_life)
    base_star = running(base, per_star=True)
    squares = running(base * base)
    young = running(base * power, per_star=True)
    young_squares = running(base * base * power * power)
    young_cross = running(base * base * power)
    return {
        "counts": running(None, per_star=True)[end],
        "purchase": running(purchase, per_star=True)[end],
        "base": base_star[end],
        "recent": (young[end] - young[cut]) * scale[:, None] + floor * base_star[cut],
        "evidence": running(trust)[end],
        "recent_squares": (young_squares[end] - young_squares[cut]) * scale**2
        + floor**2 * squares[cut],
        "cross": (young_cross[end] - young_cross[cut]) * scale + floor * squares[cut],
        "base_squares": squares[end],
        "reference": reference,
    }


def ratings_at_directly(
    reviews: Reviews,
    books: IntArray,
    moments: FloatArray,
    moment_books: IntArray,
    *,
    prior: Prior,
    config: RatingConfig,
) -> FloatArray:
    """`ratings_at` by scoring each (book, moment) as a book of its own holding the
    reviews it had then: one row per review per moment."""
    order = np.lexsort((reviews.seconds, books))
    sorted_books, sorted_seconds = books[order], reviews.seconds[order]
    start = np.searchsorted(sorted_books, moment_books, side="left")
    end = np.searchsorted(sorted_books, moment_books, side="right")
    # Reviews of a book are sorted by date: those up to the moment are a prefix.
    seen = np.array(
        [
            np.searchsorted(sorted_seconds[a:b], moment, side="right")
            for a, b, moment in zip(start.tolist(), end.tolist(), moments.tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    owner = np.repeat(np.arange(len(moments)), seen)
    offsets = np.arange(int(seen.sum())) - np.repeat(np.cumsum(seen) - seen, seen)
    picked = order[np.repeat(start, seen) + offsets]
    sums = book_sums(reviews.take(picked), owner, len(moments), config)
    return score(sums, prior, config).rating


__all__ = ["moment_sums", "ratings_at", "ratings_at_directly"]
