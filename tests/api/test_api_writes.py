"""Every write endpoint, for every persona: anonymous, owner, other user, staff.

The owner wrote the review under test; staff tokens may add books and orders but
cannot edit other people's reviews (moderation happens in the admin).
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from candor.catalog.models import Book, EditorialReview
from candor.reviews.models import HelpfulVote, Order, Report, Review
from candor.reviews.services import hide_review
from tests.conftest import stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(owner, other_user, staff):
    return {"anonymous": None, "owner": owner, "other_user": other_user, "staff": staff}


@pytest.fixture
def review(book, owner, write):
    return write(owner, book, 4, "Careful and convincing.", title="Good")


def stored_rating(book: Book) -> float | None:
    return Book.objects.get(pk=book.pk).rating


# --- posting a review -------------------------------------------------------------------


def test_anonymous_cannot_post_a_review(book, api_as) -> None:
    response = api_as(None).post(f"/books/{book.slug}/reviews", {"rating": 5})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Review.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "other_user", "staff"])
def test_signed_in_persona_posts_a_review_and_the_rating_updates_at_once(
    book, personas, api_as, persona
) -> None:
    client = api_as(personas[persona])
    response = client.post(
        f"/books/{book.slug}/reviews", {"rating": 2, "title": " Thin ", "text": "Too short."}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["rating"] == 2
        and body["title"] == "Thin"
        and body["user"] == persona.replace("other_user", "other")
    )
    assert stored_rating(book) is not None
    detail = client.get(f"/books/{book.slug}").json()
    # One rating field: the stored one, as the book page shows it.
    assert "rating" not in detail and "rating_count" not in detail
    assert detail["ratings"]["count"] == 1
    assert detail["ratings"]["rating"] == stored_rating(book)


def test_second_review_of_the_same_book_is_a_conflict(book, owner, review, api_as) -> None:
    response = api_as(owner).post(f"/books/{book.slug}/reviews", {"rating": 1})
    assert response.status_code == 409
    assert response.json()["error"]["fields"] == {"review": str(review.pk)}
    assert Review.objects.get(pk=review.pk).rating == 4


def test_invalid_review_is_422_naming_the_fields(book, owner, api_as) -> None:
    client = api_as(owner)
    response = client.post(f"/books/{book.slug}/reviews", {"rating": 6, "title": "x" * 151})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and {"rating", "title"} <= set(error["fields"])
    nul = client.post(f"/books/{book.slug}/reviews", {"rating": 3, "text": "a\x00b"})
    assert nul.status_code == 422 and "text" in nul.json()["error"]["fields"]
    assert not Review.objects.exists()


def test_malformed_json_is_400(book, owner, api_as) -> None:
    client = api_as(owner)
    response = client.client.post(
        f"/api/v1/books/{book.slug}/reviews",
        data="{not json",
        content_type="application/json",
        headers=client.headers,
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"


def test_review_of_unknown_book_is_404(owner, api_as) -> None:
    response = api_as(owner).post("/books/no-such-book/reviews", {"rating": 3})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


# --- editing and deleting ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"), [("anonymous", 401), ("other_user", 403), ("staff", 403)]
)
def test_only_the_owner_edits_a_review(review, personas, api_as, persona, status) -> None:
    response = api_as(personas[persona]).patch(f"/reviews/{review.pk}", {"rating": 1})
    assert response.status_code == status
    assert Review.objects.get(pk=review.pk).rating == 4


def test_owner_edits_only_the_fields_sent_and_the_rating_follows(
    book, owner, other_user, review, write, api_as
) -> None:
    write(other_user, book, 5)
    before = stored_rating(book)
    response = api_as(owner).patch(f"/reviews/{review.pk}", {"rating": 1})
    assert response.status_code == 200
    body = response.json()
    assert (
        body["rating"] == 1
        and body["title"] == "Good"
        and body["text"] == "Careful and convincing."
    )
    assert stored_rating(book) < before
    assert stored_rating(book) == pytest.approx(stored(book).rating)


@pytest.mark.parametrize(
    ("persona", "status"), [("anonymous", 401), ("other_user", 403), ("staff", 403)]
)
def test_only_the_owner_deletes_a_review(review, personas, api_as, persona, status) -> None:
    response = api_as(personas[persona]).delete(f"/reviews/{review.pk}")
    assert response.status_code == status
    assert Review.objects.filter(pk=review.pk).exists()


def test_owner_deletes_a_review_and_it_leaves_the_rating(book, owner, review, api_as) -> None:
    response = api_as(owner).delete(f"/reviews/{review.pk}")
    assert response.status_code == 204
    # Withdrawn, not removed: posting again brings it back (tests/reviews/test_withdraw.py).
    assert not Review.objects.visible().filter(pk=review.pk).exists()
    assert Review.objects.get(pk=review.pk).withdrawn_at is not None
    book.refresh_from_db()
    assert book.rating is None and book.rating_count == 0
    assert api_as(None).get(f"/reviews/{review.pk}").status_code == 404


def test_others_cannot_find_a_hidden_review_to_edit(review, staff, other_user, api_as) -> None:
    hide_review(review, by=staff)
    response = api_as(other_user).patch(f"/reviews/{review.pk}", {"rating": 1})
    assert response.status_code == 404


# --- helpful votes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 401), ("owner", 403), ("other_user", 201), ("staff", 201)],
)
def test_helpful_vote_matrix(review, personas, api_as, persona, status) -> None:
    response = api_as(personas[persona]).post(f"/reviews/{review.pk}/helpful")
    assert response.status_code == status, response.content
    votes = HelpfulVote.objects.filter(review=review).count()
    assert votes == (1 if status == 201 else 0)
    if status == 201:
        assert response.json() == {"review": review.pk, "helpful_count": 1}


def test_second_helpful_vote_is_a_conflict(review, other_user, api_as) -> None:
    client = api_as(other_user)
    assert client.post(f"/reviews/{review.pk}/helpful").status_code == 201
    again = client.post(f"/reviews/{review.pk}/helpful")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert Review.objects.get(pk=review.pk).helpful_count == 1


def test_vote_on_a_hidden_review_is_404(review, staff, other_user, api_as) -> None:
    hide_review(review, by=staff)
    assert api_as(other_user).post(f"/reviews/{review.pk}/helpful").status_code == 404


# --- reports ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 401), ("owner", 403), ("other_user", 201), ("staff", 201)],
)
def test_report_matrix(review, personas, api_as, persona, status) -> None:
    response = api_as(personas[persona]).post(
        f"/reviews/{review.pk}/reports", {"reason": "spam", "note": "Links to a shop."}
    )
    assert response.status_code == status, response.content
    assert Report.objects.filter(review=review).count() == (1 if status == 201 else 0)


def test_duplicate_and_invalid_reports(review, other_user, api_as) -> None:
    client = api_as(other_user)
    assert client.post(f"/reviews/{review.pk}/reports", {"reason": "fake"}).status_code == 201
    assert client.post(f"/reviews/{review.pk}/reports", {"reason": "fake"}).status_code == 409
    bad = client.post(f"/reviews/{review.pk}/reports", {"reason": "boring"})
    assert bad.status_code == 422 and "reason" in bad.json()["error"]["fields"]


# --- staff: books and orders ------------------------------------------------------------

NEW_BOOK = {
    "title": "The Long Peace",
    "subtitle": "Inquiries into the History of the Cold War",
    "isbn": "0-19-504335-9",
    "contributors": [{"name": "John Lewis Gaddis", "role": "author"}],
    "publisher": "Oxford University Press",
    "year": 1987,
    "pages": 332,
    "price": "19.95",
    "currency": "usd",
}


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 401), ("owner", 403), ("other_user", 403), ("staff", 201)],
)
def test_only_staff_create_books(db, personas, api_as, persona, status) -> None:
    response = api_as(personas[persona]).post("/books", NEW_BOOK)
    assert response.status_code == status, response.content
    assert Book.objects.filter(isbn13="9780195043358").exists() == (status == 201)
    if status == 201:
        body = response.json()
        assert body["isbn13"] == "9780195043358" and body["currency"] == "USD"
        assert body["contributors"] == [{"name": "John Lewis Gaddis", "role": "author"}]
        assert body["ratings"]["rating"] is None and body["publisher"] == "Oxford University Press"


def test_book_creation_refuses_duplicates_and_bad_isbns(staff, api_as) -> None:
    client = api_as(staff)
    assert client.post("/books", NEW_BOOK).status_code == 201
    duplicate = client.post("/books", {**NEW_BOOK, "isbn": "978-0-19-504335-8"})
    assert duplicate.status_code == 409
    bad = client.post("/books", {**NEW_BOOK, "isbn": "0-19-504335-3"})
    assert bad.status_code == 422 and "isbn" in bad.json()["error"]["fields"]
    bad_url = client.post(
        "/books", {**NEW_BOOK, "isbn": "9780804721158", "buy_url": "ftp://example.com/x"}
    )
    assert bad_url.status_code == 422 and "buy_url" in bad_url.json()["error"]["fields"]
    assert Book.objects.count() == 1


ORDER = {"user": "owner", "isbn": "9780804721158", "source": "shop"}


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 401), ("owner", 403), ("other_user", 403), ("staff", 201)],
)
def test_only_staff_record_orders(book, review, personas, api_as, persona, status) -> None:
    ordered_at = (timezone.localdate() - timedelta(days=3)).isoformat()
    response = api_as(personas[persona]).post("/orders", {**ORDER, "ordered_at": ordered_at})
    assert response.status_code == status, response.content
    verified = Review.objects.get(pk=review.pk).verified_purchase
    assert verified == (status == 201)
    if status == 201:
        assert response.json()["verified_review"] is True
        assert stored_rating(book) == pytest.approx(stored(book).rating)


def test_repeated_order_changes_nothing_and_unknowns_are_422(book, owner, staff, api_as) -> None:
    client = api_as(staff)
    order = {**ORDER, "ordered_at": date(2024, 3, 1).isoformat()}
    assert client.post("/orders", order).status_code == 201
    assert client.post("/orders", order).status_code == 200
    assert Order.objects.count() == 1
    unknown_user = client.post("/orders", {**order, "user": "nobody"})
    assert unknown_user.status_code == 422 and "user" in unknown_user.json()["error"]["fields"]
    unknown_book = client.post("/orders", {**order, "isbn": "9780195043358"})
    assert unknown_book.status_code == 422 and "isbn" in unknown_book.json()["error"]["fields"]
    by_email = client.post("/orders", {**order, "user": "OWNER@example.com", "source": "mail"})
    assert by_email.status_code == 201 and by_email.json()["user"] == "owner"


# --- tokens -----------------------------------------------------------------------------


def test_revoked_and_unknown_tokens_are_refused(book, owner, api_as) -> None:
    from candor.accounts.models import ApiToken
    from candor.accounts.tokens import revoke_token

    client = api_as(owner)
    token = ApiToken.objects.get(user=owner)
    assert revoke_token(owner, token.pk)
    assert client.post(f"/books/{book.slug}/reviews", {"rating": 3}).status_code == 401
    client.headers = {"Authorization": "Bearer cnd_made-up"}
    assert client.post(f"/books/{book.slug}/reviews", {"rating": 3}).status_code == 401
    client.headers = {"Authorization": "Basic b3duZXI6cHc="}
    assert client.post(f"/books/{book.slug}/reviews", {"rating": 3}).status_code == 401
    assert not Review.objects.exists()


def test_editorial_reviews_stay_read_only(book, api_as, staff) -> None:
    EditorialReview.objects.create(book=book, source="Kirkus", text="Sharp.")
    response = api_as(staff).post(f"/books/{book.slug}/editorial-reviews", {})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
