"""The book page reuses its rating and chart between changes, and never shows a stale one."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candor.catalog.models import Book
from candor.reviews.models import RatingMonth
from candor.reviews.rating import book_rating, rebuild_book_state, shown_rating
from candor.reviews.services import hide_review, vote_helpful
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def shown_value(book: Book, view: str = "candor") -> str:
    page = client_for(None).get(reverse("book", args=[book.slug]), {"view": view})
    assert page.status_code == 200
    text = page.content.decode()
    start = text.index('data-testid="rating-value">') + len('data-testid="rating-value">')
    return text[start : text.index("<", start)]


def months_read(book: Book) -> int:
    with CaptureQueriesContext(connection) as queries:
        client_for(None).get(reverse("book", args=[book.slug]))
    return sum(RatingMonth._meta.db_table in q["sql"] for q in queries.captured_queries)


def test_anonymous_second_view_of_an_unchanged_book_does_not_recompute(
    book: Book, owner: Any, other_user: Any, write: Any
) -> None:
    write(owner, book, 5, days_ago=400)
    write(other_user, book, 2, days_ago=3)
    assert months_read(book) == 1
    assert months_read(book) == 0


def shown_now(book: Book) -> float:
    """What a page shows after the change, read afresh as another server process would."""
    fresh = Book.objects.get(pk=book.pk)
    shown = shown_rating(fresh).result
    assert shown.rating is not None
    assert shown.rating == pytest.approx(book_rating(fresh).rating, abs=1e-9)
    return shown.rating


def test_every_change_is_shown_at_once_to_every_visitor(
    book: Book, owner: Any, other_user: Any, staff: Any, make_user: Any, write: Any
) -> None:
    write(owner, book, 5, days_ago=400)
    second = write(other_user, book, 1, days_ago=3)
    seen = [shown_now(book)]
    write(make_user("third"), book, 4)  # a new review
    seen.append(shown_now(book))
    vote_helpful(owner, second)  # a helpful vote
    seen.append(shown_now(book))
    hide_review(second, by=staff)  # moderation
    seen.append(shown_now(book))
    assert len(set(seen)) == 4
    book.refresh_from_db()
    assert shown_value(book) == f"{book_rating(book).rating:.1f}"


def test_a_state_rebuilt_in_bulk_is_shown_although_the_version_did_not_move(
    book: Book, owner: Any, other_user: Any, write: Any
) -> None:
    """The importers' bulk path writes states and the stored rating, not the version."""
    write(owner, book, 5, days_ago=10)
    before = shown_rating(book)
    write(other_user, book, 1, days_ago=5)
    rebuild_book_state(book)
    rating = book_rating(book)
    Book.objects.filter(pk=book.pk).update(rating=rating.rating, rating_count=rating.count)
    book.refresh_from_db()
    after = shown_rating(book)
    assert after.result.count == before.result.count + 1
    assert after.result.rating == pytest.approx(rating.rating)


def test_each_view_is_cached_apart(book: Book, owner: Any, other_user: Any, write: Any) -> None:
    write(owner, book, 5, days_ago=2000)  # old: counts little in Candor's view
    write(other_user, book, 1, days_ago=1)
    candor, as_posted = shown_value(book), shown_value(book, "as_posted")
    assert as_posted == "3.0"
    assert candor != as_posted
    assert shown_value(book) == candor


def test_switched_off_the_page_computes_every_time(
    settings: Any, book: Book, owner: Any, write: Any
) -> None:
    settings.SHOWN_RATING_SECONDS = 0
    write(owner, book, 4)
    assert months_read(book) == 1
    assert months_read(book) == 1
