"""A client retrying a review post, or sending it from several workers at once: the same
POST /books/X/reviews 20 times in parallel with one token saves one review (one 201) and
refuses the rest (409 naming it), on SQLite and PostgreSQL alike."""

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from candor.reviews.models import Review
from tests.conftest import assert_stored_is_scratch

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL = 20


def at_once(job: Any, times: int) -> list[Any]:
    """job() in `times` threads released together; each result, or the error it raised."""
    results: list[Any] = []
    barrier = threading.Barrier(times)

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(job())
        except BaseException as error:  # the test fails on any
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results


def test_twenty_identical_posts_at_once_make_one_review(book, owner, api_as) -> None:
    api = api_as(owner)
    body = {"rating": 4, "title": "Once", "text": "Said once, sent twenty times."}

    responses = at_once(lambda: api.post(f"/books/{book.slug}/reviews", body), PARALLEL)

    assert not [r for r in responses if isinstance(r, BaseException)], responses
    assert Counter(r.status_code for r in responses) == {201: 1, 409: PARALLEL - 1}
    review = Review.objects.get(book=book, user=owner)
    created = next(r for r in responses if r.status_code == 201)
    assert created.json()["id"] == review.pk
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["error"]["fields"] == {"review": str(review.pk)}
    assert (review.rating, review.title) == (4, "Once")
    assert_stored_is_scratch(book)


def test_a_withdrawn_review_comes_back_once(book, owner, api_as) -> None:
    """A reader who deleted their review posts again from two tabs: it comes back once."""
    api = api_as(owner)
    first = api.post(f"/books/{book.slug}/reviews", {"rating": 2, "title": "", "text": ""})
    assert api.delete(f"/reviews/{first.json()['id']}").status_code == 204

    body = {"rating": 5, "title": "", "text": ""}
    responses = at_once(lambda: api.post(f"/books/{book.slug}/reviews", body), 4)

    assert Counter(r.status_code for r in responses) == {201: 1, 409: 3}
    review = Review.objects.get(book=book, user=owner)
    assert review.pk == first.json()["id"] and review.withdrawn_at is None
