"""Books: search and filter, one book with Candor's rating, editorial reviews; staff add books."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from candor.api.auth import staff_user, write_token
from candor.api.errors import READ_ERRORS, WRITE_ERRORS, ApiError
from candor.api.schemas import BookDetail, BookFilters, BookIn, BookSummary, EditorialReviewOut
from candor.catalog.isbn import normalize_isbn
from candor.catalog.models import Book, Contribution, Person, Publisher, Series
from candor.catalog.search import search_books
from candor.catalog.views import books_with_people
from candor.ratings import VIEWS
from candor.reviews import store

router = Router(tags=["books"])
SEARCH_LIMIT = 100


def fields(book: Book) -> dict[str, Any]:
    return {
        "slug": book.slug,
        "title": book.title,
        "subtitle": book.subtitle,
        "isbn13": book.isbn13,
        "year": book.year,
        "contributors": [{"name": c.person.name, "role": c.role} for c in book.contributions.all()],
        "format": book.format,
        "language": book.language,
        "work_id": book.work_id,
    }


def summary(book: Book) -> dict[str, Any]:
    return {
        **fields(book),
        "rating": book.rating,
        "rating_count": book.rating_count,
        "edition_rating": book.edition_rating,
        "edition_rating_count": book.edition_rating_count,
    }


def rating_out(book: Book, view: str, edition: bool) -> dict[str, Any]:
    # The same stored numbers as the book page (`store.shown`).
    result = store.shown(book, view, edition).result
    return {"view": view, **result.to_dict(), "evidence": result.evidence_words}


def work_out(book: Book) -> dict[str, Any]:
    editions = Book.objects.filter(work_id=book.work_id).order_by("year", "format", "pk")
    return {
        "id": book.work_id,
        "title": book.work.title,
        "editions": [
            {
                "slug": edition.slug,
                "isbn13": edition.isbn13,
                "title": edition.title,
                "format": edition.format,
                "language": edition.language,
                "year": edition.year,
            }
            for edition in editions
        ],
        "rating": book.rating,
        "rating_count": book.rating_count,
    }


def detail(book: Book, view: str = "candor") -> dict[str, Any]:
    return {
        **fields(book),
        "publisher": book.publisher.name if book.publisher else None,
        "pages": book.pages,
        "price": str(book.price) if book.price is not None else None,
        "currency": book.currency,
        "buy_url": book.buy_url,
        "description": book.description,
        "series": book.series.name if book.series else None,
        "series_volume": book.series_volume,
        "ratings": rating_out(book, view, edition=False),
        "work": work_out(book),
        "edition_ratings": rating_out(book, view, edition=True),
    }


def valid_isbn(value: str) -> str:
    """The ISBN-13 digits for value; 422 naming the field when it is not an ISBN."""
    try:
        return normalize_isbn(value)
    except ValidationError as error:
        raise ApiError(422, "The ISBN is not valid.", fields={"isbn": error.messages[0]}) from None


@router.get(
    "/books",
    response={200: list[BookSummary], **READ_ERRORS},
    summary="Search and filter books",
)
def list_books(request: HttpRequest, filters: Query[BookFilters]) -> list[dict[str, Any]]:
    """Books matching every filter given, at most 100: by title, or with ``q`` best
    match first (the site's search, typos forgiven; every edition listed)."""
    books = books_with_people()
    found: list[int] = []
    if filters.q:
        found = [book.pk for book in search_books(filters.q, SEARCH_LIMIT, per_work=False)]
        books = books.filter(pk__in=found)
    if filters.isbn:
        books = books.filter(isbn13=valid_isbn(filters.isbn))
    if filters.author:
        books = books.filter(contributions__person__slug=filters.author)
    if filters.series:
        books = books.filter(series__slug=filters.series)
    chosen = list(books.distinct()[:SEARCH_LIMIT])
    if filters.q:
        chosen.sort(key=lambda book: found.index(book.pk))
    return [summary(book) for book in chosen]


@router.get(
    "/books/{slug:slug}",
    response={200: BookDetail, **READ_ERRORS},
    summary="A book with Candor's rating and its explanation",
)
def get_book(request: HttpRequest, slug: str, view: str = "candor") -> Any:
    if view not in VIEWS:
        raise ApiError(422, "Unknown rating view.", fields={"view": f"one of {', '.join(VIEWS)}"})
    return detail(get_object_or_404(books_with_people(), slug=slug), view)


@router.get(
    "/books/{slug:slug}/editorial-reviews",
    response={200: list[EditorialReviewOut], **READ_ERRORS},
    summary="Editorial reviews of a book (trade sources)",
)
def editorial_reviews(request: HttpRequest, slug: str) -> Any:
    book = get_object_or_404(Book, slug=slug)
    return list(book.editorial_reviews.all())


@router.post(
    "/books",
    auth=write_token,
    response={201: BookDetail, **WRITE_ERRORS},
    summary="Add a book to the catalogue (staff tokens)",
)
def create_book(request: HttpRequest, payload: BookIn) -> Any:
    staff_user(request)
    isbn13 = valid_isbn(payload.isbn)
    if Book.objects.filter(isbn13=isbn13).exists():
        raise ApiError(409, f"A book with ISBN {isbn13} is already in the catalogue.")
    try:
        book = save_book(payload, isbn13)
    except IntegrityError:
        raise ApiError(409, f"A book with ISBN {isbn13} is already in the catalogue.") from None
    return Status(201, detail(books_with_people().get(pk=book.pk)))


@transaction.atomic
def save_book(payload: BookIn, isbn13: str) -> Book:
    book = Book(
        title=payload.title,
        subtitle=payload.subtitle,
        isbn13=isbn13,
        series=Series.objects.get_or_create(name=payload.series)[0] if payload.series else None,
        series_volume=payload.series_volume,
        publisher=(
            Publisher.objects.get_or_create(name=payload.publisher)[0]
            if payload.publisher
            else None
        ),
        year=payload.year,
        pages=payload.pages,
        illustrations=payload.illustrations,
        price=payload.price,
        currency=payload.currency.upper(),
        buy_url=payload.buy_url,
        description=payload.description,
    )
    book.full_clean(exclude=["slug", "series", "publisher", "work"])  # work: on save
    book.save()
    credited: set[tuple[str, str]] = set()
    for position, contributor in enumerate(payload.contributors):
        if (contributor.name, contributor.role) in credited:
            continue
        credited.add((contributor.name, contributor.role))
        person = Person.objects.filter(name=contributor.name).first() or Person.objects.create(
            name=contributor.name
        )
        Contribution.objects.get_or_create(
            book=book, person=person, role=contributor.role, defaults={"position": position}
        )
    return book
