"""The rating store: the one place where the web app turns reviews into stored ratings.

Every change to a review that can change a rating (posting, editing, deleting, hiding,
trust, orders, imports, restores, staff actions, deleted accounts, edition links) runs
inside `changing(books)` or calls `recompute_books` for the books it touched: their
visible reviews are read again and rated by `candor.ratings` from scratch, and the
numbers a page shows are stored on the book: each view's scores (what
`candor.ratings.results` writes the result and its explanation from, and each review's
weighting), the prior they were computed with, and the rating over time. Pages, lists,
the API and exports read that, so they all show the same number.

The rated item is the work (`catalog.Work`): a book's `rating_data` holds its work's
rating, from the visible reviews of all its editions (each reader counted once, by
their latest review of the work: `work_columns`), the same on every edition; its
`edition_rating_data` holds the rating of its own reviews alone (the page's "This
edition"). For a work of one edition the two are the same numbers, computed once.

The catalogue prior is stored too (`CataloguePrior`, with the time it was computed)
and changes only when `recompute_prior` runs: `candor trust`, `candor rebuild_ratings`
(`rebuild`), a restore and the demo. A change to one book never moves another book's
rating until then, and then by at most a hundredth of a star (METHOD.md).
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from candor.catalog.models import Book, Work
from candor.ratings import (
    DEFAULT_CONFIG,
    BookWeighting,
    Prior,
    RatingResult,
    Reviews,
    Scores,
    rate_books,
    ratings_at,
    results,
)
from candor.ratings.review import seconds_since_epoch
from candor.reviews.models import CataloguePrior, Review

CHUNK = 2000  # books read, rated and written together
HISTORY_POINTS = 60  # at most this many points on the chart of the rating over time
MONTH_SPAN = 1 << 24
# 3: no helpful-votes stage (helpful votes weigh nothing), so 5 stage ratings, not 6.
DATA_VERSION = 3
WEIGHED_VIEWS = ("candor", "verified")  # the views with weights ("as posted" has none)


# --- the prior -------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredPrior:
    prior: Prior
    computed_at: datetime | None  # None: the typical book's, no catalogue prior computed yet


def current_prior() -> StoredPrior:
    """The stored catalogue prior (the typical book's until one has been computed)."""
    stored = CataloguePrior.objects.order_by("-computed_at", "-pk").first()
    if stored is None:
        return StoredPrior(Prior.typical(DEFAULT_CONFIG), None)
    return StoredPrior(Prior(tuple(stored.alpha), "catalogue"), stored.computed_at)


def recompute_prior(now: datetime | None = None) -> StoredPrior:
    """Compute the catalogue prior from every work's visible reviews and store it."""
    now = now or timezone.now()
    ids = list(Work.objects.order_by("pk").values_list("pk", flat=True))
    mixes = [book_mixes(part, *work_columns(editions_of(part)), now) for part in chunks(ids)]
    prior, books = catalogue_prior(mixes)
    CataloguePrior.objects.create(alpha=list(prior.alpha), books=books, computed_at=now)
    return StoredPrior(prior, now)


def book_mixes(
    book_ids: Sequence[int], owners: np.ndarray, reviews: Reviews, now: datetime
) -> tuple[np.ndarray, np.ndarray]:
    """The star mix and evidence of each book (what the catalogue prior averages)."""
    rated = rate_books(
        reviews,
        index_of(book_ids, owners),
        len(book_ids),
        now=seconds_since_epoch(now),
        prior=Prior.typical(DEFAULT_CONFIG),
    )
    return rated.scores.mix, rated.scores.evidence


def catalogue_prior(mixes: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[Prior, int]:
    """The prior from every chunk's `book_mixes`, and how many books have evidence."""
    if not mixes:
        return Prior.from_books(np.zeros((0, 5)), np.zeros(0), DEFAULT_CONFIG), 0
    evidence = np.concatenate([found for _, found in mixes])
    prior = Prior.from_books(np.vstack([mix for mix, _ in mixes]), evidence, DEFAULT_CONFIG)
    return prior, int((evidence > 0).sum())


def chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def index_of(book_ids: Sequence[int], owners: np.ndarray) -> np.ndarray:
    """Each review's position (0..n-1) in ``book_ids``, from its book id."""
    ordered = np.asarray(book_ids, dtype=np.int64)
    sorter = np.argsort(ordered)
    result: np.ndarray = sorter[np.searchsorted(ordered, owners, sorter=sorter)]
    return result


def rebuild(now: datetime | None = None) -> int:
    """Recompute the prior, then every book's and work's rating; the number of books
    rated."""
    now = now or timezone.now()
    prior = recompute_prior(now)
    ids = list(Book.objects.order_by("pk").values_list("pk", flat=True))
    recompute_books(ids, prior=prior, now=now)
    return len(ids)


# --- the books -------------------------------------------------------------------------


@contextmanager
def changing(books: Iterable[Book | int]) -> Iterator[None]:
    """Make the block's changes to these books' reviews in one transaction, with every
    edition of their works locked (in id order, so concurrent changes cannot deadlock),
    and store the books' new edition ratings and their works' new ratings before it
    commits. The block may move these books between works (`candor.catalog.editions`):
    the works rated are the ones they are in afterwards, and the ones they left."""
    ids = sorted({book if isinstance(book, int) else book.pk for book in books})
    with transaction.atomic():
        works = lock_editions(ids)
        yield
        rerate(ids, works, current_prior(), timezone.now())


def recompute_books(
    book_ids: Iterable[int], *, prior: StoredPrior | None = None, now: datetime | None = None
) -> None:
    """Store the ratings of these books and of their works, a chunk of books per
    transaction."""
    ordered = sorted(set(book_ids))
    prior = prior or current_prior()
    now = now or timezone.now()
    if len(ordered) > CHUNK:
        refresh_planner_statistics()
    for part in chunks(ordered):
        with transaction.atomic():
            rerate(part, lock_editions(part), prior, now)


def lock_editions(book_ids: Sequence[int]) -> set[int]:
    """Lock every edition of these books' works, in id order; the works. A book a
    concurrent link moved meanwhile brings its new work's editions too."""
    works: set[int] = set()
    while True:
        now_in = set(Book.objects.filter(pk__in=book_ids).values_list("work_id", flat=True))
        if now_in <= works:
            return works
        works |= now_in
        editions = Book.objects.select_for_update().filter(work_id__in=works).order_by("pk")
        list(editions.values_list("pk"))


def rerate(
    book_ids: Sequence[int], works: Iterable[int], stored: StoredPrior, now: datetime
) -> None:
    """Store the edition ratings of these books and the ratings of these works and of
    the works the books are in now (their editions locked by the caller)."""
    editions = compute(book_ids, stored, now)
    write(book_ids, editions, EDITION_COLUMNS)
    members = editions_of(
        set(works) | set(Book.objects.filter(pk__in=book_ids).values_list("work_id", flat=True))
    )
    by_book = dict(zip(book_ids, editions, strict=True))
    # A work of one edition is rated as that edition: its numbers are already computed.
    alone = {
        work: by_book[found[0]]
        for work, found in members.items()
        if len(found) == 1 and found[0] in by_book
    }
    others = sorted(set(members) - set(alone))
    rated = compute_works(others, members, stored, now)
    write([*alone, *others], [*alone.values(), *rated], WORK_COLUMNS, key="work_id")


def lock_books(book_ids: Sequence[int]) -> None:
    list(Book.objects.select_for_update().filter(pk__in=book_ids).order_by("pk").values_list("pk"))


def editions_of(work_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each of these works' editions (book ids, in order); works with none left out."""
    found: dict[int, list[int]] = {}
    rows = Book.objects.filter(work_id__in=list(work_ids)).order_by("work_id", "pk")
    for book_id, work_id in rows.values_list("pk", "work_id"):
        found.setdefault(work_id, []).append(book_id)
    return found


def compute(book_ids: Sequence[int], stored: StoredPrior, now: datetime) -> list[dict[str, Any]]:
    """What the store keeps for each book (in the order given), from its visible reviews."""
    return book_data(book_ids, *visible_columns(list(book_ids)), stored, now)


def compute_works(
    work_ids: Sequence[int], members: dict[int, list[int]], stored: StoredPrior, now: datetime
) -> list[dict[str, Any]]:
    """What the store keeps for each work (in the order given), from its editions'
    visible reviews (`work_columns`)."""
    return book_data(
        work_ids, *work_columns({w: members.get(w, []) for w in work_ids}), stored, now
    )


def refresh_planner_statistics() -> None:
    """ANALYZE the review table before reading many books' reviews: after a large import
    (with --bulk, in this very transaction, where autovacuum cannot see it) PostgreSQL
    otherwise plans each chunk's read with the empty table's statistics, a full scan."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(Review._meta.db_table)}")


def book_data(
    book_ids: Sequence[int],
    owners: np.ndarray,
    reviews: Reviews,
    stored: StoredPrior,
    now: datetime,
) -> list[dict[str, Any]]:
    """What the store keeps for each book, from its reviews (``owners``: each one's book
    id): no database, so a migration can call it with its historical models' rows."""
    prior = stored.prior
    computed_at = None if stored.computed_at is None else stored.computed_at.isoformat()
    count = len(book_ids)
    if count == 0:
        return []
    books = index_of(book_ids, owners)
    now_seconds = seconds_since_epoch(now)
    kept: dict[str, Scores] = {}
    for view in WEIGHED_VIEWS:
        rated = rate_books(reviews, books, count, now=now_seconds, prior=prior, view=view)
        kept[view] = rated.scores
    charts = histories(reviews.no_later_than(now_seconds), books, count, now, prior)
    rows = {view: kept[view].kept_rows() for view in WEIGHED_VIEWS}
    stamp = now.isoformat()
    return [
        {
            "version": DATA_VERSION,
            "computed_at": stamp,
            "prior": {"alpha": list(prior.alpha), "name": prior.name, "computed_at": computed_at},
            "scores": {view: rows[view][i] for view in WEIGHED_VIEWS},
            "history": charts[i],
        }
        for i in range(count)
    ]


# The columns a rating is written to: the work's (on every edition), the edition's own.
WORK_COLUMNS = ("rating", "rating_count", "rating_data")
EDITION_COLUMNS = ("edition_rating", "edition_rating_count", "edition_rating_data")


def write(
    ids: Sequence[int],
    data: Sequence[dict[str, Any]],
    columns: Sequence[str] = WORK_COLUMNS,
    key: str = "id",
) -> None:
    """Store the computed data in ``columns`` (rating, count, data) of the books whose
    ``key`` (a book's id, or "work_id": every edition of a work) is in ``ids``."""
    rows = [
        (pk, item["scores"]["candor"]["rating"], item["scores"]["candor"]["count"], item)
        for pk, item in zip(ids, data, strict=True)
    ]
    update_books(rows, columns, key)


def update_books(
    rows: Sequence[tuple[int, float | None, int, dict[str, Any]]],
    columns: Sequence[str] = WORK_COLUMNS,
    key: str = "id",
) -> None:
    """Set the rating, count and data ``columns`` on many books in one statement."""
    if not rows:
        return
    field = Book._meta.get_field("rating_data")
    table = connection.ops.quote_name(Book._meta.db_table)
    rating, count, data = (connection.ops.quote_name(column) for column in columns)
    where = connection.ops.quote_name(key)
    texts = [field.get_db_prep_value(item, connection) for _, _, _, item in rows]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {rating} = %s, {count} = %s, {data} = %s WHERE {where} = %s",
                [
                    (value, counted, text, pk)
                    for (pk, value, counted, _), text in zip(rows, texts, strict=True)
                ],
            )
        return
    # COPY into a scratch table, then one UPDATE from it: psycopg quotes array
    # parameters in Python, which for a chunk's JSON texts cost more than all the rest.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS candor_book_ratings (id bigint, rating double "
            "precision, rating_count integer, rating_data text) ON COMMIT DROP"
        )
        copy_sql = "COPY candor_book_ratings FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for (pk, value, counted, _), text in zip(rows, texts, strict=True):
                copy.write_row((pk, value, counted, text))
        cursor.execute(
            f"UPDATE {table} AS b SET {rating} = v.rating, {count} = v.rating_count, "
            f"{data} = v.rating_data FROM candor_book_ratings AS v WHERE b.{where} = v.id"
        )
        cursor.execute("TRUNCATE candor_book_ratings")


# --- what pages read -------------------------------------------------------------------


@dataclass(frozen=True)
class ShownRating:
    """What a book page shows: the result in one view, and in Candor's view the rating
    over time (None in the others)."""

    result: RatingResult
    history: list[tuple[date, float]] | None


def shown(book: Book, view: str = "candor", edition: bool = False) -> ShownRating:
    """The stored rating of the book's work in ``view`` (of this edition's reviews alone
    with ``edition``): its stored numbers, written out in words by
    `candor.ratings.results`; the same numbers everywhere."""
    data = stored_data(book, edition)
    stored = data["prior"]
    prior = Prior(tuple(stored["alpha"]), stored["name"])
    scores = Scores.from_kept([data["scores"]["verified" if view == "verified" else "candor"]])
    [result] = results(scores, prior, DEFAULT_CONFIG, view)
    history = None
    if view == "candor":
        history = [(date.fromisoformat(day), rating) for day, rating in data["history"]]
    return ShownRating(result, history)


def weighting(book: Book, view: str = "candor", edition: bool = False) -> BookWeighting:
    """The stored weighting of the book's work (of the edition alone with ``edition``):
    what `candor.ratings.review_weight` needs."""
    kept = stored_data(book, edition)["scores"][view]
    return BookWeighting(kept["reference"] or 0.0, kept["gate"], kept["scale"])


def stored_data(book: Book, edition: bool = False) -> dict[str, Any]:
    """The stored data of the book's work (of the edition alone with ``edition``); for a
    book stored by an older Candor (until `candor rebuild_ratings` runs after an
    upgrade), computed now from the reviews instead."""
    data = (book.edition_rating_data if edition else book.rating_data) or {}
    if data.get("version") == DATA_VERSION:
        return data
    count = book.edition_rating_count if edition else book.rating_count
    if not data and count == 0:  # a new book: nothing to read
        nothing = Reviews.from_columns([], [], [], [])
        typical = StoredPrior(Prior.typical(DEFAULT_CONFIG), None)
        return book_data([book.pk], np.zeros(0, np.int64), nothing, typical, timezone.now())[0]
    if edition:
        return compute([book.pk], current_prior(), timezone.now())[0]
    members = editions_of([book.work_id])
    return compute_works([book.work_id], members, current_prior(), timezone.now())[0]


# --- reading reviews -------------------------------------------------------------------


def histories(
    reviews: Reviews, books: np.ndarray, count: int, now: datetime, prior: Prior
) -> list[list[list[Any]]]:
    """Per book, [ISO date, rating] at the end of each month with reviews (the month in
    progress ends today), at most HISTORY_POINTS of them, evenly spread."""
    if count == 0:
        return []
    months = reviews.seconds.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    # One key per (book, month): months since 1970 fit in 24 bits either way of it.
    keys = np.unique(books.astype(np.int64) * MONTH_SPAN + (months + MONTH_SPAN // 2))
    key_books = keys // MONTH_SPAN
    key_months = keys % MONTH_SPAN - MONTH_SPAN // 2
    per_book = np.bincount(key_books, minlength=count)
    chosen_books, chosen_months = [], []
    start = 0
    for book in range(count):
        months = key_months[start : start + per_book[book]]
        start += per_book[book]
        if len(months) == 0:
            continue
        if len(months) > HISTORY_POINTS:
            spread = np.linspace(0, len(months) - 1, HISTORY_POINTS).round().astype(int)
            months = months[np.unique(spread)]
        chosen_books.append(np.full(len(months), book))
        chosen_months.append(months)
    if not chosen_books:
        return [[] for _ in range(count)]
    moment_books = np.concatenate(chosen_books)
    months = np.concatenate(chosen_months)
    ends = (months + 1).astype("datetime64[M]").astype("datetime64[s]").astype(np.int64) - 1
    now_seconds = seconds_since_epoch(now)
    moments = np.minimum(ends.astype(np.float64), now_seconds)
    ratings = ratings_at(reviews, books, moments, moment_books, prior=prior)
    days = np.datetime_as_string(moments.astype("datetime64[s]"), unit="D").tolist()
    charts: list[list[list[Any]]] = [[] for _ in range(count)]
    for book, day, rating in zip(moment_books.tolist(), days, ratings.tolist(), strict=True):
        if rating == rating:  # NaN: nothing counted yet
            charts[book].append([day, rating])
    return charts


def visible_columns(book_ids: list[int]) -> tuple[np.ndarray, Reviews]:
    """The books' visible reviews as columns, with each one's book id; the trust that
    counts is a moderator's decision where there is one."""
    if not book_ids:
        return np.zeros(0, np.int64), Reviews.from_columns([], [], [], [])
    if connection.vendor == "postgresql":
        return visible_columns_postgres(book_ids)
    # The queryset's SQL on a plain cursor, dates as the text SQLite stores (naive UTC)
    # parsed by numpy at once: Django's per-value converters and a datetime object per
    # review cost more than SQLite's reading of a big book's rows.
    query = (
        Review.objects.visible()
        .filter(book_id__in=book_ids)
        .order_by()
        .annotate(stored_at=Cast("created_at", TextField()))
        .values_list(*(name if name != "created_at" else "stored_at" for name in REVIEW_COLUMNS))
        .query
    )
    with connection.cursor() as cursor:
        cursor.execute(*query.sql_with_params())
        rows = cursor.fetchall()
    if not rows:
        return from_rows(rows)
    book, rating, stored_at, verified, trust, override = zip(*rows, strict=True)
    micros = np.array(stored_at, dtype="datetime64[us]").astype(np.int64)
    overrides = np.array(override, dtype=np.float64)  # None (no decision) reads as NaN
    return np.array(book, dtype=np.int64), Reviews.from_columns(
        rating,
        micros / 1e6,
        verified,
        np.where(np.isnan(overrides), np.asarray(trust, dtype=np.float64), overrides),
    )


def work_columns(members: dict[int, list[int]]) -> tuple[np.ndarray, Reviews]:
    """The works' visible reviews as columns, with each one's work id (``members``: each
    work's editions). A reader who reviewed several editions of a work counts once in
    it, by their latest review: linking editions cannot multiply anyone's voice."""
    alone = {found[0]: work for work, found in members.items() if len(found) == 1}
    books, reviews = visible_columns(sorted(alone))
    owners = np.array([alone[book] for book in books.tolist()], dtype=np.int64)
    several = {book: work for work, found in members.items() if len(found) > 1 for book in found}
    if not several:
        return owners, reviews
    rows = (
        Review.objects.visible()
        .filter(book_id__in=sorted(several))
        .order_by("user_id", "-created_at", "-pk")
        .values_list("user_id", *REVIEW_COLUMNS)
    )
    seen: set[tuple[int, int]] = set()
    latest = []
    for user_id, *row in rows:
        reader = (several[row[0]], user_id)
        if reader not in seen:
            seen.add(reader)
            latest.append((several[row[0]], *row[1:]))
    more_owners, more = from_rows(latest)
    return np.concatenate([owners, more_owners]), Reviews.from_columns(
        np.concatenate([reviews.stars, more.stars]),
        np.concatenate([reviews.seconds, more.seconds]),
        np.concatenate([reviews.verified, more.verified]),
        np.concatenate([reviews.trust, more.trust]),
    )


# What a review's weight depends on, with its book, as `from_rows` reads them (not its
# helpful votes: they sort reviews, they do not weigh them).
REVIEW_COLUMNS = (
    "book_id",
    "rating",
    "created_at",
    "verified_purchase",
    "trust",
    "trust_override",
)


def from_rows(rows: Sequence[tuple[Any, ...]]) -> tuple[np.ndarray, Reviews]:
    """Rows of REVIEW_COLUMNS as (each one's book id, the reviews as columns)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    second = timedelta(seconds=1)
    return np.array([row[0] for row in rows], dtype=np.int64), Reviews.from_columns(
        [row[1] for row in rows],
        [(row[2] - epoch) / second for row in rows],
        [row[3] for row in rows],
        [row[4] if row[5] is None else row[5] for row in rows],
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
    ]
)
BINARY_HEADER = 19  # signature, flags, header extension length (0)
BINARY_TRAILER = 2


def visible_columns_postgres(book_ids: list[int]) -> tuple[np.ndarray, Reviews]:
    """`visible_columns` read by COPY: "NOT hidden AND withdrawn_at IS NULL" is
    `Review.objects.visible()` (`models.VISIBLE`) in SQL (the tests compare every stored
    rating with one computed through the queryset)."""
    table = connection.ops.quote_name(Review._meta.db_table)
    query = (
        "COPY (SELECT book_id::bigint, rating::smallint, "
        "(extract(epoch FROM created_at) * 1000000)::bigint, verified_purchase, "
        "coalesce(trust_override, trust)::double precision "
        f"FROM {table} WHERE book_id = ANY(%s::bigint[]) AND NOT hidden "
        "AND withdrawn_at IS NULL) TO STDOUT (FORMAT binary)"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(query, [book_ids]) as copy:
        data = b"".join(bytes(block) for block in copy)
    body = data[BINARY_HEADER : len(data) - BINARY_TRAILER]
    rows = np.frombuffer(body, dtype=BINARY_ROW)
    if len(rows) and not (rows["fields"] == 5).all():
        raise RuntimeError("unexpected COPY row layout reading reviews")
    return rows["book"].astype(np.int64), Reviews.from_columns(
        rows["rating"],
        rows["micros"].astype(np.float64) / 1e6,
        rows["verified"].astype(bool),
        rows["trust"],
    )
