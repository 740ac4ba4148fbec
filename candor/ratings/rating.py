"""The entry points: reviews in, what a page shows out.

- `rate`: one book's reviews (`ReviewInput`) to its `RatingResult` in one view;
- `rate_books`: many books' reviews as columns (`Reviews`) to their `Scores` and each
  review's weight, in one vectorised call: what the web app's rating store, the
  exports and `candor score` use;
- `results`: `RatingResult` of every book of a `Scores`;
- `ratings_at` (many books) and `rating_history` (one): ratings as they stood at
  several moments.

`rate` is `rate_books` with one book, so a page and a batch run give the same numbers.

The views: "candor" (the whole method over every review), "as_posted" (the plain
average and the raw star split: a description of what was posted, not an estimate, so
no interval) and "verified" (the whole method over verified purchases only).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from candor.ratings.config import DEFAULT_CONFIG, STARS, RatingConfig
from candor.ratings.explanation import OPENING_LABEL, Explainer, nothing_to_rate, opening_sentence
from candor.ratings.history import ratings_at
from candor.ratings.prior import Prior
from candor.ratings.result import Factor, RatingResult
from candor.ratings.review import FloatArray, IntArray, ReviewInput, Reviews, seconds_since_epoch
from candor.ratings.rounding import HIGHEST_FIRST, percentages, shown_steps_of_many
from candor.ratings.score import STAGES, Scores, score
from candor.ratings.sums import book_sums
from candor.ratings.weights import review_weights

VIEWS = ("candor", "as_posted", "verified")
NOUNS = {"candor": "rating", "as_posted": "rating", "verified": "verified-purchase rating"}


def check_view(view: str) -> None:
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}; got {view!r}")


@dataclass(frozen=True)
class BookRatings:
    """`rate_books`' answer: per book its `Scores`, per review (in the order given) its
    weight in its book's rating (0 for reviews the view leaves out)."""

    scores: Scores
    weights: FloatArray


def rate_books(
    reviews: Reviews,
    books: IntArray,
    count: int,
    *,
    now: float,
    prior: Prior,
    config: RatingConfig = DEFAULT_CONFIG,
    view: str = "candor",
) -> BookRatings:
    """Scores of ``count`` books (``books[i]`` in 0..count-1 is review i's book) at
    ``now`` (seconds since 1970: later dates count as ``now``), in ``view``."""
    check_view(view)
    books = np.asarray(books, dtype=np.int64)
    reviews = reviews.no_later_than(now)
    chosen = reviews.verified if view == "verified" else np.ones(len(reviews), dtype=bool)
    picked = reviews.take(chosen)
    scores = score(book_sums(picked, books[chosen], count, config), prior, config)
    owner = books[chosen]
    weights = np.zeros(len(reviews))
    weights[chosen] = review_weights(
        picked, scores.reference[owner], scores.gate[owner], scores.scale[owner], config
    )
    return BookRatings(scores, weights)


def results(
    scores: Scores, prior: Prior, config: RatingConfig = DEFAULT_CONFIG, view: str = "candor"
) -> Iterator[RatingResult]:
    """The `RatingResult` of every book of ``scores`` (computed in ``view``)."""
    check_view(view)
    if view == "as_posted":
        yield from (as_posted(row) for row in scores.star_counts.tolist())
        return
    explainer = Explainer(NOUNS[view], prior, config, STAGES)
    counts = scores.count.tolist()
    ratings = scores.stage_ratings.tolist()
    changed = scores.changed.tolist()
    gates = scores.gate.tolist()
    stars = scores.stars[:, ::-1].tolist()
    intervals = scores.interval.tolist()
    evidence = scores.evidence.tolist()
    shown = shown_steps_of_many(scores.stage_ratings).tolist()
    rows = zip(counts, ratings, changed, gates, stars, intervals, evidence, shown, strict=True)
    for count, stage_ratings, stage_changed, gate, percents, interval, amount, steps in rows:
        rating = stage_ratings[-1]
        counted = count > 0 and rating == rating  # NaN: nothing counts
        yield RatingResult(
            rating=rating if counted else None,
            count=count,
            stars=dict(zip(HIGHEST_FIRST, percents, strict=True)),
            interval=(interval[0], interval[1]) if counted else None,
            effective_count=amount,
            explanation=explainer.factors(count, stage_ratings, stage_changed, gate, steps),
        )


def as_posted(counts: list[int]) -> RatingResult:
    """The "as posted" view of one book's star counts (1 star first)."""
    count = sum(counts)
    if count == 0:
        empty = dict.fromkeys(HIGHEST_FIRST, 0)
        return RatingResult(None, 0, empty, None, 0.0, nothing_to_rate("rating"))
    average = sum(star * n for star, n in zip(STARS, counts, strict=True)) / count
    percents = percentages(np.array([counts], dtype=np.float64))[0].tolist()
    sentence = opening_sentence(count, "rating", average)
    return RatingResult(
        rating=average,
        count=count,
        stars={star: percents[star - 1] for star in HIGHEST_FIRST},
        interval=None,
        effective_count=float(count),
        explanation=[Factor("simple_average", OPENING_LABEL, 0.0, 0.0, sentence)],
    )


def rate(
    reviews: Iterable[ReviewInput],
    *,
    now: datetime,
    prior: Prior | None = None,
    config: RatingConfig = DEFAULT_CONFIG,
    view: str = "candor",
) -> RatingResult:
    """The rating of one book's ``reviews`` at ``now`` in ``view``; ``prior`` defaults to
    the typical book's. Reviews dated after ``now`` count as posted at ``now``."""
    check_view(view)
    now_seconds = seconds_since_epoch(now)
    prior = Prior.typical(config) if prior is None else prior
    columns = Reviews.of(list(reviews))
    book = np.zeros(len(columns), dtype=np.int64)
    rated = rate_books(columns, book, 1, now=now_seconds, prior=prior, config=config, view=view)
    [result] = results(rated.scores, prior, config, view)
    return result


def rating_history(
    reviews: Reviews,
    moments: FloatArray,
    *,
    prior: Prior,
    config: RatingConfig = DEFAULT_CONFIG,
) -> FloatArray:
    """One book's rating at each of ``moments`` (`ratings_at` with a single book)."""
    moments = np.asarray(moments, dtype=np.float64)
    books = np.zeros(len(reviews), dtype=np.int64)
    return ratings_at(
        reviews, books, moments, np.zeros(len(moments), dtype=np.int64), prior=prior, config=config
    )
