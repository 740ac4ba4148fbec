"""Saving a batch of source reviews (Amazon's) as plain rows: the bulk path's writer.

`ReviewBatch` (reviews.py) works with model objects, which costs more than the rest
of a large import. Here a batch is tuples throughout: one query finds the reviews
that already exist for the batch's (book, reader) pairs, the rows are compared with
them in Python, new reviews go in with one COPY (every column the model requires,
its defaults included) and changed ones with one UPDATE per review. The outcomes are
those of `ReviewBatch.apply`: a row equal to its stored review is unchanged, a
different one updates it (keeping moderation and trust), a second review of a book
by the same reader under another source identity is refused, and rows repeating a
pair within the batch apply one after another. Helpful votes cast on Candor are
added to the source's count, as `ReviewBatch` does.

Runs inside the caller's transaction (one per batch). Ratings are the caller's:
`SavesReviews.changed` stores those of the books it reports as touched.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, Field
from django.utils import timezone

from candor.importers.base import BatchResult, Outcome
from candor.importers.bulk import (
    bulk_transaction,
    copy_escaped,
    copy_in,
    copy_tail,
    default_row,
    insert_values,
)
from candor.importers.readers import RowError
from candor.reviews.models import HelpfulVote, Review


class SourceReview(NamedTuple):
    """One parsed row: its line in the file and the review's imported values."""

    line: int
    book_id: int
    user_id: int
    rating: int
    title: str
    text: str
    created_at: datetime
    verified: bool
    helpful: int
    external_id: str


# What a stored review holds of the imported values, in the order compared and written.
COMPARED = ("rating", "title", "text", "created_at", "verified_purchase", "helpful_count")


class Stored:
    """A review as the batch sees it: stored (pk set) or about to be created (pk None)."""

    __slots__ = ("book_id", "external_id", "pk", "values")

    def __init__(self, pk: int | None, book_id: int, external_id: str | None, values: tuple):
        self.pk = pk
        self.book_id = book_id
        self.external_id = external_id
        self.values = values


class NewReviewers:
    """The accounts an import created (``ids``) and the books each has a review of
    since (``pairs``): when nothing else writes reviews during the import (--bulk),
    such a reviewer has no other stored review, so most of a first load's
    (book, reviewer) pairs need no lookup."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.pairs: set[int | tuple[int, int]] = set()

    def may_be_stored(self, key: tuple[int, int]) -> bool:
        return key[1] not in self.ids or pair_key(key) in self.pairs

    def saved(self, keys: Iterable[tuple[int, int]]) -> None:
        self.pairs.update(pair_key(key) for key in keys if key[1] in self.ids)


def pair_key(key: tuple[int, int]) -> int | tuple[int, int]:
    """(book id, user id) as one int where ids allow (a quarter of a tuple's memory)."""
    book_id, user_id = key
    return book_id << 40 | user_id if 0 <= user_id < 1 << 40 else key


def save_source_reviews(
    rows: Sequence[SourceReview], touched: set[int], new_reviewers: NewReviewers | None = None
) -> BatchResult:
    """Save a batch; adds the ids of the books whose reviews changed to touched."""
    result = BatchResult()
    if not rows:
        return result
    bulk_transaction()
    keys = {(row.book_id, row.user_id) for row in rows}
    if new_reviewers is not None:
        keys = {key for key in keys if new_reviewers.may_be_stored(key)}
    existing = stored_reviews(keys)
    votes = local_votes([review.pk for review in existing.values() if review.pk is not None])
    created: dict[tuple[int, int], Stored] = {}
    updated: dict[int, Stored] = {}
    for row in rows:
        key = (row.book_id, row.user_id)
        review = existing.get(key)
        if review is not None and review.external_id and review.external_id != row.external_id:
            result.refused.append((row.line, duplicate_error(review.external_id)))
            continue
        pk = review.pk if review is not None else None
        values = (
            row.rating,
            row.title,
            row.text,
            row.created_at,
            row.verified,
            row.helpful + votes.get(pk, 0) if pk is not None else row.helpful,
        )
        if review is None:
            existing[key] = created[key] = Stored(None, row.book_id, row.external_id, values)
            result.outcomes.append(Outcome.CREATED)
        elif review.values == values:
            result.outcomes.append(Outcome.UNCHANGED)
        else:
            review.values = values
            if review.pk is not None:
                updated[review.pk] = review
            result.outcomes.append(Outcome.UPDATED)
    insert_reviews(created)
    update_reviews(updated)
    if new_reviewers is not None:
        new_reviewers.saved(created)
    touched.update(review.book_id for review in created.values())
    touched.update(review.book_id for review in updated.values())
    return result


def duplicate_error(external_id: str) -> RowError:
    return RowError(
        "review",
        f"this reviewer already has a review of this book ({external_id}); "
        "Candor keeps one review per reader and book",
    )


def stored_reviews(keys: set[tuple[int, int]]) -> dict[tuple[int, int], Stored]:
    """The stored reviews of these (book id, user id) pairs, hidden ones included."""
    if not keys:
        return {}
    columns = ("book_id", "user_id", "id", "external_id", *COMPARED)
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Review._meta.db_table)
        books, users = zip(*keys, strict=True)
        selected = ", ".join(f"r.{connection.ops.quote_name(name)}" for name in columns)
        with connection.cursor() as cursor:
            # One array per column: the query text stays small however many pairs.
            cursor.execute(
                f"SELECT {selected} FROM {table} AS r "
                "JOIN unnest(%s::bigint[], %s::bigint[]) AS k(book_id, user_id) "
                "ON r.book_id = k.book_id AND r.user_id = k.user_id",
                [list(books), list(users)],
            )
            found = cursor.fetchall()
    else:
        found = []
        pairs = list(keys)
        table = connection.ops.quote_name(Review._meta.db_table)
        selected = ", ".join(connection.ops.quote_name(name) for name in columns)
        with connection.cursor() as cursor:
            # Row values, a chunk at a time (SQLite caps a statement's parameters).
            for start in range(0, len(pairs), PAIRS_PER_QUERY):
                chunk = pairs[start : start + PAIRS_PER_QUERY]
                cursor.execute(
                    f"SELECT {selected} FROM {table} WHERE (book_id, user_id) IN "
                    f"(VALUES {', '.join(['(%s, %s)'] * len(chunk))})",
                    [value for pair in chunk for value in pair],
                )
                # As the ORM would read them: SQLite keeps dates as text, flags as 0/1.
                found.extend(
                    (*row[:7], stored_datetime(row[7]), bool(row[8]), row[9])
                    for row in cursor.fetchall()
                )
    return {(row[0], row[1]): Stored(row[2], row[0], row[3], tuple(row[4:])) for row in found}


def stored_datetime(value: str | datetime) -> datetime:
    """A datetime column read without the ORM (SQLite: naive UTC text)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# (book, user) pairs looked up per query where arrays are not available (SQLite).
PAIRS_PER_QUERY = 2000


def local_votes(review_ids: list[int]) -> dict[int, int]:
    """Votes cast on Candor itself, added to a source's count on re-import."""
    if not review_ids:
        return {}
    # Only the votes that count (HelpfulVote.counted, services.recount_helpful).
    rows = HelpfulVote.objects.filter(review_id__in=review_ids, counted=True).values("review_id")
    return {row["review_id"]: row["n"] for row in rows.annotate(n=Count("id"))}


def insert_reviews(created: dict[tuple[int, int], Stored]) -> None:
    if not created:
        return
    given = (*COMPARED, "book_id", "user_id", "external_id")
    names, template = default_row(Review, given)
    # The given columns first, in that order, then the defaults: each row is one tuple.
    rest = [position for position, name in enumerate(names) if name not in given]
    defaults = tuple(template[position] for position in rest)
    columns = (*given, *(names[position] for position in rest))
    # In book order: most of the review indexes lead with the book, so their new
    # entries land next to each other.
    ordered = sorted(created.items(), key=lambda item: item[0])
    if connection.vendor == "postgresql":
        copy_in(Review, columns, review_copy_text(ordered, rest_fields(rest, names), defaults))
        return
    rows = [
        (*review.values, book_id, user_id, review.external_id, *defaults)
        for (book_id, user_id), review in ordered
    ]
    insert_values(Review, columns, rows)


def rest_fields(rest: list[int], names: tuple[str, ...]) -> list[Field]:
    by_name = {field.attname: field for field in Review._meta.concrete_fields}
    return [by_name[names[position]] for position in rest]


def review_copy_text(
    ordered: list[tuple[tuple[int, int], Stored]], fields: list[Field], defaults: tuple
) -> str:
    """New reviews as COPY text, a row per review in one format (the COMPARED values,
    book, reader, external id, then the defaults): a fifth of the time of formatting
    value by value, and a million reviews make it count."""
    tail = copy_tail(fields, defaults)
    escaped = copy_escaped
    return "".join(
        f"{rating}\t{escaped(title)}\t{escaped(text)}\t{created.isoformat()}\t"
        f"{'t' if verified else 'f'}\t{helpful}\t{book_id}\t{user_id}\t"
        f"{escaped(review.external_id)}{tail}"
        for (book_id, user_id), review in ordered
        for rating, title, text, created, verified, helpful in (review.values,)
    )


def update_reviews(updated: dict[int, Stored]) -> None:
    if not updated:
        return
    now = timezone.now()
    table = connection.ops.quote_name(Review._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in COMPARED)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments}, updated_at = %s WHERE id = %s",
            [
                (*review.values[:3], adapt(review.values[3]), *review.values[4:], adapt(now), pk)
                for pk, review in updated.items()
            ],
        )
