"""Books: one record type every source fills, saved by one function; and the plain books CSV.

A book is identified by its ISBN-13. Re-importing a changed row updates the book;
an unchanged row touches nothing (not even updated timestamps).
"""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from candor.catalog.models import Book, Contribution, Person, Publisher, Series, Work
from candor.catalog.subjects import add_subjects, add_subjects_to_many, clean_names
from candor.importers import fields, works
from candor.importers.base import BatchResult, Importer, ImportReport, Outcome
from candor.importers.readers import RowError

# Book columns filled from a record; the others (rating, slug, ...) belong to Candor.
BOOK_FIELDS = (
    "title",
    "subtitle",
    "year",
    "pages",
    "price",
    "currency",
    "description",
    "buy_url",
    "series_volume",
)


@dataclass(frozen=True)
class BookRecord:
    isbn13: str
    title: str
    authors: tuple[str, ...] = ()
    subtitle: str = ""
    publisher: str = ""
    series: str = ""
    series_volume: int | None = None
    year: int | None = None
    pages: int | None = None
    price: Decimal | None = None
    currency: str = ""
    description: str = ""
    buy_url: str = ""
    asin: str = ""
    # Added to the book's subjects (an import never takes one away: editors add theirs).
    subjects: tuple[str, ...] = ()
    # The edition's format and language, set when given (an import without them keeps
    # an editor's), and a source's id of its work (candor.importers.works).
    format: str = ""
    language: str = ""
    work_key: str = ""
    # Where a cover image can be fetched (`candor covers`); an empty one keeps the book's.
    cover_url: str = ""
    # Sources that know only some fields (a reader's export) must not blank the others.
    only_create: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def save_book(record: BookRecord) -> tuple[Book, Outcome]:
    """Create the book, or bring an existing one (same ISBN or ASIN) up to date."""
    book = Book.objects.filter(isbn13=record.isbn13).first()
    if book is None and record.asin:
        book = Book.objects.filter(asin=record.asin).first()
    if book is None:
        book = Book(isbn13=record.isbn13)
        apply_fields(book, record)
        book.save()
        set_authors(book, record.authors)
        add_subjects(book, record.subjects)
        return book, Outcome.CREATED
    if record.only_create:
        return book, Outcome.UNCHANGED
    changed = apply_fields(book, record)
    if changed:
        book.save()
    if [c.person.name for c in book.contributions.select_related("person")] != list(record.authors):
        set_authors(book, record.authors)
        changed = True
    if add_subjects(book, record.subjects):
        changed = True
    return book, Outcome.UPDATED if changed else Outcome.UNCHANGED


def apply_fields(book: Book, record: BookRecord) -> bool:
    wanted: dict[str, Any] = {name: getattr(record, name) for name in BOOK_FIELDS}
    wanted["publisher"] = (
        Publisher.objects.get_or_create(name=record.publisher)[0] if record.publisher else None
    )
    wanted["series"] = (
        Series.objects.filter(name=record.series).first()
        or Series.objects.create(name=record.series)
        if record.series
        else None
    )
    if record.asin:
        wanted["asin"] = record.asin
    for name in ("format", "language"):
        if getattr(record, name):
            wanted[name] = getattr(record, name)
    if record.cover_url:
        wanted["cover_url"] = record.cover_url
    changed = False
    for name, value in wanted.items():
        if getattr(book, name) != value:
            setattr(book, name, value)
            changed = True
    return changed


def set_authors(book: Book, authors: tuple[str, ...]) -> None:
    book.contributions.all().delete()
    for position, name in enumerate(dict.fromkeys(authors)):
        person = Person.objects.filter(name=name).first() or Person.objects.create(name=name)
        role = Contribution.Role.AUTHOR if position == 0 else Contribution.Role.CO_AUTHOR
        Contribution.objects.create(book=book, person=person, role=role, position=position)


def save_books(items: list[tuple[int, BookRecord]]) -> BatchResult:
    """A batch of books: new ones in bulk (a few queries however many), books already
    in the catalogue (or twice in the batch) one by one through save_book."""
    result = BatchResult()
    isbns = {record.isbn13 for _, record in items}
    asins = {record.asin for _, record in items if record.asin}
    known = set(Book.objects.filter(isbn13__in=isbns).values_list("isbn13", flat=True))
    known_asins = set(Book.objects.filter(asin__in=asins).values_list("asin", flat=True))
    new: dict[str, BookRecord] = {}
    one_by_one = []
    for _, record in items:
        fresh = record.isbn13 not in known and record.asin not in known_asins
        if (
            fresh
            and record.isbn13 not in new
            and (not record.asin or record.asin not in asins_of(new))
        ):
            new[record.isbn13] = record
        else:
            one_by_one.append(record)
    create_books(list(new.values()))
    result.outcomes.extend([Outcome.CREATED] * len(new))
    for record in one_by_one:
        result.outcomes.append(save_book(record)[1])
    return result


def asins_of(records: dict[str, BookRecord]) -> set[str]:
    return {record.asin for record in records.values() if record.asin}


def create_books(records: list[BookRecord]) -> None:
    if not records:
        return
    publishers = named_rows(Publisher, {r.publisher for r in records if r.publisher})
    series = named_rows(Series, {r.series for r in records if r.series})
    people = named_rows(Person, {name for r in records for name in dict.fromkeys(r.authors)})
    slugs = unique_slugs(Book, [r.title for r in records])
    # Each new book is a work of its own (as Book.save makes it one at a time).
    works = Work.objects.bulk_create([Work(title=r.title) for r in records], batch_size=1000)
    books = []
    for record, slug, work in zip(records, slugs, works, strict=True):
        book = Book(
            isbn13=record.isbn13,
            slug=slug,
            asin=record.asin,
            work=work,
            cover_url=record.cover_url,
            format=record.format,
            language=record.language,
        )
        for name in BOOK_FIELDS:
            setattr(book, name, getattr(record, name))
        book.publisher_id = publishers.get(record.publisher)
        book.series_id = series.get(record.series)
        books.append(book)
    Book.objects.bulk_create(books, batch_size=1000)
    ids = dict(
        Book.objects.filter(isbn13__in=[r.isbn13 for r in records]).values_list("isbn13", "pk")
    )
    Contribution.objects.bulk_create(
        [
            Contribution(
                book_id=ids[record.isbn13],
                person_id=people[name],
                role=Contribution.Role.AUTHOR if position == 0 else Contribution.Role.CO_AUTHOR,
                position=position,
            )
            for record in records
            for position, name in enumerate(dict.fromkeys(record.authors))
        ],
        batch_size=2000,
    )
    add_subjects_to_many({ids[r.isbn13]: r.subjects for r in records if r.subjects})


def named_rows(model: type[Publisher | Series | Person], names: set[str]) -> dict[str, int]:
    """{name: id}, creating the missing ones (people and series get unique slugs)."""
    if not names:
        return {}
    found: dict[str, int] = {}
    for name, pk in model.objects.filter(name__in=names).order_by("pk").values_list("name", "pk"):
        found.setdefault(name, pk)
    missing = sorted(names - set(found))
    if missing:
        if model is Publisher:
            rows = [Publisher(name=name) for name in missing]
        else:
            slugs = unique_slugs(model, missing)
            rows = [model(name=name, slug=slug) for name, slug in zip(missing, slugs, strict=True)]
        model.objects.bulk_create(rows, batch_size=1000)
        for name, pk in model.objects.filter(name__in=missing).values_list("name", "pk"):
            found.setdefault(name, pk)
    return found


def unique_slugs(model: type[Book | Series | Person], texts: list[str]) -> list[str]:
    """Slugs no row of model uses, nor each other: title, title-2, title-3, ... (as
    unique_slug gives one at a time), one query per round of collisions."""
    bases = [slugify(text)[:80] or "item" for text in texts]
    chosen: list[str | None] = [None] * len(bases)
    used: set[str] = set()
    tries = [1] * len(bases)
    pending = list(range(len(bases)))
    while pending:
        wanted = {i: bases[i] if tries[i] == 1 else f"{bases[i]}-{tries[i]}" for i in pending}
        taken = set(
            model.objects.filter(slug__in=set(wanted.values())).values_list("slug", flat=True)
        )
        still = []
        for i, slug in wanted.items():
            if slug in taken or slug in used:
                tries[i] += 1
                still.append(i)
            else:
                chosen[i] = slug
                used.add(slug)
        pending = still
    return [slug for slug in chosen if slug is not None]


def split_names(value: str, separator: str = ";") -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(separator) if name.strip())


class BooksCsvImporter(Importer):
    """isbn,title,authors[,subtitle,publisher,year,pages,price,currency,description,
    buy_url,series,series_volume,subjects,cover_url,format,language,work]; authors and
    subjects separated by semicolons; rows with the same work (a source's work id)
    become editions of one work."""

    kind = "books"
    columns = {
        name: name
        for name in (
            "isbn",
            "title",
            "authors",
            "subtitle",
            "publisher",
            "year",
            "pages",
            "price",
            "currency",
            "description",
            "buy_url",
            "series",
            "series_volume",
            "subjects",
            "format",
            "language",
            "work",
            "cover_url",
        )
    }
    required = frozenset({"isbn", "title"})

    def run(self, path: Path, *args: Any, **kwargs: Any) -> ImportReport:
        self.source = f"import books {path}"  # where edition links came from
        return super().run(path, *args, **kwargs)

    def parse_row(self, row: dict[str, Any]) -> BookRecord:
        currency = fields.text("currency", row["currency"], 3).upper()
        if currency and not currency.isalpha():
            raise RowError("currency", f"{currency!r} is not a currency code like USD")
        buy_url = fields.web_address("buy_url", row["buy_url"], 200)
        return BookRecord(
            isbn13=fields.isbn13("isbn", row["isbn"]),
            title=fields.text("title", row["title"], 300, required=True),
            authors=split_names(fields.text("authors", row["authors"], 2000)),
            subtitle=fields.text("subtitle", row["subtitle"], 300),
            publisher=fields.text("publisher", row["publisher"], 200),
            series=fields.text("series", row["series"], 200),
            series_volume=fields.optional_int("series_volume", row["series_volume"], 0, 100_000),
            year=fields.optional_int("year", row["year"], 1000, 2200),
            pages=fields.optional_int("pages", row["pages"], 1, 100_000),
            price=fields.price("price", row["price"]),
            currency=currency,
            description=fields.text("description", row["description"], 10_000),
            buy_url=buy_url,
            subjects=clean_names(split_names(fields.text("subjects", row["subjects"], 2000))),
            format=works.edition_format("format", row["format"]),
            language=works.language("language", row["language"]),
            work_key=works.work_key("work", row["work"]),
            cover_url=fields.web_address("cover_url", row["cover_url"], 500),
        )

    def save_batch(self, items: list[tuple[int, BookRecord]]) -> BatchResult:
        result = save_books(items)
        linked = [(line, r.isbn13, r.work_key) for line, r in items if r.work_key]
        source = getattr(self, "source", "import books")
        result.refused.extend(works.link_works(linked, source) if linked else [])
        return result
