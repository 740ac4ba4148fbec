"""Request and response shapes of the API (they make the OpenAPI schema)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints

from candor.catalog.models import Contribution
from candor.reviews.limits import REPORT_NOTE_MAX, TEXT_MAX, TITLE_MAX
from candor.reviews.models import READER_REASONS

# Databases refuse NUL characters, and lone surrogates cannot be encoded: both are
# refused here, as the client's error, before anything reaches a query.
NO_NUL = r"^[^\x00]*$"


def storable(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains characters that are not valid Unicode") from None
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value.strip()


def Text(max_length: int, min_length: int = 0) -> object:  # a type factory, named like a type
    return Annotated[
        str,
        StringConstraints(max_length=max_length, min_length=min_length, pattern=NO_NUL),
        AfterValidator(storable),
    ]


Slug = Annotated[str, StringConstraints(max_length=100, pattern=r"^[-a-zA-Z0-9_]+$")]
ReportReason = Literal["spam", "fake", "offensive", "off-topic", "other"]
Role = Literal["author", "co-author", "editor", "translator"]
# A reader's reasons: not Candor's own "edited after a moderator's decision".
assert set(ReportReason.__args__) == set(READER_REASONS)  # type: ignore[attr-defined]
assert set(Role.__args__) == set(Contribution.Role.values)  # type: ignore[attr-defined]


class Contributor(Schema):
    name: str
    role: str


class BookFields(Schema):
    slug: str
    title: str
    subtitle: str
    isbn13: str
    year: int | None
    contributors: list[Contributor]
    format: str = Field(description='hardcover, paperback, ebook, audiobook, other; "" unknown')
    language: str = Field(description='the edition\'s language tag, e.g. "en"; "" unknown')
    work_id: int = Field(description="The work this book is an edition of (docs/editions.md)")


class BookSummary(BookFields):
    """A book in a list, with Candor's rating of its work (the book's ``ratings.rating``
    in its detail, in the candor view: the same stored number), and of this edition's
    own reviews."""

    rating: float | None = Field(description="Candor's rating of the work (every edition)")
    rating_count: int
    edition_rating: float | None = Field(description="Of this edition's reviews alone")
    edition_rating_count: int


class Factor(Schema):
    code: str
    label: str
    delta: float
    shown: float = Field(description="delta rounded as shown; the shown steps add up")
    sentence: str


class Rating(Schema):
    view: str
    rating: float | None
    count: int
    stars: dict[str, int]
    interval: list[float] | None
    effective_count: float
    evidence: str = Field(description='effective_count in words: "about 12 reviews\' worth"')
    explanation: list[Factor]


class Edition(Schema):
    slug: str
    isbn13: str
    title: str
    format: str
    language: str
    year: int | None


class WorkOut(Schema):
    id: int
    title: str
    editions: list[Edition] = Field(description="Every edition, this one included")
    rating: float | None = Field(description="Candor's rating of the work: ratings.rating")
    rating_count: int


class BookDetail(BookFields):
    """A book with its work's rating in one view: one rating field (``ratings.rating``),
    and the same view of this edition's own reviews (``edition_ratings``)."""

    publisher: str | None
    pages: int | None
    price: str | None
    currency: str
    buy_url: str
    description: str
    series: str | None
    series_volume: int | None
    ratings: Rating
    work: WorkOut
    edition_ratings: Rating


class BookFilters(Schema):
    q: Text(200) | None = None  # type: ignore[valid-type]
    isbn: Text(40) | None = None  # type: ignore[valid-type]
    author: Text(100) | None = None  # type: ignore[valid-type]
    series: Text(100) | None = None  # type: ignore[valid-type]


class ContributorIn(Schema):
    name: Text(200, min_length=1)  # type: ignore[valid-type]
    role: Role = "author"


class BookIn(Schema):
    title: Text(300, min_length=1)  # type: ignore[valid-type]
    subtitle: Text(300) = ""  # type: ignore[valid-type]
    isbn: Text(40, min_length=1) = Field(description="ISBN-10 or ISBN-13, any hyphenation")  # type: ignore[valid-type]
    contributors: list[ContributorIn] = Field(default_factory=list, max_length=30)
    publisher: Text(200) | None = None  # type: ignore[valid-type]
    series: Text(200) | None = None  # type: ignore[valid-type]
    series_volume: int | None = Field(default=None, ge=1, le=100_000)
    year: int | None = Field(default=None, ge=1, le=9999)
    pages: int | None = Field(default=None, ge=1, le=1_000_000)
    illustrations: Text(200) = ""  # type: ignore[valid-type]
    price: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)
    currency: Annotated[str, StringConstraints(pattern=r"^([A-Za-z]{3})?$")] = ""
    buy_url: Text(200) = ""  # type: ignore[valid-type]
    description: Text(10_000) = ""  # type: ignore[valid-type]


class EditorialReviewOut(Schema):
    source: str
    reviewer: str
    text: str
    copyright_line: str


class ReviewOut(Schema):
    id: int
    book: str = Field(description="The book's slug")
    user: str = Field(description="The reviewer's username")
    display_name: str
    rating: int
    title: str
    text: str
    created_at: datetime
    updated_at: datetime
    verified_purchase: bool
    helpful_count: int


class ReviewPage(Schema):
    items: list[ReviewOut]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page"
    )


class ReviewIn(Schema):
    rating: int = Field(ge=1, le=5)
    title: Text(TITLE_MAX) = ""  # type: ignore[valid-type]
    text: Text(TEXT_MAX) = ""  # type: ignore[valid-type]


class ReviewPatch(Schema):
    rating: int | None = Field(default=None, ge=1, le=5)
    title: Text(TITLE_MAX) | None = None  # type: ignore[valid-type]
    text: Text(TEXT_MAX) | None = None  # type: ignore[valid-type]


class VoteOut(Schema):
    review: int
    helpful_count: int


class ReportIn(Schema):
    reason: ReportReason
    note: Text(REPORT_NOTE_MAX) = ""  # type: ignore[valid-type]


class ReportOut(Schema):
    review: int
    reason: str
    created_at: datetime


class OrderIn(Schema):
    user: Text(254, min_length=1) = Field(description="Username or e-mail address")  # type: ignore[valid-type]
    isbn: Text(40, min_length=1)  # type: ignore[valid-type]
    ordered_at: date
    source: Text(100) = "api"  # type: ignore[valid-type]


class OrderOut(Schema):
    id: int
    user: str
    book: str
    isbn13: str
    ordered_at: date
    source: str
    verified_review: bool = Field(
        description="Whether the user's review of the book is now verified"
    )
