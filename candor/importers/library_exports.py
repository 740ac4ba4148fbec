"""A reader's own export from Goodreads or StoryGraph: their ratings and reviews.

Both files hold one reader's library; `--user USERNAME` names the Candor account the
ratings belong to. A book missing from the catalogue is added from the row (title,
authors, ISBN); a book already there is left as the catalogue has it. A reader's
shelves (Goodreads) or tags (StoryGraph) are their own words, often about them rather
than the book ("to-read", "owned", "favourites"): only those that name a subject the
catalogue already has become that subject of a book the import adds. Rows without
a rating (to-read shelves) are skipped, not rejected. The review is dated by when
the book was read, else when it was added.
"""

import re
from typing import Any

from django.contrib.auth.models import User

from candor.catalog.subjects import known_names
from candor.importers import fields
from candor.importers.base import BatchResult, Importer, Outcome
from candor.importers.books import BookRecord, save_book, split_names
from candor.importers.readers import RowError
from candor.importers.reviews import ReviewRecord, SavesReviews
from candor.reviews.limits import TEXT_MAX

SKIP = object()  # parse_row's answer for a row with nothing to import


class ReaderExportImporter(SavesReviews, Importer):
    """Shared by the reader-export sources; subclasses map columns and read stars."""

    fractional_stars = False
    author_separator = ","

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        username = options.get("user")
        if not username:
            raise RowError("--user", f"`candor import {self.kind}` needs --user USERNAME")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise RowError("--user", f"no account with username {username!r}")
        self.user = user

    def parse_row(self, row: dict[str, Any]) -> Any:
        if str(row["rating"]).strip() in ("", "0"):
            return SKIP
        rating = fields.stars(self.columns["rating"], row["rating"], self.fractional_stars)
        read_at = fields.day(self.columns["read_at"], row["read_at"])
        if read_at is not None:
            created_at = fields.review_date(self.columns["read_at"], read_at)
        else:
            added_at = fields.day(self.columns["added_at"], row["added_at"], required=True)
            assert added_at is not None  # required
            created_at = fields.review_date(self.columns["added_at"], added_at)
        book = BookRecord(
            isbn13=self.isbn(row),
            title=fields.text(self.columns["title"], row["title"], 300, required=True),
            authors=self.authors(row),
            subjects=known_names(self.shelves(row)),
            only_create=True,
        )
        review = fields.text(self.columns["review"], plain_text(row["review"]), TEXT_MAX)
        return book, rating, review, created_at

    def isbn(self, row: dict[str, Any]) -> str:
        raise NotImplementedError

    def authors(self, row: dict[str, Any]) -> tuple[str, ...]:
        names = split_names(str(row["authors"]), self.author_separator)
        return tuple(name[:200] for name in names)

    def shelves(self, row: dict[str, Any]) -> tuple[str, ...]:
        """The reader's shelf or tag names for the book (the column may be absent)."""
        return split_names(str(row.get("shelves") or ""), ",")

    def save_batch(self, items: list[tuple[int, Any]]) -> BatchResult:
        records, skipped = [], 0
        for line, parsed in items:
            if parsed is SKIP:
                skipped += 1
                continue
            book_record, rating, review, created_at = parsed
            book, _ = save_book(book_record)
            records.append(
                (line, ReviewRecord(book.pk, self.user.pk, rating, "", review, created_at))
            )
        result = self.save_reviews(records)
        result.outcomes.extend([Outcome.SKIPPED] * skipped)
        return result


class GoodreadsImporter(ReaderExportImporter):
    kind = "goodreads"
    columns = {
        "title": "Title",
        "authors": "Author",
        "more_authors": "Additional Authors",
        "isbn": "ISBN",
        "isbn13": "ISBN13",
        "rating": "My Rating",
        "review": "My Review",
        "read_at": "Date Read",
        "added_at": "Date Added",
        "shelves": "Bookshelves",
    }
    required = frozenset({"title", "isbn", "isbn13", "rating", "added_at"})

    def isbn(self, row: dict[str, Any]) -> str:
        for ours in ("isbn13", "isbn"):
            value = str(row[ours]).strip()
            if value not in ("", '=""'):
                return fields.isbn13(self.columns[ours], value)
        raise RowError("ISBN13", "empty: Candor's catalogue is of books with an ISBN")

    def authors(self, row: dict[str, Any]) -> tuple[str, ...]:
        first = split_names(str(row["authors"]), ";")
        return tuple(name[:200] for name in (*first, *split_names(str(row["more_authors"]), ",")))


class StoryGraphImporter(ReaderExportImporter):
    kind = "storygraph"
    fractional_stars = True
    columns = {
        "title": "Title",
        "authors": "Authors",
        "isbn": "ISBN/UID",
        "rating": "Star Rating",
        "review": "Review",
        "read_at": "Last Date Read",
        "added_at": "Date Added",
        "shelves": "Tags",
    }
    required = frozenset({"title", "isbn", "rating", "added_at"})

    def isbn(self, row: dict[str, Any]) -> str:
        return fields.isbn13(self.columns["isbn"], row["isbn"])


def plain_text(value: Any) -> str:
    """Exports keep line breaks as <br/> tags; Candor stores plain text."""
    return re.sub(r"<br\s*/?>", "\n", str(value or ""), flags=re.IGNORECASE).strip()
