"""Readers posting and voting on the same book at the same moment, through a live server.

tests/reviews/test_concurrency.py calls the services from threads; this goes through the whole
stack as browsers do: a multi-threaded live server (on the suite's database, SQLite or
PostgreSQL), signed-in sessions, CSRF-checked forms. Several readers each post a review
of one book and vote on every earlier review of it, all at once, while a second thread
per reader sends the same votes again (a double click). Afterwards every count is
exact: one review per reader, one vote per reader per review, helpful counts equal to
the votes, the book's stored rating equal to the rating computed from scratch.
"""

import secrets
import threading
from typing import Any

import pytest
import requests
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from candor.reviews.models import HelpfulVote, Review
from tests.conftest import assert_stored_is_scratch

pytestmark = pytest.mark.django_db(transaction=True)

EARLIER = 4  # reviews already on the book
READERS = 4  # readers posting and voting at once


class Browser:
    """A signed-in reader's browser: session and CSRF cookies, forms posted without redirects."""

    def __init__(self, base: str, user: Any) -> None:
        self.base = base
        self.csrf = secrets.token_hex(16)
        self.http = requests.Session()
        self.http.cookies.set("sessionid", signed_in_session(user))
        self.http.cookies.set("csrftoken", self.csrf)

    def post(self, path: str, data: dict[str, str] | None = None) -> requests.Response:
        form = {"csrfmiddlewaretoken": self.csrf, **(data or {})}
        return self.http.post(self.base + path, data=form, allow_redirects=False, timeout=60)


def signed_in_session(user: Any) -> str:
    """A session key for user, made as a sign-in would (without the sign-in signals)."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


def run_at_once(jobs: list[Any]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(jobs))

    def runner(job: Any) -> None:
        try:
            barrier.wait(timeout=30)
            job()
        except BaseException as error:  # reported to the test, which fails on any
            errors.append(error)

    threads = [threading.Thread(target=runner, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return errors


def expect(response: requests.Response, where: str) -> None:
    assert response.status_code == 302, (response.status_code, response.text[:500])
    assert response.headers["Location"].endswith(where), response.headers["Location"]


def test_readers_posting_and_double_voting_at_once_keep_every_count_exact(
    live_server, book, make_user, write
) -> None:
    earlier = [
        write(make_user(f"earlier{i}"), book, 1 + i % 5, "An earlier view.") for i in range(EARLIER)
    ]
    readers = [make_user(f"reader{i}") for i in range(READERS)]
    browsers = [Browser(live_server.url, reader) for reader in readers]
    book_path = f"/books/{book.slug}/"

    def post_review(browser: Browser, stars: int) -> None:
        answer = browser.post(
            f"{book_path}review/",
            {
                "rating": str(stars),
                "title": "At once",
                "text": "Posted with others.",
                "action": "submit",
            },
        )
        expect(answer, book_path)

    def vote(browser: Browser, review: Review) -> None:
        # Back to the book's page, at the review voted on.
        answer = browser.post(f"/reviews/{review.pk}/helpful/")
        expect(answer, f"#review-{review.pk}")
        assert answer.headers["Location"].startswith(book_path)

    def first_click(browser: Browser, stars: int) -> None:
        post_review(browser, stars)
        for review in earlier:
            vote(browser, review)

    def second_click(browser: Browser) -> None:
        for review in earlier:
            vote(browser, review)

    # Two threads per reader (8 connections at most: the live server's listen queue is 10).
    jobs = [lambda b=b, s=s: first_click(b, s) for b, s in zip(browsers, [5, 4, 2, 1], strict=True)]
    jobs += [lambda b=b: second_click(b) for b in browsers]
    assert run_at_once(jobs) == []

    assert Review.objects.filter(book=book).count() == EARLIER + READERS
    assert set(
        Review.objects.filter(book=book, user__in=readers).values_list("user", flat=True)
    ) == {r.pk for r in readers}
    for review in earlier:
        review.refresh_from_db()
        assert HelpfulVote.objects.filter(review=review).count() == READERS
        assert review.helpful_count == READERS
    assert HelpfulVote.objects.filter(review__book=book).count() == EARLIER * READERS

    assert_stored_is_scratch(book)
    book.refresh_from_db()
    assert book.rating_count == EARLIER + READERS
