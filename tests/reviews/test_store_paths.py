"""Every way a review can change goes through the rating store: after each, the stored
rating of every view equals a from-scratch recompute, and no other book moves."""

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from candor.catalog.models import Book
from candor.reviews import store
from candor.reviews.models import HelpfulVote, Order, Review
from candor.reviews.services import (
    delete_review,
    hide_review,
    override_trust,
    record_order,
    record_trust,
    restore_review,
    vote_helpful,
)
from tests.api.conftest import ApiClient
from tests.conftest import assert_stored_is_scratch, client_for

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[1] / "importers" / "fixtures"


@pytest.fixture
def two_books(book: Book, make_book: Any, owner: Any, other_user: Any, make_user: Any, write: Any):  # type: ignore[no-untyped-def]
    """``book`` with three reviews, and a bystander book with two."""
    bystander = make_book("A Bystander", isbn13="9780306406157")
    write(owner, book, 5, days_ago=900)
    write(other_user, book, 2, days_ago=40)
    write(make_user("third"), book, 4, days_ago=2)
    write(owner, bystander, 3, days_ago=100)
    write(other_user, bystander, 5, days_ago=10)
    return book, bystander


def frozen(book: Book) -> dict[str, Any]:
    return Book.objects.get(pk=book.pk).rating_data


def test_posting_and_editing(two_books, owner, make_user, write) -> None:  # type: ignore[no-untyped-def]
    book, bystander = two_books
    before = frozen(bystander)
    write(make_user("fourth"), book, 1)
    assert_stored_is_scratch(book)
    first = Review.objects.get(book=book, user=owner)
    write(owner, book, 2)  # an edit keeps the original date
    assert Review.objects.get(pk=first.pk).rating == 2
    assert_stored_is_scratch(book, bystander)
    assert frozen(bystander) == before


def test_deleting_hiding_restoring_and_moderator_trust(two_books, other_user, staff) -> None:  # type: ignore[no-untyped-def]
    book, bystander = two_books
    before = frozen(bystander)
    review = Review.objects.get(book=book, user=other_user)
    hide_review(review, by=staff)
    assert_stored_is_scratch(book)
    restore_review(review, by=staff)
    assert_stored_is_scratch(book)
    override_trust(review, by=staff, trust=0.0, note="paid")
    assert_stored_is_scratch(book)
    override_trust(review, by=staff, trust=None)
    record_trust(review, 0.25, [])
    assert_stored_is_scratch(book)
    delete_review(review)
    assert_stored_is_scratch(book)
    assert frozen(bystander) == before


def test_votes_and_orders(two_books, owner, other_user, staff) -> None:  # type: ignore[no-untyped-def]
    book, _ = two_books
    first = Review.objects.get(book=book, user=owner)
    vote_helpful(other_user, first)
    vote_helpful(staff, first)
    assert_stored_is_scratch(book)
    record_order(other_user, book, timezone.localdate() - timedelta(days=60), "shop")
    assert Review.objects.get(book=book, user=other_user).verified_purchase
    assert_stored_is_scratch(book)


def test_staff_in_the_admin(two_books, owner, other_user, staff) -> None:  # type: ignore[no-untyped-def]
    book, bystander = two_books
    admin = client_for(staff)
    review = Review.objects.get(book=book, user=other_user)
    # A customer's stars, date and helpful count cannot be edited by staff.
    page = admin.get(f"/admin/reviews/review/{review.pk}/change/").content.decode()
    assert 'name="rating"' not in page and 'name="created_at_0"' not in page
    assert 'name="helpful_count"' not in page
    admin.post(f"/admin/reviews/review/{review.pk}/change/", {"rating": "1", "_save": "1"})
    assert Review.objects.get(pk=review.pk).rating == 2
    assert admin.get("/admin/reviews/review/add/").status_code == 403
    # Bulk actions: discount, keep, hide, restore.
    for action in ("discount_selected", "keep_selected", "hide_selected", "restore_selected"):
        admin.post(
            "/admin/reviews/review/",
            {"action": action, "_selected_action": [review.pk], "note": "checked by hand"},
        )
        assert_stored_is_scratch(book)
    # Delete one review, then the selected ones.
    admin.post(f"/admin/reviews/review/{review.pk}/delete/", {"post": "yes"})
    assert not Review.objects.filter(pk=review.pk).exists()
    assert_stored_is_scratch(book)
    rest = list(Review.objects.filter(book=bystander).values_list("pk", flat=True))
    admin.post(
        "/admin/reviews/review/",
        {"action": "delete_selected", "_selected_action": rest, "post": "yes"},
    )
    assert not Review.objects.filter(book=bystander).exists()
    assert_stored_is_scratch(book, bystander)
    assert store.shown(Book.objects.get(pk=bystander.pk)).result.rating is None


def test_orders_in_the_admin(two_books, other_user, staff) -> None:  # type: ignore[no-untyped-def]
    book, bystander = two_books
    admin = client_for(staff)
    day = (timezone.localdate() - timedelta(days=90)).isoformat()
    admin.post(
        "/admin/reviews/order/add/",
        {"buyer": "other", "isbn": book.isbn13, "ordered_at": day, "source": "admin"},
    )
    assert Review.objects.get(book=book, user=other_user).verified_purchase
    assert_stored_is_scratch(book)
    # Staff correct the order's book: the review it verified is no longer verified, the
    # other book's review now is, and both books' ratings follow.
    order = Order.objects.get()
    admin.post(
        f"/admin/reviews/order/{order.pk}/change/",
        {"buyer": "other", "isbn": bystander.isbn13, "ordered_at": day, "source": "admin"},
    )
    assert Order.objects.get().book_id == bystander.pk
    assert not Review.objects.get(book=book, user=other_user).verified_purchase
    assert Review.objects.get(book=bystander, user=other_user).verified_purchase
    assert_stored_is_scratch(book, bystander)
    orders = list(Order.objects.values_list("pk", flat=True))
    admin.post(
        "/admin/reviews/order/",
        {"action": "delete_selected", "_selected_action": orders, "post": "yes"},
    )
    assert not Order.objects.exists()
    assert not Review.objects.get(book=bystander, user=other_user).verified_purchase
    assert_stored_is_scratch(book, bystander)


def test_deleting_an_account_in_the_admin(two_books, owner, other_user, staff) -> None:  # type: ignore[no-untyped-def]
    book, bystander = two_books
    voted = Review.objects.get(book=book, user=owner)
    vote_helpful(other_user, voted)
    assert Review.objects.get(pk=voted.pk).helpful_count == 1
    client_for(staff).post(f"/admin/auth/user/{other_user.pk}/delete/", {"post": "yes"})
    assert not Review.objects.filter(user_id=other_user.pk).exists()
    # Their vote left with them, and the count it made.
    assert Review.objects.get(pk=voted.pk).helpful_count == 0
    assert not HelpfulVote.objects.exists()
    assert_stored_is_scratch(book, bystander)


def test_the_api(two_books, make_user, api_as) -> None:  # type: ignore[no-untyped-def]
    book, bystander = two_books
    before = frozen(bystander)
    api: ApiClient = api_as(make_user("reader"))
    created = api.post(f"/books/{book.slug}/reviews", {"rating": 1, "title": "", "text": "No."})
    assert created.status_code == 201
    assert_stored_is_scratch(book)
    review_id = created.json()["id"]
    assert api.patch(f"/reviews/{review_id}", {"rating": 5}).status_code == 200
    assert_stored_is_scratch(book)
    assert api.delete(f"/reviews/{review_id}").status_code == 204
    assert_stored_is_scratch(book)
    assert frozen(bystander) == before


def test_imports(tmp_path, owner, capsys) -> None:  # type: ignore[no-untyped-def]
    for name in ("amazon_items.jsonl", "amazon_reviews.jsonl", "goodreads_library_export.csv"):
        shutil.copy(FIXTURES / name, tmp_path)
    call_command("import", "amazon", str(tmp_path / "amazon_items.jsonl"))
    call_command("import", "amazon", str(tmp_path / "amazon_reviews.jsonl"))
    books = list(Book.objects.all())
    assert Review.objects.exists()
    assert_stored_is_scratch(*books)
    call_command(
        "import", "goodreads", str(tmp_path / "goodreads_library_export.csv"), user=owner.username
    )
    assert_stored_is_scratch(*Book.objects.all())
    call_command("import", "amazon", str(tmp_path / "amazon_reviews.jsonl"), bulk=True)
    assert_stored_is_scratch(*Book.objects.all())


def test_a_trust_run_and_a_rebuild_recompute_the_prior_and_every_book(two_books, capsys) -> None:  # type: ignore[no-untyped-def]
    book, bystander = two_books
    started = timezone.now()
    call_command("trust")
    assert "catalogue prior recomputed and 2 books re-rated" in capsys.readouterr().out
    prior = store.current_prior()
    assert prior.computed_at is not None and prior.computed_at >= started
    assert_stored_is_scratch(book, bystander)
    for data in (frozen(book), frozen(bystander)):
        assert data["prior"]["computed_at"] == prior.computed_at.isoformat()
    call_command("rebuild_ratings")
    assert "the ratings of 2 books" in capsys.readouterr().out
    assert_stored_is_scratch(book, bystander)


def test_a_posted_review_never_moves_another_book_until_the_prior_is_recomputed(
    two_books, make_user, write
) -> None:  # type: ignore[no-untyped-def]
    book, bystander = two_books
    store.rebuild()
    before = frozen(bystander)
    for n in range(30):
        write(make_user(f"fan{n}"), book, 1)
    assert frozen(bystander) == before
    store.rebuild()
    moved = store.shown(Book.objects.get(pk=bystander.pk)).result.rating
    assert moved == pytest.approx(before["scores"]["candor"]["rating"], abs=0.01)
