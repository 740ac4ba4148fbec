"""The catalogue as a list: /books/ sorted and filtered by what a reader picks.

The rating a book is sorted by and shown with is the one the rating store keeps on it
(`Book.rating`, `Book.rating_count`): the same number its own page shows.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Count, F, Min, Q, QuerySet
from django.http import QueryDict

from candor.catalog.models import Book, Subject

BOOKS_PER_PAGE = 24

SORTS: dict[str, tuple[str, tuple[object, ...]]] = {
    "rating": (
        "Highest rated",
        (F("rating").desc(nulls_last=True), "-rating_count", "title", "id"),
    ),
    "reviews": (
        "Most reviewed",
        ("-rating_count", F("rating").desc(nulls_last=True), "title", "id"),
    ),
    # Newest by publication; among books of one year (or none), the latest added first.
    "newest": ("Newest", (F("year").desc(nulls_last=True), "-created_at", "-id")),
    "title": ("Title", ("title", "id")),
}
DEFAULT_SORT = "rating"

YEAR = re.compile(r"^(\d{4})$")
DECADE = re.compile(r"^(\d{3})0s$")


@dataclass
class Choices:
    """What the reader asked for, cleaned, with a note for each value we could not use."""

    sort: str = DEFAULT_SORT
    subject: Subject | None = None
    year: str = ""
    reviewed: bool = False
    problems: list[str] = field(default_factory=list)

    def query(self, **changes: object) -> str:
        """These choices as a query string (for links that keep them), with changes."""
        values: dict[str, object] = {
            "sort": self.sort,
            "subject": self.subject.slug if self.subject else "",
            "year": self.year,
            "reviewed": "1" if self.reviewed else "",
            **changes,
        }
        query = QueryDict(mutable=True)
        for name, value in values.items():
            if value not in ("", None) and not (name == "sort" and value == DEFAULT_SORT):
                query[name] = str(value)
        return query.urlencode()


def read_choices(params: QueryDict) -> Choices:
    choices = Choices()
    sort = params.get("sort", DEFAULT_SORT)
    if sort in SORTS:
        choices.sort = sort
    else:
        choices.problems.append(f"Unknown sort “{sort}”: sorted by rating instead.")
    slug = params.get("subject", "").strip()
    if slug:
        choices.subject = Subject.objects.filter(slug=slug).first()
        if choices.subject is None:
            choices.problems.append(f"No subject “{slug}”: showing every subject.")
    year = params.get("year", "").strip()
    if year:
        if YEAR.match(year) or DECADE.match(year):
            choices.year = year
        else:
            choices.problems.append(
                f"“{year}” is not a year (like 1993) or a decade (like 1990s): showing every year."
            )
    choices.reviewed = params.get("reviewed", "") in ("1", "on", "true")
    return choices


def year_filter(year: str) -> Q:
    if match := DECADE.match(year):
        start = int(match.group(1)) * 10
        return Q(year__gte=start, year__lte=start + 9)
    return Q(year=int(year))


def browsed_books(books: QuerySet[Book], choices: Choices) -> QuerySet[Book]:
    if choices.subject is not None:
        books = books.filter(subjects=choices.subject)
    if choices.year:
        books = books.filter(year_filter(choices.year))
    if choices.reviewed:
        books = books.filter(rating_count__gt=0)
    return one_edition_per_work(books).order_by(*SORTS[choices.sort][1])  # type: ignore[arg-type]


def one_edition_per_work(books: QuerySet[Book]) -> QuerySet[Book]:
    """Of the books, one per work (the first catalogued among them): a work's editions
    share its rating, so the list shows the work once."""
    first = books.order_by().values("work_id").annotate(first=Min("pk")).values("first")
    return books.filter(pk__in=first)


def subjects_in_use() -> QuerySet[Subject]:
    """Subjects with at least one book, each with its number of books (``book_count``)."""
    return (
        Subject.objects.annotate(book_count=Count("books"))
        .filter(book_count__gt=0)
        .order_by("name")
    )


def decades() -> list[str]:
    """The decades the catalogue's books were published in, newest first ("1990s")."""
    years = Book.objects.exclude(year=None).order_by().values_list("year", flat=True).distinct()
    return [f"{d}s" for d in sorted({year // 10 * 10 for year in years}, reverse=True)]
