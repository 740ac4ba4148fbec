"""Saving imported reviews in bulk, keeping every affected book's rating state exact.

A reader export's batch (`ReviewBatch`) creates reviews with bulk_create (COPY) and
changes them with bulk_update; the Amazon bulk path writes plain rows instead
(bulk_reviews.py). The rating state (RatingMonth) of the affected books is kept in one of two ways:

- per batch (reader exports): each affected (book, month) state changes by the exact
  delta, as `candor.reviews.rating.track` does for one review, inside the batch's
  transaction with the books locked;
- after the last batch (the bulk path, Amazon reviews): batches write reviews only,
  and `rebuild_rating_states` then recomputes every affected book's month states from
  its visible reviews, a chunk of books per transaction, with the exact sums taken
  over arrays (`candor.ratings.grouped.grouped_tallies`). Maintaining states batch by
  batch read, decoded and rewrote the same months again and again, which was most of
  a large import's time. If the import is killed before that pass, the affected books'
  states are stale until `candor rebuild_ratings` repairs them.

States are exact integer sums, so either way the result equals `rebuild_book_state`
bit for bit (tests check).
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from secrets import token_hex

import numpy as np
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from candor.catalog.models import Book
from candor.importers.base import BatchResult, Outcome
from candor.importers.bulk import (
    bulk_transaction,
    default_row,
    insert_rows,
    insert_values,
    reserve_ids,
    update_ratings,
)
from candor.importers.bulk_reviews import NewReviewers
from candor.importers.bulk_schema import SetAside
from candor.importers.readers import RowError
from candor.ratings import Prior, RatingState, ReviewInput
from candor.ratings.config import DEFAULT_CONFIG, RatingConfig
from candor.ratings.fixed_point import EPOCH
from candor.ratings.grouped import (
    ReviewColumns,
    candor_ratings,
    grouped_candor_ratings,
    grouped_tallies,
    stage_units,
    states_json,
)
from candor.ratings.serialize import state_from_dict, state_to_dict
from candor.reviews.models import HelpfulVote, Order, RatingMonth, Review
from candor.reviews.rating import PRIOR_CACHE_KEY, catalogue_prior, month_of, review_input

# The fields an import may change on an existing review (never moderation or trust).
IMPORTED_FIELDS = (
    "rating",
    "title",
    "text",
    "created_at",
    "verified_purchase",
    "helpful_count",
)

Counted = tuple[int, date, ReviewInput]  # book id, month, how the review counts


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
    def __init__(self, items: list[tuple[int, ReviewRecord]], track_states: bool = True) -> None:
        self.items = items
        self.track_states = track_states
        self.book_ids = sorted({record.book_id for _, record in items})
        self.user_ids = {record.user_id for _, record in items}
        self.result = BatchResult()
        self.existing: dict[tuple[int, int], Review] = {}
        self.created: list[Review] = []
        self.updated: dict[int, Review] = {}
        self.before: list[Counted] = []

    def save(self) -> BatchResult:
        # Lock the books first (in id order, so concurrent imports cannot deadlock).
        list(Book.objects.select_for_update().filter(pk__in=self.book_ids).values_list("pk"))
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
        if self.track_states:
            after = [counted(r) for r in [*self.created, *self.updated.values()] if not r.hidden]
            apply_rating_delta(self.before, after)
        return self.result

    def local_votes(self) -> dict[int, int]:
        """Votes cast on Candor itself, added to a source's count on re-import."""
        if not self.existing or all(record.helpful is None for _, record in self.items):
            return {}
        ids = [review.pk for review in self.existing.values()]
        rows = HelpfulVote.objects.filter(review_id__in=ids).values("review_id")
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
            if not review.hidden and self.track_states:
                self.before.append(counted(review))
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
    """For importers that save reviews: remembers the books whose reviews changed and
    stores their ratings on them after the last batch (one pass, not per batch).
    With states_after_last_batch, their month states are rebuilt then too (the bulk
    path) instead of changing by deltas in every batch."""

    touched: set[int]
    states_after_last_batch = False

    def save_reviews(self, items: list[tuple[int, ReviewRecord]]) -> BatchResult:
        if not hasattr(self, "touched"):
            self.touched = set()
        return save_reviews(items, self.touched, track_states=not self.states_after_last_batch)

    def finish(self, report: object) -> None:
        cache.delete(PRIOR_CACHE_KEY)  # the catalogue's star shares have moved
        touched = getattr(self, "touched", set())
        aside: SetAside | None = getattr(self, "set_aside", None)
        if self.states_after_last_batch and aside is not None:
            # --bulk: the pass is inside the import's transaction, nothing else writes;
            # the server rebuilds the review indexes while the states are computed.
            rebuild_rating_states(touched, alone=True, meanwhile=lambda: aside.rebuild(Review))
        elif self.states_after_last_batch:
            rebuild_rating_states(touched)
        else:
            refresh_book_ratings(touched)


def save_reviews(
    items: list[tuple[int, ReviewRecord]], touched: set[int], track_states: bool = True
) -> BatchResult:
    """Save a batch; adds the ids of the books it changed to touched (for
    refresh_book_ratings or rebuild_rating_states after the last batch). Without
    track_states the batch leaves the month states alone."""
    batch = ReviewBatch(items, track_states)
    result = batch.save()
    touched.update(review.book_id for review in [*batch.created, *batch.updated.values()])
    return result


def counted(review: Review) -> Counted:
    return review.book_id, month_of(review.created_at), review_input(review, review.helpful_count)


def apply_rating_delta(removed: list[Counted], added: list[Counted]) -> None:
    """Change the stored month states by removing and adding reviews (exactly what
    track() does one review at a time). Only the touched (book, month) rows are read."""
    if not removed and not added:
        return
    additions: dict[tuple[int, date], list[ReviewInput]] = defaultdict(list)
    for book_id, month, review in added:
        additions[(book_id, month)].append(review)
    keys = set(additions) | {(book_id, month) for book_id, month, _ in removed}
    rows = touched_months(keys)
    states = {key: state_from_dict(row.state) for key, row in rows.items()}
    for key, reviews in additions.items():
        added_state = RatingState.of(reviews)
        states[key] = states[key].merge(added_state) if key in states else added_state
    for book_id, month, review in removed:
        key = (book_id, month)
        states[key] = states.get(key, RatingState()).remove(review)
    # Replacing the touched rows is one DELETE and one INSERT, however many there are.
    RatingMonth.objects.filter(pk__in=[row.pk for row in rows.values()]).delete()
    insert_rows(
        RatingMonth,
        [
            RatingMonth(book_id=book_id, month=month, state=state_to_dict(state))
            for (book_id, month), state in states.items()
            # A month whose reviews all left holds nothing (rebuild_book_state has no row).
            if state.count
        ],
    )


def touched_months(keys: set[tuple[int, date]]) -> dict[tuple[int, date], RatingMonth]:
    books_by_month: dict[date, set[int]] = defaultdict(set)
    for book_id, month in keys:
        books_by_month[month].add(book_id)
    rows = {}
    for month, book_ids in books_by_month.items():
        for row in RatingMonth.objects.filter(month=month, book_id__in=book_ids):
            rows[(row.book_id, row.month)] = row
    return rows


def refresh_book_ratings(book_ids: set[int], chunk: int = 500) -> None:
    """Store each book's rating on the book for listings (as store_book_rating does);
    chunks of books, each locked in its own transaction.

    A book's state is built from its visible reviews in one go rather than by merging
    its stored months: states are exact sums, so both give the same state, and this
    way costs one review's weights per review instead of one (de)serialised state per
    month, which in sparse catalogues is most of an import's time.
    """
    ordered = sorted(book_ids)
    for start in range(0, len(ordered), chunk):
        part = ordered[start : start + chunk]
        with transaction.atomic():
            lock_books(part)
            inputs: dict[int, list[ReviewInput]] = defaultdict(list)
            for book_id, review in visible_inputs(part):
                inputs[book_id].append(review)
            store_ratings(
                part, {book_id: RatingState.of(found) for book_id, found in inputs.items()}
            )


def rebuild_rating_states(
    book_ids: set[int],
    chunk: int = 2000,
    alone: bool = False,
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """Recompute the month states of the books from their visible reviews (what
    rebuild_book_state does for one book) and store their ratings on them: per chunk
    of books, one transaction with the books locked, one query for their reviews'
    columns, their exact sums as arrays (`grouped_tallies`), one DELETE and one bulk
    INSERT of their months.

    ``alone``: the caller holds the tables (--bulk, one transaction). The books' months
    are then all deleted by one statement first, while the planner's statistics still
    describe the table (once the pass has filled it, a DELETE per chunk was planned as
    if each book had thousands of months); every chunk's reviews are read, and the
    states are computed in a thread while the caller's ``meanwhile`` runs on the
    database (the review table's indexes are rebuilt then: the server builds while
    this process computes), then written."""
    ordered = sorted(book_ids)
    parts = [ordered[start : start + chunk] for start in range(0, len(ordered), chunk)]
    config = DEFAULT_CONFIG
    if len(parts) > 1:
        refresh_planner_statistics()
    if not alone:
        for part in parts:
            with transaction.atomic():
                bulk_transaction()
                lock_books(part)
                found = visible_columns(part)
                delete_months(part)
                write_states(chunk_states(part, *found, config, catalogue_prior(), timezone.now()))
        if meanwhile is not None:
            meanwhile()
        return
    bulk_transaction()
    delete_months(ordered)
    read = [visible_columns(part) for part in parts]
    prior, now = catalogue_prior(), timezone.now()
    with ThreadPoolExecutor(max_workers=1) as worker:
        computed = [
            worker.submit(chunk_states, part, *found, config, prior, now)
            for part, found in zip(parts, read, strict=True)
        ]
        if meanwhile is not None:
            meanwhile()
        for future in computed:
            write_states(future.result())


@dataclass(frozen=True)
class ChunkStates:
    """What the rating pass writes for a chunk of books: their month states (book id,
    first day of the month, the state's JSON) and listing ratings (book id, rating,
    count; books without a visible review get none)."""

    months: list[tuple[int, date, str]]
    ratings: list[tuple[int, float | None, int]]


def chunk_states(
    book_ids: list[int],
    books: np.ndarray,
    columns: ReviewColumns,
    config: RatingConfig,
    prior: Prior,
    now: datetime,
) -> ChunkStates:
    """The states and ratings of the books from their reviews' columns (no database)."""
    months = month_numbers(columns.micros)
    # One group per (book, month) and per book; np.unique sorts them.
    month_keys, month_groups = np.unique(
        books * MONTH_KEY_SPAN + (months + MONTH_KEY_SPAN // 2), return_inverse=True
    )
    book_keys, book_groups = np.unique(books, return_inverse=True)
    stages = stage_units(columns, config)
    by_month = grouped_tallies(month_groups.reshape(-1), len(month_keys), columns, stages)
    by_book = grouped_tallies(book_groups.reshape(-1), len(book_keys), columns, stages)
    month_rows = [
        (key // MONTH_KEY_SPAN, month_date(key % MONTH_KEY_SPAN - MONTH_KEY_SPAN // 2), text)
        for key, text in zip(month_keys.tolist(), states_json(by_month, config), strict=True)
    ]
    rated = dict(
        zip(
            book_keys.tolist(),
            grouped_candor_ratings(by_book, now, prior, config),
            strict=True,
        )
    )
    return ChunkStates(
        month_rows, [(book_id, *rated.get(book_id, (None, 0))) for book_id in book_ids]
    )


def write_states(states: ChunkStates) -> None:
    insert_values(RatingMonth, ("book_id", "month", "state"), states.months)
    update_ratings(states.ratings)


def refresh_planner_statistics() -> None:
    """ANALYZE the review and month tables before a pass over many books: a large
    import has just filled them (with --bulk, in this very transaction, where
    autovacuum cannot see them), and with the statistics of the empty tables
    PostgreSQL scanned a whole table for each chunk of books."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Review._meta.db_table}, {RatingMonth._meta.db_table}")


def delete_months(book_ids: list[int]) -> None:
    """Delete the books' month states. On PostgreSQL with one array parameter: with an
    IN list of thousands the planner scanned the whole table."""
    if connection.vendor != "postgresql":
        RatingMonth.objects.filter(book_id__in=book_ids).delete()
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {RatingMonth._meta.db_table} WHERE book_id = ANY(%s::bigint[])",
            [book_ids],
        )


# (book id, month number) packed in one int64: month numbers count from 1970-01.
MONTH_KEY_SPAN = 1 << 24


def month_numbers(micros: np.ndarray) -> np.ndarray:
    """The UTC month of each instant (as month_of), counted from January 1970."""
    return micros.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64)


def month_date(number: int) -> date:
    return date(1970 + number // 12, number % 12 + 1, 1)


# What a review's weights depend on (`review_units`), with its book, in this order.
INPUT_COLUMNS = (
    "book_id",
    "rating",
    "created_at",
    "verified_purchase",
    "trust",
    "trust_override",
    "helpful_count",
)


def visible_columns(book_ids: list[int]) -> tuple[np.ndarray, ReviewColumns]:
    """The books' visible reviews as arrays: each one's book id, and what its weights
    depend on (`review_units`), the trust a moderator set replacing the computed one."""
    if connection.vendor == "postgresql":
        return visible_columns_postgres(book_ids)
    rows = list(
        Review.objects.filter(book_id__in=book_ids, hidden=False).values_list(*INPUT_COLUMNS)
    )
    one_micro = timedelta(microseconds=1)
    return np.array([row[0] for row in rows], dtype=np.int64), ReviewColumns(
        rating=np.array([row[1] for row in rows], dtype=np.int64),
        micros=np.array([(row[2] - EPOCH) // one_micro for row in rows], dtype=np.int64),
        verified=np.array([row[3] for row in rows], dtype=bool),
        trust=np.array([row[4] if row[5] is None else row[5] for row in rows], dtype=np.float64),
        helpful=np.array([row[6] for row in rows], dtype=np.int64),
    )


# COPY ... (FORMAT binary) of the query in visible_columns_postgres: no column is NULL,
# so every row has the same size and numpy reads them all at once.
BINARY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("book_len", ">i4"),
        ("book", ">i8"),
        ("rating_len", ">i4"),
        ("rating", ">i2"),
        ("micros_len", ">i4"),
        ("micros", ">i8"),
        ("verified_len", ">i4"),
        ("verified", "u1"),
        ("trust_len", ">i4"),
        ("trust", ">f8"),
        ("helpful_len", ">i4"),
        ("helpful", ">i4"),
    ]
)
BINARY_HEADER = 19  # signature, flags, header extension length (0)
BINARY_TRAILER = 2


def visible_columns_postgres(book_ids: list[int]) -> tuple[np.ndarray, ReviewColumns]:
    table = connection.ops.quote_name(Review._meta.db_table)
    query = (
        "COPY (SELECT book_id::bigint, rating::smallint, "
        "(extract(epoch FROM created_at) * 1000000)::bigint, verified_purchase, "
        "coalesce(trust_override, trust)::double precision, helpful_count::integer "
        f"FROM {table} WHERE book_id = ANY(%s::bigint[]) AND NOT hidden) TO STDOUT (FORMAT binary)"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(query, [book_ids]) as copy:
        data = b"".join(bytes(block) for block in copy)
    body = data[BINARY_HEADER : len(data) - BINARY_TRAILER]
    rows = np.frombuffer(body, dtype=BINARY_ROW)
    if len(rows) and not (rows["fields"] == 6).all():
        raise RuntimeError("unexpected COPY row layout reading reviews")
    return rows["book"].astype(np.int64), ReviewColumns(
        rating=rows["rating"].astype(np.int64),
        micros=rows["micros"].astype(np.int64),
        verified=rows["verified"].astype(bool),
        trust=rows["trust"].astype(np.float64),
        helpful=rows["helpful"].astype(np.int64),
    )


def lock_books(book_ids: list[int]) -> None:
    # In id order, so concurrent imports and services cannot deadlock.
    list(Book.objects.select_for_update().filter(pk__in=book_ids).order_by("pk").values_list("pk"))


def visible_inputs(book_ids: list[int]) -> Iterator[tuple[int, ReviewInput]]:
    """(book id, how the review counts) for the books' visible reviews, read as columns."""
    visible = Review.objects.filter(book_id__in=book_ids, hidden=False).values_list(*INPUT_COLUMNS)
    for book_id, rating, created, verified, trust, override, helpful in visible:
        yield (
            book_id,
            ReviewInput(
                rating=rating,
                created_at=created,
                verified=verified,
                trust=trust if override is None else override,
                helpful_votes=helpful,
            ),
        )


def store_ratings(book_ids: list[int], states: dict[int, RatingState]) -> None:
    """Store each book's rating from its state (a book absent from states has none)."""
    ratings = candor_ratings(
        [states.get(book_id, RatingState()) for book_id in book_ids],
        timezone.now(),
        catalogue_prior(),
    )
    update_ratings(
        [
            (book_id, rating, count)
            for book_id, (rating, count) in zip(book_ids, ratings, strict=True)
        ]
    )


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
