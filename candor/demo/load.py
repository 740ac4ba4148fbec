"""Load the demo catalogue idempotently: the hand-written Cold War shelf
(candor/demo/catalog.json), the wider shelf with its invented readers, reviews and
review campaign (candor/demo/shelf.json, `candor.demo.shelf`), and the demo essays.

Running it twice changes nothing: every row is found by its natural key (ISBN,
username, name) and updated in place. Trust analysis and the moderated report come
after, in `candor demo` (`candor.demo.desk`).
"""

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from candor.catalog.isbn import normalize_isbn
from candor.catalog.models import (
    Book,
    Contribution,
    EditorialReview,
    Person,
    Publisher,
    Series,
    Work,
)
from candor.catalog.subjects import subject_ids
from candor.demo.essay_loader import load_demo_essays
from candor.demo.shelf import load_books, plan_people, read_shelf, save_people, save_reviews
from candor.demo.voices import Reader
from candor.reviews import store
from candor.reviews.models import HelpfulVote, Order, Review
from candor.reviews.services import bought_before, recount_helpful

CATALOG_PATH = Path(__file__).with_name("catalog.json")


def person(name: str, bio: str = "") -> Person:
    found = Person.objects.filter(name=name).first()
    if found is None:
        return Person.objects.create(name=name, bio=bio)
    if bio and found.bio != bio:
        found.bio = bio
        found.save(update_fields=["bio"])
    return found


def load_people_and_series(data: dict[str, Any]) -> None:
    for item in data["publishers"]:
        Publisher.objects.update_or_create(name=item["name"], defaults={"city": item["city"]})
    for item in data["people"]:
        person(item["name"], item.get("bio", ""))
    for item in data["series"]:
        Series.objects.update_or_create(
            name=item["name"], defaults={"description": item["description"]}
        )


def load_book(item: dict[str, Any]) -> Book:
    isbn13 = normalize_isbn(item["isbn"])
    fields = {
        "title": item["title"],
        "subtitle": item.get("subtitle") or "",
        "series": Series.objects.get(name=item["series"]) if item.get("series") else None,
        "series_volume": item.get("series_volume"),
        "publisher": Publisher.objects.get(name=item["publisher"]),
        "year": item.get("year"),
        "pages": item.get("pages"),
        "illustrations": item.get("illustrations") or "",
        "price": Decimal(item["price"]) if item.get("price") else None,
        "currency": item.get("currency", ""),
        "buy_url": item.get("buy_url", ""),
        "description": item.get("description", ""),
        "format": item.get("format", ""),
        "language": item.get("language", ""),
    }
    book, _ = Book.objects.update_or_create(isbn13=isbn13, defaults=fields)
    book.contributions.all().delete()
    for position, credit in enumerate(item.get("contributors", [])):
        Contribution.objects.create(
            book=book, person=person(credit["name"]), role=credit["role"], position=position
        )
    book.subjects.set(subject_ids(item.get("subjects", [])).values())
    book.editorial_reviews.all().delete()
    for position, quote in enumerate(item.get("editorial_reviews", [])):
        EditorialReview.objects.create(
            book=book,
            source=quote["source"],
            reviewer=quote.get("reviewer", ""),
            text=quote["text"],
            copyright_line=quote.get("copyright", ""),
            position=position,
        )
    return book


def load_reviews(data: dict[str, Any], users: dict[str, User], books: dict[str, Book]) -> None:
    for item in data["orders"]:
        Order.objects.get_or_create(
            user=users[item["username"]],
            book=books[normalize_isbn(item["isbn"])],
            ordered_at=date.fromisoformat(item["ordered_at"]),
            source=item.get("source", "demo-shop"),
        )
    voted: list[int] = []
    for item in data["reviews"]:
        user, book = users[item["username"]], books[normalize_isbn(item["isbn"])]
        created_at = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
        review, _ = Review.objects.update_or_create(
            user=user,
            book=book,
            defaults={
                "rating": item["rating"],
                "title": item.get("title", ""),
                "text": item.get("text", ""),
                "created_at": created_at,
                "verified_purchase": bought_before(user, book, timezone.localdate(created_at)),
            },
        )
        for voter in item.get("helpful_by", []):
            # Not counted yet: recount_helpful adds each vote that counts to its review.
            HelpfulVote.objects.get_or_create(
                review=review,
                voter=users[voter],
                defaults={"review_author": user, "counted": False},
            )
        voted.append(review.pk)
    recount_helpful(voted)


def catalog_readers(data: dict[str, Any]) -> list[Reader]:
    return [
        Reader(item["username"], item["display_name"], item.get("bio", ""), "history")
        for item in data["users"]
    ]


def review_dates(data: dict[str, Any]) -> list[tuple[str, datetime]]:
    return [
        (item["username"], datetime.fromisoformat(item["created_at"].replace("Z", "+00:00")))
        for item in data["reviews"]
    ]


@transaction.atomic
def load_demo(path: Path = CATALOG_PATH, rebuild: bool = True) -> dict[str, int]:
    """Load everything; ``rebuild``: store every book's rating (the caller may leave it
    to `candor trust`, which rebuilds them after scoring)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    load_people_and_series(data)
    books = {book.isbn13: book for book in (load_book(item) for item in data["books"])}
    wider = read_shelf()
    books.update(load_books(wider, load_book))
    people, planned = plan_people(wider, catalog_readers(data), review_dates(data))
    users = save_people(people)
    load_reviews(data, users, books)
    save_reviews(planned, users, books)
    if rebuild:
        store.rebuild()
    essays = load_demo_essays()
    return {
        "books": Book.objects.filter(isbn13__in=books).count(),
        "works": Work.objects.filter(editions__isbn13__in=books).distinct().count(),
        "users": len(users),
        "reviews": Review.objects.filter(book__isbn13__in=books).count(),
        "essays": len(essays.created + essays.updated + essays.unchanged),
    }
