"""Amazon Reviews 2023 (McAuley lab): a reviews file or an item metadata file, JSONL (.gz).

Which one a file is, is told by its first readable object: reviews carry user_id and
rating, metadata does not. Items become books (ISBN from the details, or the ASIN
when it is an ISBN-10); reviews find their book by parent_asin, so import the
metadata first. A review is identified by user_id:parent_asin:timestamp; its
reviewer becomes an account nobody can sign in to, named amazon-USER_ID.
"""

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from django.db import connection

from candor.catalog.isbn import normalize_isbn
from candor.catalog.models import Book
from candor.catalog.subjects import clean_names
from candor.importers import fields
from candor.importers.base import BatchResult, Importer, ImportReport
from candor.importers.books import BookRecord, save_books
from candor.importers.bulk_reviews import NewReviewers, SourceReview, save_source_reviews
from candor.importers.readers import RowError, jsonl_rows, open_source
from candor.importers.reviews import ExternalUsers, SavesReviews
from candor.reviews.limits import TEXT_MAX, TITLE_MAX
from candor.reviews.models import Review

USER_PREFIX = "amazon"
# Timestamps are milliseconds since 1970, from 1995 (Amazon's first reviews) to a day
# from now (`fields.review_date`).
EARLIEST_MS = 788_918_400_000


class AmazonReviewsImporter(SavesReviews, Importer):
    kind = "amazon-reviews"
    file_format = "jsonl"
    batch_size = 10_000
    read_ahead = True  # parse_row is pure: the next rows are parsed while a batch saves
    pause_gc = True
    bulk_tables = {Review: ("review_one_per_user_per_book",)}
    columns = {
        "rating": "rating",
        "title": "title",
        "text": "text",
        "parent_asin": "parent_asin",
        "user_id": "user_id",
        "timestamp": "timestamp",
        "helpful_vote": "helpful_vote",
        "verified_purchase": "verified_purchase",
    }
    required = frozenset({"rating", "parent_asin", "user_id", "timestamp"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.books: dict[str, int] = {}
        self.users = ExternalUsers(USER_PREFIX, alone=self.bulk)
        self.touched: set[int] = set()  # with --bulk: books whose reviews changed
        self.counts_verified = bool(options.get("count_verified"))
        self.latest_ms = int(fields.latest_date().timestamp() * 1000)
        # With --bulk nothing else writes reviews meanwhile, so the reviewers this
        # import creates have no reviews but the ones it saves: those need no lookup.
        self.new_reviewers = NewReviewers() if self.bulk else None

    def mapped_json(
        self, rows: Iterator[tuple[int, dict[str, Any] | RowError]]
    ) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
        """Importer.mapped_json without copying each row: the file's keys are ours."""
        required = [key for key in self.columns if key in self.required]  # in column order
        for line, row in rows:
            if not isinstance(row, RowError):
                for key in required:
                    if row.get(key) in (None, ""):
                        row = RowError(key, "missing")
                        break
            yield line, row

    def parse_row(self, row: dict[str, Any]) -> "ParsedReview":
        # Each field's common case (a clean value of the expected type) is checked inline,
        # a million times cheaper than a call; anything else goes through `fields`, which
        # accepts the same values and names the field and the reason for the rest.
        # The fields are read in the order `fields` reports their errors.
        value = row["timestamp"]
        if type(value) is int and EARLIEST_MS <= value <= self.latest_ms:
            timestamp = value
        else:
            timestamp = fields.milliseconds("timestamp", value, EARLIEST_MS, self.latest_ms, "1995")
        user_id = clean_text(row["user_id"], 100, required=True)
        if user_id is None:
            user_id = fields.text("user_id", row["user_id"], 100, required=True)
        asin = clean_text(row["parent_asin"], 10, required=True)
        if asin is None:
            asin = fields.text("parent_asin", row["parent_asin"], 10, required=True)
        value = row["rating"]
        if type(value) in (int, float) and value in WHOLE_STARS:
            rating = int(value)
        else:
            rating = fields.stars("rating", value)
        title = clean_text(row.get("title"), TITLE_MAX)
        if title is None:
            title = fields.text("title", row.get("title"), TITLE_MAX)
        text = clean_text(row.get("text"), TEXT_MAX)
        if text is None:
            text = fields.text("text", row.get("text"), TEXT_MAX)
        value = row.get("helpful_vote")
        if type(value) is int and 0 <= value <= MOST_VOTES:
            helpful = value
        else:
            helpful = fields.optional_int("helpful_vote", value, 0, MOST_VOTES) or 0
        value = row.get("verified_purchase")
        flag = value if type(value) is bool else fields.flag("verified_purchase", value)
        # Whoever made the file can set the flag: it counts only when the operator says
        # the file comes from a shop whose orders they trust (--count-verified).
        verified = flag and self.counts_verified
        return ParsedReview(
            user_id,
            asin,
            rating,
            title,
            text,
            datetime.fromtimestamp(timestamp / 1000, tz=UTC),
            verified,
            helpful,
            f"{USER_PREFIX}:{user_id}:{asin}:{timestamp}",
        )

    def save_batch(self, items: list[tuple[int, "ParsedReview"]]) -> BatchResult:
        self.find_books({row.asin for _, row in items})
        users = self.users.ids({row.user_id for _, row in items}, self.new_reviewers)
        books = self.books
        rows, refused = [], []
        for line, row in items:
            book_id = books.get(row.asin)
            if book_id is None:
                reason = f"no book with ASIN {row.asin}: import the item metadata file first"
                refused.append((line, RowError("parent_asin", reason)))
                continue
            # ParsedReview's fields after the two ids are SourceReview's, in its order.
            rows.append(SourceReview(line, book_id, users[row.user_id], *row[2:]))
        changed: set[int] = set()
        result = save_source_reviews(rows, changed, self.new_reviewers)
        self.changed(changed)
        result.refused.extend(refused)
        return result

    def find_books(self, asins: set[str]) -> None:
        """Fill self.books for the batch's ASINs: by stored ASIN, else as an ISBN-10."""
        wanted = [asin for asin in asins if asin not in self.books]
        if not wanted:
            return
        self.books.update(books_by("asin", wanted))
        by_isbn = {
            isbn: asin for asin in wanted if asin not in self.books and (isbn := as_isbn(asin))
        }
        for isbn, pk in books_by("isbn13", list(by_isbn)):
            self.books[by_isbn[isbn]] = pk


def books_by(column: str, values: list[str]) -> list[tuple[str, int]]:
    """(value, book id) of the books whose ``column`` is one of values."""
    if not values:
        return []
    if connection.vendor != "postgresql":
        return list(Book.objects.filter(**{f"{column}__in": values}).values_list(column, "pk"))
    with connection.cursor() as cursor:
        # One array parameter: an IN list of thousands costs more to send than to run.
        # The ASIN's unique index leaves out empty ASINs: saying so lets PostgreSQL use it
        # (without it, every book was compared with every value).
        name = connection.ops.quote_name(column)
        cursor.execute(
            f"SELECT {name}, id FROM {Book._meta.db_table} "
            f"WHERE {name} = ANY(%s::text[]) AND NOT {name} = ''",
            [values],
        )
        return cursor.fetchall()


WHOLE_STARS = frozenset({1, 2, 3, 4, 5})
MOST_VOTES = 10**9  # fields.optional_int's default upper bound


def clean_text(value: Any, limit: int, required: bool = False) -> str | None:
    """What fields.text gives for a string it accepts as it is (stripped, no null
    character, short enough, not empty when required); None for anything else."""
    if type(value) is not str:
        return None
    value = value.strip()
    if len(value) > limit or "\x00" in value or (required and not value):
        return None
    return value


class ParsedReview(NamedTuple):
    """A review row as read, before its book and reviewer are looked up."""

    user_id: str
    asin: str
    rating: int
    title: str
    text: str
    created_at: datetime
    verified: bool
    helpful: int
    external_id: str


class AmazonItemsImporter(Importer):
    kind = "amazon-items"
    file_format = "jsonl"
    columns = {
        "parent_asin": "parent_asin",
        "title": "title",
        "author": "author",
        "description": "description",
        "price": "price",
        "details": "details",
        "store": "store",
        "categories": "categories",
        "images": "images",
    }
    required = frozenset({"parent_asin", "title"})

    def parse_row(self, row: dict[str, Any]) -> BookRecord:
        asin = fields.text("parent_asin", row["parent_asin"], 10, required=True)
        details = row["details"] if isinstance(row["details"], dict) else {}
        publisher, year = publisher_and_year(str(details.get("Publisher") or ""))
        return BookRecord(
            isbn13=item_isbn(asin, details),
            title=fields.text("title", row["title"], 300, required=True),
            authors=item_authors(row["author"], row["store"]),
            publisher=publisher[:200],
            year=year,
            pages=item_pages(details),
            price=item_price(row["price"]),
            currency="USD" if item_price(row["price"]) is not None else "",
            description=item_description(row["description"]),
            asin=asin,
            subjects=item_subjects(row["categories"]),
            cover_url=item_cover(row["images"]),
        )

    def save_batch(self, items: list[tuple[int, BookRecord]]) -> BatchResult:
        return save_books(items)


class AmazonImporter(Importer):
    """`candor import amazon PATH`: reviews or item metadata, told apart by the fields."""

    kind = "amazon"
    file_format = "jsonl"
    columns: dict[str, str] = {}

    def run(
        self,
        path: Path,
        strict: bool = False,
        rejects: Path | None = None,
        progress: bool = False,
    ) -> ImportReport:
        chosen = detect(path)
        return chosen(**self.options).run(path, strict=strict, rejects=rejects, progress=progress)


def detect(path: Path) -> type[Importer]:
    with open_source(path) as source:
        for _, row in itertools.islice(jsonl_rows(source), 100):
            if isinstance(row, dict):
                if "user_id" in row and "rating" in row:
                    return AmazonReviewsImporter
                if "parent_asin" in row and "title" in row:
                    return AmazonItemsImporter
    raise RowError(
        "file",
        "neither Amazon reviews (user_id, rating, parent_asin, timestamp) nor item "
        "metadata (parent_asin, title) in the first 100 lines",
    )


def as_isbn(value: str) -> str | None:
    try:
        return normalize_isbn(value)
    except Exception:
        return None


def item_isbn(asin: str, details: dict[str, Any]) -> str:
    for key in ("ISBN 13", "ISBN-13", "ISBN 10", "ISBN-10"):
        if details.get(key):
            return fields.isbn13(f"details.{key}", details[key])
    isbn = as_isbn(asin)
    if isbn is None:
        raise RowError(
            "details.ISBN 13", f"no ISBN for {asin}: Candor's catalogue is of books with an ISBN"
        )
    return isbn


def item_authors(author: Any, store: Any) -> tuple[str, ...]:
    if isinstance(author, dict) and isinstance(author.get("name"), str) and author["name"].strip():
        return (author["name"].strip()[:200],)
    # Without an author record, the store line often reads "Name (Author)".
    match = re.match(r"^(.+?)\s*\((?:Author|Editor)\)", str(store or ""))
    return (match.group(1).strip()[:200],) if match else ()


def publisher_and_year(value: str) -> tuple[str, int | None]:
    """ "Vintage; Reprint edition (May 1, 2006)" -> ("Vintage", 2006)."""
    year_match = re.search(r"\((?:[^()]*\s)?(\d{4})\)\s*$", value)
    name = re.split(r"[;(]", value, maxsplit=1)[0].strip()
    year = int(year_match.group(1)) if year_match else None
    return name, year if year is None or 1000 <= year <= 2200 else None


def item_pages(details: dict[str, Any]) -> int | None:
    for key in ("Print length", "Paperback", "Hardcover", "Mass Market Paperback"):
        match = re.match(r"\s*([\d,]+)\s+pages", str(details.get(key) or ""))
        if match:
            return fields.optional_int(f"details.{key}", match.group(1).replace(",", ""), 1)
    return None


def item_price(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fields.price("price", value)
    # Amazon writes "None" or ranges ("12.99 - 15.99") for items without one price.
    try:
        return fields.price("price", value)
    except RowError:
        return None


# The roots of Amazon's category paths: every book has one, so they say nothing.
CATEGORY_ROOTS = frozenset({"books", "kindle store", "kindle ebooks", "audible books & originals"})


def item_subjects(categories: Any) -> tuple[str, ...]:
    """Amazon's category path (["Books", "History", "Military"]) as subjects, without
    its root; anything that is not a list of text is no subjects."""
    if not isinstance(categories, list):
        return ()
    names = [name for name in categories if isinstance(name, str)]
    return clean_names(name for name in names if name.strip().lower() not in CATEGORY_ROOTS)


def item_cover(images: Any) -> str:
    """The address of the item's main image (Amazon's "MAIN" variant, else the first),
    its largest size; "" when there is none. Fetched later by `candor covers`."""
    if not isinstance(images, list):
        return ""
    shown = [image for image in images if isinstance(image, dict)]
    shown.sort(key=lambda image: image.get("variant") != "MAIN")
    for image in shown:
        for size in ("hi_res", "large", "thumb"):
            url = image.get(size)
            if isinstance(url, str) and url.startswith(("http://", "https://")) and len(url) <= 500:
                return url
    return ""


def item_description(value: Any) -> str:
    parts: Iterator[str] = iter(value) if isinstance(value, list) else iter([str(value or "")])
    text = "\n\n".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    if len(text) > 10_000:
        text = text[: text.rfind(" ", 0, 9_999)] + "…"
    return text
