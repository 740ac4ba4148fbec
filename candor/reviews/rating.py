"""The web app's bridge to the rating engine (candor.ratings).

`candor.ratings` turns reviews into what a page shows; this module keeps each book's
engine state in the database, one mergeable `RatingState` per book and month
(`RatingMonth`), and changes it by exact deltas: every service that changes a review,
its visibility, verification or votes runs inside `track(review)`, which removes the
review as it counted before and adds it as it counts after. Posting a review is
therefore O(1) however many reviews the book has, and the result is exactly what
`candor.ratings.rate` gives from scratch (tests check both).
"""

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import groupby

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from candor.catalog.models import Book
from candor.ratings import Prior, RatingResult, RatingState, ReviewInput, history
from candor.ratings.serialize import state_from_dict, state_to_dict
from candor.reviews.models import RatingMonth, Review
from candor.trust.codes import TRUNCATED

# How many pseudo-reviews the catalogue prior is worth (see candor/ratings/METHOD.md).
PRIOR_STRENGTH = 5.0
PRIOR_CACHE_KEY = "candor:catalogue-prior"


def catalogue_prior() -> Prior:
    """The catalogue's star shares, cached for CATALOGUE_PRIOR_SECONDS (it moves slowly)."""
    counts = cache.get(PRIOR_CACHE_KEY)
    if counts is None:
        rows = Review.objects.filter(hidden=False).values("rating").annotate(n=Count("id"))
        counts = {row["rating"]: float(row["n"]) for row in rows}
        cache.set(PRIOR_CACHE_KEY, counts, settings.CATALOGUE_PRIOR_SECONDS)
    return Prior.from_star_counts(counts, strength=PRIOR_STRENGTH)


def review_input(review: Review, helpful_votes: int) -> ReviewInput:
    return ReviewInput(
        rating=review.rating,
        created_at=review.created_at,
        verified=review.verified_purchase,
        trust=review.effective_trust,
        helpful_votes=helpful_votes,
    )


def counted_input(review_id: int | None) -> tuple[date, ReviewInput] | None:
    """How the review counts now (None when hidden or absent), with its month."""
    if review_id is None:
        return None
    review = Review.objects.filter(pk=review_id, hidden=False).first()
    if review is None:
        return None
    return month_of(review.created_at), review_input(review, review.helpful_count)


def month_of(moment: datetime) -> date:
    utc = moment.astimezone(UTC)
    return date(utc.year, utc.month, 1)


@contextmanager
def track(book: Book, review_id: int | None) -> Iterator[list[int | None]]:
    """Apply the change the block makes to one review to the book's stored state.

    For a review created inside the block, put its id into the yielded list. The
    book row stays locked from reading "before" to storing the new rating on the
    book, so concurrent changes to one book's reviews apply one after another.
    """
    with transaction.atomic():
        list(Book.objects.select_for_update().filter(pk=book.pk).values_list("pk"))
        before = counted_input(review_id)
        holder: list[int | None] = [review_id]
        yield holder
        after = counted_input(holder[0])
        if before != after:
            apply_delta(book, before, after)
            store_book_rating(book)


def store_book_rating(book: Book) -> None:
    """Store the engine's rating on the book (for listings and sorting), and raise its
    rating version so no server process shows a cached page of the state before."""
    result = book_rating(book)
    Book.objects.filter(pk=book.pk).update(
        rating=result.rating, rating_count=result.count, rating_version=F("rating_version") + 1
    )
    book.rating, book.rating_count = result.rating, result.count
    book.rating_version = Book.objects.values_list("rating_version", flat=True).get(pk=book.pk)


def apply_delta(
    book: Book, removed: tuple[date, ReviewInput] | None, added: tuple[date, ReviewInput] | None
) -> None:
    with transaction.atomic():
        for change, item in (("remove", removed), ("add", added)):
            if item is None:
                continue
            month, review = item
            row, _ = RatingMonth.objects.select_for_update().get_or_create(
                book=book, month=month, defaults={"state": state_to_dict(RatingState())}
            )
            state = state_from_dict(row.state)
            state = state.remove(review) if change == "remove" else state.add(review)
            row.state = state_to_dict(state)
            row.save(update_fields=["state"])


def monthly_states(book: Book) -> list[tuple[date, RatingState]]:
    return [(row.month, state_from_dict(row.state)) for row in book.rating_months.all()]


def book_state(book: Book) -> RatingState:
    state = RatingState()
    for _, month_state in monthly_states(book):
        state = state.merge(month_state)
    return state


def book_rating(
    book: Book, view: str = "candor", now: datetime | None = None, prior: Prior | None = None
) -> RatingResult:
    """What the book page shows: the engine's result for the book's stored state."""
    return book_state(book).result(
        now or timezone.now(), prior=prior or catalogue_prior(), view=view
    )


@dataclass(frozen=True)
class ShownRating:
    """What a book page shows of the engine: the result in one view, and in Candor's
    view the rating over time (None in the others)."""

    result: RatingResult
    history: list[tuple[date, float]] | None


def shown_rating(book: Book, view: str = "candor") -> ShownRating:
    """`book_rating` and `rating_history` for a page, cached between changes.

    The key holds everything the numbers depend on: the book's rating version (raised
    by every change through `store_book_rating`), its stored rating and count (also
    written by the importers' bulk path), the catalogue prior, and the time to
    SHOWN_RATING_SECONDS (recency weights move with the clock: by less than 0.0001
    stars in ten minutes at the default half-life). So a change is shown at once by
    every server process, and an unchanged book is computed once per period instead
    of once per view. The months' states are read only on a miss.
    """
    prior = catalogue_prior()
    period = settings.SHOWN_RATING_SECONDS
    # Each book's period starts at its own offset, so the pages do not all expire at once.
    bucket = int((time.time() + book.pk * 7919 % max(period, 1)) // period) if period > 0 else 0
    fingerprint = hashlib.blake2b(
        repr((book.rating_version, book.rating, book.rating_count, prior, view, bucket)).encode(),
        digest_size=12,
    ).hexdigest()
    key = f"candor:shown-rating:{book.pk}:{fingerprint}"
    shown = cache.get(key) if period > 0 else None
    if shown is None:
        months = monthly_states(book)
        state = RatingState()
        for _, month_state in months:
            state = state.merge(month_state)
        result = state.result(timezone.now(), prior=prior, view=view)
        history = rating_history(book, prior, months) if view == "candor" else None
        shown = ShownRating(result, history)
        if period > 0:
            cache.set(key, shown, period)
    return shown


def month_end(month: date) -> datetime:
    """The last second of a month, UTC."""
    next_month = (datetime(month.year, month.month, 28, tzinfo=UTC) + timedelta(days=4)).replace(
        day=1
    )
    return next_month - timedelta(seconds=1)


def rating_history(
    book: Book,
    prior: Prior | None = None,
    months: list[tuple[date, RatingState]] | None = None,
) -> list[tuple[date, float]]:
    """(end of month, Candor's rating as it stood then) for each month with reviews
    (``months``: the book's `monthly_states`, when the caller has them)."""
    now = timezone.now()
    months = monthly_states(book) if months is None else months
    moments = [min(month_end(month), now) for month, _ in months]
    ratings = history.rating_history(
        [(moment, state) for moment, (_, state) in zip(moments, months, strict=True)],
        prior or catalogue_prior(),
    )
    return [
        (moment.date(), rating)
        for moment, rating in zip(moments, ratings, strict=True)
        if rating is not None
    ]


def visible_reviews(book: Book) -> QuerySet[Review]:
    return book.reviews.filter(hidden=False)


@transaction.atomic
def rebuild_book_state(book: Book) -> None:
    """Recompute the book's stored state from its reviews (bulk loads, repairs)."""
    RatingMonth.objects.filter(book=book).delete()
    reviews = visible_reviews(book).order_by("created_at")
    rows = []
    for month, group in groupby(reviews, key=lambda review: month_of(review.created_at)):
        state = RatingState.of(review_input(r, r.helpful_count) for r in group)
        rows.append(RatingMonth(book=book, month=month, state=state_to_dict(state)))
    RatingMonth.objects.bulk_create(rows)


# A review counts as down-weighted by trust analysis below this effective trust.
DOWNWEIGHTED_BELOW = 0.9


def trust_summary(book: Book, result: RatingResult) -> dict[str, object]:
    """For the explanation page: down-weighted reviews grouped by reason, and the
    rating with and without trust (the engine's last stage switches trust on)."""
    groups: dict[str, dict[str, object]] = {}
    downweighted = 0
    for review in visible_reviews(book).only("trust", "trust_override", "trust_reasons"):
        if review.effective_trust >= DOWNWEIGHTED_BELOW:
            continue
        downweighted += 1
        reasons = review.trust_reasons or [{"code": "other", "text": "other signals combined"}]
        if review.trust_override is not None:
            reasons = [{"code": "moderator", "text": "a moderator decided it should count less"}]
        for reason in reasons:
            if reason["code"] == TRUNCATED:
                continue  # a note that the text was read in part, not a reason to count less
            group = groups.setdefault(reason["code"], {"example": reason["text"], "count": 0})
            group["count"] = int(group["count"]) + 1  # type: ignore[call-overload]
    trust_delta = sum(f.delta for f in result.explanation if f.code == "trust")
    return {
        "downweighted": downweighted,
        "groups": sorted(groups.items(), key=lambda item: -int(item[1]["count"])),  # type: ignore[call-overload]
        "with_trust": result.rating,
        "without_trust": None if result.rating is None else result.rating - trust_delta,
    }
