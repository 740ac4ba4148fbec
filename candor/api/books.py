"""Candor's REST API, version 1 (django-ninja; schema at /api/v1/openapi.json).

Errors always have the shape {"error": {"code", "message", "fields"}}.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Query, Schema
from ninja.errors import ValidationError

from candor.catalog.models import Book
from candor.catalog.views import books_with_people, search_filter
from candor.ratings import VIEWS
from candor.reviews.rating import book_rating

api = NinjaAPI(
    title="Candor API",
    version="1",
    description="Books, their ratings as Candor computes them, and reviews.",
    urls_namespace="api-v1",
)


def error(
    request: HttpRequest, status: int, code: str, message: str, fields: Any = None
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return api.create_response(request, body, status=status)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, "not_found", "No such resource.")


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = {".".join(str(part) for part in e["loc"][1:]): e["msg"] for e in exc.errors}
    return error(request, 422, "invalid", "The request is not valid.", fields)


class Contributor(Schema):
    name: str
    role: str


class BookSummary(Schema):
    slug: str
    title: str
    subtitle: str
    isbn13: str
    year: int | None
    rating: float | None
    rating_count: int
    contributors: list[Contributor]


class Factor(Schema):
    code: str
    label: str
    delta: float
    sentence: str


class Rating(Schema):
    view: str
    rating: float | None
    count: int
    stars: dict[str, int]
    interval: list[float] | None
    effective_count: float
    explanation: list[Factor]


class BookDetail(BookSummary):
    publisher: str | None
    pages: int | None
    price: str | None
    currency: str
    buy_url: str
    description: str
    series: str | None
    series_volume: int | None
    ratings: Rating


class BookFilters(Schema):
    q: str | None = None
    isbn: str | None = None
    author: str | None = None
    series: str | None = None


def summary(book: Book) -> dict[str, Any]:
    return {
        "slug": book.slug,
        "title": book.title,
        "subtitle": book.subtitle,
        "isbn13": book.isbn13,
        "year": book.year,
        "rating": book.rating,
        "rating_count": book.rating_count,
        "contributors": [{"name": c.person.name, "role": c.role} for c in book.contributions.all()],
    }


@api.get("/books", response=list[BookSummary], summary="Search and filter books")
def list_books(request: HttpRequest, filters: Query[BookFilters]) -> list[dict[str, Any]]:
    books = books_with_people()
    for text in (filters.q, filters.isbn):
        if text:
            books = books.filter(search_filter(text))
    if filters.author:
        books = books.filter(contributions__person__slug=filters.author)
    if filters.series:
        books = books.filter(series__slug=filters.series)
    return [summary(book) for book in books.distinct()[:100]]


@api.get(
    "/books/{slug}", response=BookDetail, summary="A book with Candor's rating and its explanation"
)
def get_book(request: HttpRequest, slug: str, view: str = "candor") -> Any:
    if view not in VIEWS:
        return error(
            request, 422, "invalid", "Unknown rating view.", {"view": f"one of {', '.join(VIEWS)}"}
        )
    book = get_object_or_404(books_with_people(), slug=slug)
    rating = book_rating(book, view=view).to_dict()
    return {
        **summary(book),
        "publisher": book.publisher.name if book.publisher else None,
        "pages": book.pages,
        "price": str(book.price) if book.price is not None else None,
        "currency": book.currency,
        "buy_url": book.buy_url,
        "description": book.description,
        "series": book.series.name if book.series else None,
        "series_volume": book.series_volume,
        "ratings": {"view": view, **rating},
    }
