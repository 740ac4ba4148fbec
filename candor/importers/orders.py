"""Orders CSV: user,isbn,ordered_at[,source] -> Order rows that verify purchases."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from candor.catalog.isbn import normalize_isbn
from candor.catalog.models import Book
from candor.importers import fields
from candor.importers.base import Importer, RowError
from candor.reviews.models import Order
from candor.reviews.services import record_order


@dataclass(frozen=True)
class OrderRecord:
    user: User
    book: Book
    ordered_at: date
    source: str


class OrdersCsvImporter(Importer):
    kind = "orders"
    columns = {"user": "user", "isbn": "isbn", "ordered_at": "ordered_at", "source": "source"}
    required = frozenset({"user", "isbn", "ordered_at"})

    def parse_row(self, row: dict[str, str]) -> OrderRecord:
        return OrderRecord(
            user=self.find_user(row["user"]),
            book=self.find_book(row["isbn"]),
            ordered_at=self.parse_date(row["ordered_at"]),
            source=(row["source"] or "csv")[:100],
        )

    def save_record(self, record: OrderRecord) -> bool:
        exists = Order.objects.filter(
            user=record.user, book=record.book, ordered_at=record.ordered_at, source=record.source
        ).exists()
        record_order(record.user, record.book, record.ordered_at, record.source)
        return not exists

    @staticmethod
    def find_user(value: str) -> User:
        if not value:
            raise RowError("user", "empty: give a username or e-mail address")
        user = (
            User.objects.filter(username=value).first()
            or User.objects.filter(email__iexact=value).first()
        )
        if user is None:
            raise RowError("user", f"no account with username or e-mail {value!r}")
        return user

    @staticmethod
    def find_book(value: str) -> Book:
        try:
            isbn13 = normalize_isbn(value)
        except ValidationError as error:
            raise RowError("isbn", " ".join(error.messages)) from None
        book = Book.objects.filter(isbn13=isbn13).first()
        if book is None:
            raise RowError("isbn", f"no book with ISBN {isbn13} in the catalogue")
        return book

    @staticmethod
    def parse_date(value: str) -> date:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise RowError("ordered_at", f"{value!r} is not a date like 2024-03-31") from None
        fields.review_date("ordered_at", datetime(day.year, day.month, day.day, tzinfo=UTC))
        return day
