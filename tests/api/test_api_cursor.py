"""Cursor pagination of a book's reviews: complete, in order, stable under inserts."""

import pytest
from django.utils import timezone

from candor.reviews.models import Review
from candor.reviews.services import vote_helpful

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_reviews(book, make_user, write):
    """Twelve reviews by twelve users, stars 1-5 in turn, some with helpful votes."""
    users = [make_user(f"reader{n}") for n in range(12)]
    reviews = [write(user, book, n % 5 + 1, days_ago=n) for n, user in enumerate(users)]
    for n, review in enumerate(reviews[:6]):
        for voter in users[: n % 3]:
            if voter != review.user:
                vote_helpful(voter, review)
    return reviews


def walk(api, path: str, limit: int) -> list[dict]:
    """Follow next_cursor from the first page to the last; every item seen, in order."""
    seen, cursor = [], None
    for _ in range(100):
        suffix = f"&cursor={cursor}" if cursor else ""
        page = api.get(f"{path}{'&' if '?' in path else '?'}limit={limit}{suffix}").json()
        assert len(page["items"]) <= limit
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("sort", ["helpful", "recent"])
def test_pages_cover_every_review_once_in_the_sort_order(book, many_reviews, api_as, sort) -> None:
    api = api_as(None)
    items = walk(api, f"/books/{book.slug}/reviews?sort={sort}", limit=5)
    expected = Review.objects.filter(book=book, hidden=False)
    if sort == "helpful":
        expected = expected.order_by("-helpful_count", "-created_at", "-id")
    else:
        expected = expected.order_by("-created_at", "-id")
    assert [item["id"] for item in items] == [review.pk for review in expected]


def test_star_filter_pages_hold_only_that_star(book, many_reviews, api_as) -> None:
    items = walk(api_as(None), f"/books/{book.slug}/reviews?stars=3&sort=recent", limit=1)
    assert [item["rating"] for item in items] == [3, 3]


def test_reviews_posted_between_pages_neither_repeat_nor_skip(
    book, many_reviews, make_user, write, api_as
) -> None:
    api = api_as(None)
    first = api.get(f"/books/{book.slug}/reviews?sort=recent&limit=4").json()
    for n in range(3):  # newer than everything: they belong before the first page
        write(make_user(f"late{n}"), book, 5)
    rest = walk(api, f"/books/{book.slug}/reviews?sort=recent&cursor={first['next_cursor']}", 4)
    ids = [item["id"] for item in first["items"] + rest]
    assert ids == [r.pk for r in sorted(many_reviews, key=lambda r: r.created_at, reverse=True)]


def test_the_last_page_has_no_cursor(book, owner, write, api_as) -> None:
    write(owner, book, 5)
    page = api_as(None).get(f"/books/{book.slug}/reviews").json()
    assert len(page["items"]) == 1 and page["next_cursor"] is None
    assert page["items"][0]["created_at"] <= timezone.now().isoformat()


def test_forged_or_mismatched_cursors_are_400(book, many_reviews, api_as) -> None:
    api = api_as(None)
    cursor = api.get(f"/books/{book.slug}/reviews?sort=recent&limit=2").json()["next_cursor"]
    forged = api.get(f"/books/{book.slug}/reviews?sort=recent&cursor={cursor[:-2]}xx")
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "bad_cursor"
    other_sort = api.get(f"/books/{book.slug}/reviews?sort=helpful&cursor={cursor}")
    assert other_sort.status_code == 400 and "cursor" in other_sort.json()["error"]["fields"]
    bad_limit = api.get(f"/books/{book.slug}/reviews?limit=0")
    assert bad_limit.status_code == 422 and "limit" in bad_limit.json()["error"]["fields"]
    assert api.get("/books/no-such-book/reviews").status_code == 404
