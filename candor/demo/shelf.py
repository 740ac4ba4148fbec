"""Load the demo's wider shelf (shelf.json), its invented readers and reviews
(`candor.demo.voices`) and the review campaign (`candor.demo.campaign`), idempotently.

Books are found by ISBN, readers by username, reviews by reader and book, orders and
votes by what they join: loading again changes nothing. Editions of one work are linked
through `candor.catalog.editions` (recorded, as staff's links are). Reviews are saved
by the importers' review batch (`ReviewBatch`: verified by the orders, as on the site);
their helpful counts by `services.recount_helpful`. Ratings and trust are left to the
caller (`store.rebuild`, `candor trust`).
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from candor.accounts.models import Profile
from candor.catalog.editions import Actor, attach
from candor.catalog.models import Book, Publisher
from candor.demo import campaign, voices
from candor.importers.reviews import ReviewBatch, ReviewRecord
from candor.reviews.models import HelpfulVote, Order, Review
from candor.reviews.services import recount_helpful

SHELF_PATH = Path(__file__).with_name("shelf.json")
ORDER_SOURCE = "demo-shop"
LINK_NOTE = "Demo catalogue: editions of the same work (same text, another format or language)."


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str
    bio: str
    joined: datetime


def as_catalog_item(item: dict[str, Any]) -> dict[str, Any]:
    """A shelf entry in the shape `load.load_book` reads."""
    credits = [{"name": name, "role": role} for name, role in item["authors"]]
    return {**item, "contributors": credits}


def load_books(data: dict[str, Any], load_book: Any) -> dict[str, Book]:
    for publisher in data["publishers"]:
        Publisher.objects.get_or_create(
            name=publisher["name"], defaults={"city": publisher["city"]}
        )
    books = {item["isbn"]: load_book(as_catalog_item(item)) for item in data["books"]}
    link_editions(data["books"], books)
    return books


def link_editions(items: Sequence[dict[str, Any]], books: dict[str, Book]) -> None:
    """Make the books that share a ``work`` key editions of the first one's work."""
    works: dict[str, list[Book]] = {}
    for item in items:
        if item.get("work"):
            works.setdefault(item["work"], []).append(books[item["isbn"]])
    for key, editions in works.items():
        first = Book.objects.get(pk=editions[0].pk)
        others = [book for book in editions[1:] if book.work_id != first.work_id]
        if others:
            attach(others, first.work, Actor(None, f"candor demo ({key})", LINK_NOTE))


def save_people(people: Iterable[Person]) -> dict[str, User]:
    """Accounts nobody can sign in to, with their profiles and opening dates."""
    users = {}
    for person in people:
        user, created = User.objects.get_or_create(
            username=person.username,
            defaults={"email": f"{person.username}@demo.invalid", "date_joined": person.joined},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        elif user.date_joined != person.joined:
            User.objects.filter(pk=user.pk).update(date_joined=person.joined)
        Profile.objects.update_or_create(
            user=user, defaults={"display_name": person.display_name, "bio": person.bio}
        )
        users[person.username] = user
    return users


def save_reviews(
    planned: Sequence[voices.PlannedReview], users: dict[str, User], books: dict[str, Book]
) -> list[int]:
    """Orders, reviews and helpful votes of the plan; the reviews' ids."""
    for review in planned:
        if review.ordered_on is not None:
            Order.objects.get_or_create(
                user=users[review.username],
                book=books[review.isbn],
                ordered_at=review.ordered_on,
                source=ORDER_SOURCE,
            )
    records = [
        (
            line,
            ReviewRecord(
                book_id=books[r.isbn].pk,
                user_id=users[r.username].pk,
                rating=r.rating,
                title=r.title,
                text=r.text,
                created_at=r.created_at,
            ),
        )
        for line, r in enumerate(planned, start=1)
    ]
    ReviewBatch(records).save()
    found = {
        (username, isbn): pk
        for pk, username, isbn in Review.objects.filter(
            user__username__in={r.username for r in planned}
        ).values_list("pk", "user__username", "book__isbn13")
    }
    save_votes(planned, found, users)
    return [found[(r.username, r.isbn)] for r in planned]


def save_votes(
    planned: Sequence[voices.PlannedReview],
    review_ids: dict[tuple[str, str], int],
    users: dict[str, User],
) -> None:
    votes = [
        HelpfulVote(
            review_id=review_ids[(r.username, r.isbn)],
            voter=users[voter],
            review_author=users[r.username],
            created_at=at,
            # Not counted yet: recount_helpful adds each vote that counts to its review.
            counted=False,
        )
        for r in planned
        for voter, at in r.voters
    ]
    HelpfulVote.objects.bulk_create(votes, ignore_conflicts=True, batch_size=500)
    recount_helpful({vote.review_id for vote in votes})


def read_shelf() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHELF_PATH.read_text(encoding="utf-8"))
    return data


def plan_people(
    shelf: dict[str, Any],
    catalog: Sequence[voices.Reader],
    catalog_dates: Iterable[tuple[str, datetime]],
) -> tuple[list[Person], list[voices.PlannedReview]]:
    """Everyone the demo needs an account for (the catalogue's readers, the invented
    ones who reviewed something, the campaign's), each opened before their first review,
    and the shelf's reviews with the campaign's last."""
    readers = voices.readers(r.username for r in catalog)
    planned = voices.plan(shelf["books"], [*readers, *catalog])
    since = voices.joined([*catalog_dates, *((r.username, r.created_at) for r in planned)])
    voices.plan_votes(planned, since)
    accounts, burst = campaign.plan(campaign_anchor())
    people = [
        Person(r.username, r.display_name, r.bio, since[r.username])
        for r in [*catalog, *readers]
        if r.username in since
    ]
    people += [Person(a.username, a.display_name, "", a.joined) for a in accounts]
    return people, [*planned, *burst]


def campaign_anchor() -> datetime:
    """When the campaign's first account was opened: as stored, or three days ago."""
    first = campaign.ACCOUNTS[0][0]
    stored = User.objects.filter(username=first).values_list("date_joined", flat=True).first()
    return stored or campaign.default_anchor(timezone.now())
