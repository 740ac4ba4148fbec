"""The moderation desk's tests: a book with reviews in each state the queue knows."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from candor.catalog.models import Book
from candor.reviews.models import Review
from candor.reviews.services import TrustReason, record_trust, report_review
from tests.api.conftest import api_as  # noqa: F401 (a fixture these tests use)
from tests.conftest import client_for

BURST = TrustReason("burst", "posted in a burst of 12 five-star reviews in 2 days")
COPY = TrustReason("copied_text", "one of 14 copies of the same text")


@dataclass
class Shelf:
    """One book's reviews: ``reported`` (trusted, reported by a reader), ``doubtful``
    (trust 0.31, nobody reported it) and ``trusted`` (trust 1, unreported)."""

    book: Book
    reported: Review
    doubtful: Review
    trusted: Review


@pytest.fixture
def shelf(book: Book, owner: User, other_user: User, make_user: Any, write: Any) -> Shelf:
    reported = write(owner, book, 1, "Buy my course at example.com instead.", days_ago=20)
    doubtful = write(make_user("fresh"), book, 5, "Best book ever!!! Five stars!!!", days_ago=3)
    trusted = write(make_user("steady"), book, 4, "Careful with the archives.", days_ago=200)
    record_trust(reported, 1.0, [])
    record_trust(doubtful, 0.31, [BURST, COPY])
    record_trust(trusted, 1.0, [])
    report_review(other_user, reported, "spam", "an advert for a course")
    return Shelf(book, *(Review.objects.get(pk=r.pk) for r in (reported, doubtful, trusted)))


def decide(client: Client, review: Review, decision: str, note: str, **place: str) -> Any:
    """Press a decision's button on the desk."""
    data = {"decision": decision, "note": note, **place}
    return client.post(reverse("desk:decide", args=[review.pk]), data)


def desk_html(user: User | None, query: str = "") -> str:
    response = client_for(user).get(reverse("desk:queue") + query)
    assert response.status_code == 200
    return str(response.content.decode())


def queued_ids(user: User, query: str = "") -> list[int]:
    """The reviews on the desk's page, in the order shown."""
    response = client_for(user).get(reverse("desk:queue") + query)
    return [row[0].review.pk for row in response.context["rows"]]
