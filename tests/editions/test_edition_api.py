"""The API gives each book its work (id, editions, rating) and this edition's own
rating, next to the fields it always had; reviews of every edition on request."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def get(path: str) -> dict:  # type: ignore[type-arg]
    response = Client().get(f"/api/v1{path}")
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def test_a_book_carries_its_work_and_its_own_rating(three_editions) -> None:  # type: ignore[no-untyped-def]
    hardcover, paperback, ebook = three_editions
    data = get(f"/books/{ebook.slug}")
    # The fields clients already read: the rating the page shows, now the work's.
    assert data["ratings"]["rating"] == pytest.approx(ebook.rating)
    assert data["ratings"]["count"] == 8
    assert (data["format"], data["language"], data["work_id"]) == ("ebook", "en", ebook.work_id)
    assert data["work"]["id"] == ebook.work_id
    assert data["work"]["rating"] == data["ratings"]["rating"]
    assert [e["slug"] for e in data["work"]["editions"]] == [
        hardcover.slug,
        paperback.slug,
        ebook.slug,
    ]
    assert data["edition_ratings"]["count"] == 0 and data["edition_ratings"]["rating"] is None
    own = get(f"/books/{paperback.slug}?view=as_posted")["edition_ratings"]
    assert (own["view"], own["count"], own["rating"]) == ("as_posted", 2, pytest.approx(2.5))


def test_the_list_gives_work_and_edition_ratings(three_editions) -> None:  # type: ignore[no-untyped-def]
    hardcover, paperback, _ = three_editions
    [row] = get(f"/books?isbn={paperback.isbn13}")
    assert row["work_id"] == hardcover.work_id
    assert (row["rating_count"], row["edition_rating_count"]) == (8, 2)
    assert row["rating"] == pytest.approx(hardcover.rating)


def test_reviews_of_one_edition_or_of_all(three_editions) -> None:  # type: ignore[no-untyped-def]
    hardcover, paperback, _ = three_editions
    own = get(f"/books/{paperback.slug}/reviews?limit=100")["items"]
    assert {item["book"] for item in own} == {paperback.slug} and len(own) == 2
    every = get(f"/books/{paperback.slug}/reviews?limit=100&editions=all")["items"]
    assert {item["book"] for item in every} == {hardcover.slug, paperback.slug}
    assert len(every) == 8
