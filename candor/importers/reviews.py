"""Saving imported reviews in bulk, and storing the ratings of the books they change.

A reader export's batch (`ReviewBatch`) creates reviews with bulk_create (COPY) and
changes them with bulk_update; the Amazon path writes plain rows instead
(bulk_reviews.py). Either way the books whose reviews a batch changed get their
ratings from the rating store (`candor.reviews.store.recompute_books`): inside the
batch's own transaction, so a batch and its ratings are stored together or not at
all, or, with --bulk (the whole import one transaction), once after the last batch.
"""

from dataclasses import dataclass
from datetime import date, datetime
from secrets import token_hex
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone

from candor.importers.base import BatchResult, Outcome
from candor.importers.bulk import default_row, insert_rows, insert_values, reserve_ids
from candor.importers.bulk_reviews import NewReviewers
from candor.importers.readers import RowError
from candor.reviews import store
from candor.reviews.models import HelpfulVote, Order, Review

# The fields an import may change on an existing review (never moderation or trust).
IMPORTED_FIELDS = (
    "rating",
    "title",
    "text",
    "created_at",
    "verified_purchase",
    "helpful_count",
)


@dataclass(frozen=True)
class ReviewRecord:
    book_id: int
    user_id: int
    rating: int
    title: str
    text: str
    created_at: datetime
    verified: bool | None = None  # None: verified by the reader's orders, as on the site
    helpful: int | None = None  # None: keep the review's count; else the source's votes
    external_id: str | None = None


class ReviewBatch:
    def __init__(self, items: list[tuple[int, ReviewRecord]]) -> None:
        self.items = items
        self.book_ids = sorted({record.book_id for _, record in items})
        self.user_ids = {record.user_id for _, record in items}
        self.result = BatchResult()
        self.existing: dict[tuple[int, int], Review] = {}
        self.created: list[Review] = []
        self.updated: dict[int, Review] = {}

    def save(self) -> BatchResult:
        # Lock the books first (in id order, so concurrent imports cannot deadlock).
        store.lock_books(self.book_ids)
        reviews = Review.objects.filter(book_id__in=self.book_ids, user_id__in=self.user_ids)
        self.existing = {(r.book_id, r.user_id): r for r in reviews}
        local_votes = self.local_votes()
        orders = self.first_orders()
        for line, record in self.items:
            self.apply(line, record, local_votes, orders)
        now = timezone.now()
        for review in self.updated.values():
            review.updated_at = now
        insert_rows(Review, self.created)
        Review.objects.bulk_update(
            list(self.updated.values()), [*IMPORTED_FIELDS, "updated_at"], batch_size=1000
        )
        return self.result

    def local_votes(self) -> dict[int, int]:
        """Votes cast on Candor itself, added to a source's count on re-import."""
        if not self.existing or all(record.helpful is None for _, record in self.items):
            return {}
        ids = [review.pk for review in self.existing.values()]
        # Only the votes that count (HelpfulVote.counted, services.recount_helpful).
        rows = HelpfulVote.objects.filter(review_id__in=ids, counted=True).values("review_id")
        return {row["review_id"]: row["n"] for row in rows.annotate(n=Count("id"))}

    def first_orders(self) -> dict[tuple[int, int], date]:
        if all(record.verified is not None for _, record in self.items):
            return {}
        rows = (
            Order.objects.filter(book_id__in=self.book_ids, user_id__in=self.user_ids)
            .values("book_id", "user_id")
            .annotate(first=Min("ordered_at"))
        )
        return {(row["book_id"], row["user_id"]): row["first"] for row in rows}

    def apply(
        self,
        line: int,
        record: ReviewRecord,
        local_votes: dict[int, int],
        orders: dict[tuple[int, int], date],
    ) -> None:
        key = (record.book_id, record.user_id)
        review = self.existing.get(key)
        if conflicting(review, record):
            self.result.refused.append((line, duplicate_error(review, record)))
            return
        first_order = orders.get(key)
        values = {
            "rating": record.rating,
            "title": record.title,
            "text": record.text,
            "created_at": record.created_at,
            "verified_purchase": record.verified
            if record.verified is not None
            else first_order is not None and first_order <= timezone.localdate(record.created_at),
        }
        if record.helpful is not None:
            pk = review.pk if review is not None else None
            values["helpful_count"] = record.helpful + local_votes.get(pk or 0, 0)
        if review is None:
            review = Review(
                book_id=record.book_id,
                user_id=record.user_id,
                external_id=record.external_id,
                **values,
            )
            self.existing[key] = review
            self.created.append(review)
            self.result.outcomes.append(Outcome.CREATED)
            return
        if all(getattr(review, name) == value for name, value in values.items()):
            self.result.outcomes.append(Outcome.UNCHANGED)
            return
        if review.pk is not None and review.pk not in self.updated:
            self.updated[review.pk] = review
        for name, value in values.items():
            setattr(review, name, value)
        self.result.outcomes.append(Outcome.UPDATED)


def conflicting(review: Review | None, record: ReviewRecord) -> bool:
    """A second review (another source identity) by the same reader of the same book."""
    return bool(
        review is not None
        and review.external_id
        and record.external_id
        and review.external_id != record.external_id
    )


def duplicate_error(review: Review | None, record: ReviewRecord) -> RowError:
    assert review is not None
    return RowError(
        "review",
        f"this reviewer already has a review of this book ({review.external_id}); "
        "Candor keeps one review per reader and book",
    )


class SavesReviews:
    """For importers that save reviews: stores the ratings of the books each batch
    changed, in the batch's transaction; with --bulk (one transaction for the whole
    import), once for all of them after the last batch."""

    touched: set[int]
    bulk: bool

    def save_reviews(self, items: list[tuple[int, ReviewRecord]]) -> BatchResult:
        batch = ReviewBatch(items)
        result = batch.save()
        self.changed({review.book_id for review in [*batch.created, *batch.updated.values()]})
        return result

    def changed(self, books: set[int]) -> None:
        """The books whose reviews a batch changed (inside the batch's transaction)."""
        if self.bulk:
            if not hasattr(self, "touched"):
                self.touched = set()
            self.touched |= books
        else:
            store.recompute_books(books)

    def finish(self, report: Any) -> None:
        touched = getattr(self, "touched", set())
        if self.bulk and touched:
            store.recompute_books(touched)


class ExternalUsers:
    """User ids for a source's reviewers, creating missing ones as accounts nobody can
    sign in to (inactive, unusable password), named PREFIX-ID. Remembers the ids it
    has seen, so each reviewer is looked up once per import.

    ``alone``: nobody else creates accounts during the import (--bulk holds the user
    table). If no account had the prefix when it began, every reviewer it has not
    created itself is new: a first load of a source then looks none up."""

    def __init__(self, prefix: str, alone: bool = False) -> None:
        self.prefix = prefix
        self.known: dict[str, int] = {}
        self.alone = alone
        self.first_of_prefix: bool | None = None  # found at the first call

    def ids(self, source_ids: set[str], created: "NewReviewers | None" = None) -> dict[str, int]:
        """The user ids of these source ids; adds those of the accounts it creates to
        ``created`` when given."""
        names = {f"{self.prefix}-{s}": s for s in source_ids if s not in self.known}
        if not names:
            return self.known
        if self.first_of_prefix is None:
            self.first_of_prefix = (
                self.alone
                and not User.objects.filter(username__startswith=f"{self.prefix}-").exists()
            )
        if not self.first_of_prefix:
            for name, pk in existing_users(list(names)):
                self.known[names[name]] = pk
        missing = [name for name, source_id in names.items() if source_id not in self.known]
        reserved = reserve_ids(User, len(missing))
        if reserved is not None:
            # PostgreSQL: rows with their ids from the sequence, by COPY.
            columns, template = default_row(User, ("username", "password", "is_active"))
            name_at, password_at, active_at = (
                columns.index(column) for column in ("username", "password", "is_active")
            )
            rows = []
            # One call for every account's random suffix (as token_hex(20) gives each).
            noise = token_hex(20 * len(missing))
            for index, (name, pk) in enumerate(zip(missing, reserved, strict=True)):
                row = list(template)
                row[name_at], row[active_at] = name, False
                row[password_at] = UNUSABLE_PASSWORD_PREFIX + noise[40 * index : 40 * index + 40]
                rows.append((pk, *row))
                self.known[names[name]] = pk
            insert_values(User, ("id", *columns), rows)
            if created is not None:
                created.ids.update(reserved)
        elif missing:
            users = [
                User(
                    username=name,
                    is_active=False,
                    password=UNUSABLE_PASSWORD_PREFIX + token_hex(20),
                )
                for name in missing
            ]
            User.objects.bulk_create(users, batch_size=2000)
            found = User.objects.filter(username__in=missing).values_list("username", "pk")
            self.known.update((names[name], pk) for name, pk in found)
            if created is not None:
                created.ids.update(pk for _, pk in found)
        return self.known


def existing_users(usernames: list[str]) -> list[tuple[str, int]]:
    if connection.vendor != "postgresql":
        return list(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    with connection.cursor() as cursor:
        # One array parameter rather than an IN list of thousands.
        cursor.execute(
            f"SELECT username, id FROM {User._meta.db_table} WHERE username = ANY(%s)",
            [usernames],
        )
        return cursor.fetchall()
