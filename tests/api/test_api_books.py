"""The API shows the same engine numbers as the book page."""

import pytest

from tests.conftest import client_for, stored

pytestmark = pytest.mark.django_db


def test_anonymous_reads_a_book_with_the_engines_rating(book, owner, other_user, write) -> None:
    write(owner, book, 5)
    write(other_user, book, 2, days_ago=900)
    data = client_for(None).get(f"/api/v1/books/{book.slug}").json()
    expected = stored(book)
    assert data["isbn13"] == "9780804721158" and data["title"] == "Uncertain Partners"
    ratings = data["ratings"]
    assert ratings["rating"] == pytest.approx(expected.rating, abs=1e-9)
    assert ratings["count"] == 2 and sum(ratings["stars"].values()) == 100
    assert ratings["interval"][0] <= ratings["rating"] <= ratings["interval"][1]
    assert ratings["explanation"][0]["code"] == "simple_average"
    assert [c["role"] for c in data["contributors"]] == ["author", "co-author", "co-author"]


def test_as_posted_view_is_the_simple_average(book, owner, other_user, write) -> None:
    write(owner, book, 5)
    write(other_user, book, 2)
    ratings = client_for(None).get(f"/api/v1/books/{book.slug}?view=as_posted").json()["ratings"]
    assert ratings["rating"] == pytest.approx(3.5) and ratings["view"] == "as_posted"


def test_unrated_book_has_no_fake_zero(book) -> None:
    ratings = client_for(None).get(f"/api/v1/books/{book.slug}").json()["ratings"]
    assert ratings["rating"] is None and ratings["count"] == 0 and ratings["interval"] is None


def test_errors_have_the_stable_shape(book) -> None:
    client = client_for(None)
    missing = client.get("/api/v1/books/no-such-book")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad_view = client.get(f"/api/v1/books/{book.slug}?view=bogus")
    assert bad_view.status_code == 422 and "view" in bad_view.json()["error"]["fields"]


def test_search_by_isbn10_and_filter_by_author(book, make_book) -> None:
    make_book("Unrelated", authors=["Someone Else"])
    client = client_for(None)
    assert [b["slug"] for b in client.get("/api/v1/books?isbn=0804721157").json()] == [book.slug]
    by_author = client.get("/api/v1/books?author=xue-litai").json()
    assert [b["title"] for b in by_author] == ["Uncertain Partners"]
    not_isbn = client.get("/api/v1/books?isbn=Uncertain")
    assert not_isbn.status_code == 422 and "isbn" in not_isbn.json()["error"]["fields"]


def test_openapi_schema_is_published_with_every_endpoint_and_bearer_auth() -> None:
    schema = client_for(None).get("/api/v1/openapi.json").json()
    operations = {
        (method.upper(), path) for path, methods in schema["paths"].items() for method in methods
    }
    assert operations == {
        ("GET", "/api/v1/books"),
        ("POST", "/api/v1/books"),
        ("GET", "/api/v1/books/{slug}"),
        ("GET", "/api/v1/books/{slug}/editorial-reviews"),
        ("GET", "/api/v1/books/{slug}/reviews"),
        ("POST", "/api/v1/books/{slug}/reviews"),
        ("GET", "/api/v1/reviews/{review_id}"),
        ("PATCH", "/api/v1/reviews/{review_id}"),
        ("DELETE", "/api/v1/reviews/{review_id}"),
        ("POST", "/api/v1/reviews/{review_id}/helpful"),
        ("POST", "/api/v1/reviews/{review_id}/reports"),
        ("POST", "/api/v1/orders"),
        ("GET", "/api/v1/essays"),
        ("GET", "/api/v1/essays/{essay_id}"),
    }
    schemes = schema["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())


def test_search_by_words_and_filter_by_series(book, make_book) -> None:
    make_book("Partners in Crime", authors=["Agatha Christie"])
    client = client_for(None)
    assert [b["slug"] for b in client.get("/api/v1/books?series=studies-in-testing").json()] == [
        book.slug
    ]
    titles = sorted(b["title"] for b in client.get("/api/v1/books?q=partners").json())
    assert titles == ["Partners in Crime", "Uncertain Partners"]
    both = client.get("/api/v1/books?q=partners&author=xue-litai").json()
    assert [b["title"] for b in both] == ["Uncertain Partners"]
    assert client.get("/api/v1/books?q=nothing-matches-this").json() == []


def test_editorial_reviews_of_a_book(book) -> None:
    from candor.catalog.models import EditorialReview

    EditorialReview.objects.create(
        book=book, source="Foreign Affairs", reviewer="A. Critic", text="Essential.", position=1
    )
    EditorialReview.objects.create(book=book, source="Kirkus", text="Detailed.", position=0)
    client = client_for(None)
    reviews = client.get(f"/api/v1/books/{book.slug}/editorial-reviews").json()
    assert [r["source"] for r in reviews] == ["Kirkus", "Foreign Affairs"]
    assert reviews[1] == {
        "source": "Foreign Affairs",
        "reviewer": "A. Critic",
        "text": "Essential.",
        "copyright_line": "",
    }
    assert client.get("/api/v1/books/nope/editorial-reviews").status_code == 404


def test_one_review_is_readable_until_hidden(book, owner, staff, write) -> None:
    from candor.reviews.services import hide_review

    review = write(owner, book, 4, "Solid.", title="Worth it")
    client = client_for(None)
    data = client.get(f"/api/v1/reviews/{review.pk}").json()
    assert data["rating"] == 4 and data["display_name"] == "Olive Owner"
    assert data["book"] == book.slug and data["user"] == "owner"
    hide_review(review, by=staff)
    assert client.get(f"/api/v1/reviews/{review.pk}").status_code == 404


def test_unknown_routes_and_bad_parameters_answer_in_the_error_shape() -> None:
    client = client_for(None)
    for path in ("/api/v1/nothing-here", "/api/v2/books", "/api/v1/books/a/b/c"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    too_big = client.get("/api/v1/reviews/99999999999999999999999")
    assert too_big.status_code == 422 and "review_id" in too_big.json()["error"]["fields"]


def test_docs_page_is_served_without_a_cdn() -> None:
    page = client_for(None).get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui-bundle.js" in html and "cdn." not in html


def test_a_server_error_still_answers_in_the_error_shape(book, monkeypatch) -> None:
    from django.test import Client

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr("candor.api.books.store.shown", broken)
    response = Client(raise_request_exception=False).get(f"/api/v1/books/{book.slug}")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "simulated" not in response.content.decode()
