"""Staff enter orders by the buyer's username or e-mail address and the book's ISBN, on
the desk or in the admin; never by numeric ids. Bad input is refused field by field and
stores nothing."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from candor.reviews.models import AuditEntry, Order, Review
from tests.conftest import assert_stored_is_scratch, client_for

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> str:
    return str(timezone.localdate() - timedelta(days=days))


def desk_order(client, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("desk:enter_order"), fields)


@pytest.mark.parametrize(
    "buyer, isbn",
    [
        ("owner", "9780804721158"),
        ("OWNER@example.com", "0-8047-2115-7"),  # e-mail in any case; an ISBN-10
        (" owner ", "978-0-8047-2115-8"),
    ],
)
def test_staff_enter_an_order_on_the_desk_and_the_review_becomes_verified(
    staff, owner, shelf, buyer, isbn
) -> None:
    assert not shelf.reported.verified_purchase
    response = desk_order(
        client_for(staff), buyer=buyer, isbn=isbn, ordered_at=days_ago(30), note="shop #1182"
    )
    assert response.status_code == 302 and response["Location"].endswith("#orders")
    order = Order.objects.get()
    assert (order.user, order.book, order.source) == (owner, shelf.book, "desk")
    assert Review.objects.get(pk=shelf.reported.pk).verified_purchase
    assert_stored_is_scratch(shelf.book)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.moderator, entry.reader, entry.book) == (
        "order",
        staff,
        owner,
        shelf.book,
    )
    assert entry.note == "shop #1182" and "owner bought “Uncertain Partners”" in entry.subject


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"buyer": "nobody"}, "buyer", "No account has the username or e-mail address"),
        ({"buyer": ""}, "buyer", "This field is required."),
        ({"isbn": "978-0-8047-2115-9"}, "isbn", "is not a valid ISBN"),
        ({"isbn": "9780306406157"}, "isbn", "No book in the catalogue has the ISBN 9780306406157"),
        ({"ordered_at": "31/03/2024"}, "ordered_at", "Enter a date like 2025-03-31."),
        ({"ordered_at": days_ago(-2)}, "ordered_at", "cannot be dated in the future"),
    ],
)
def test_a_bad_order_is_refused_by_field_and_nothing_is_stored(
    staff, shelf, fields, field, message
) -> None:
    good = {"buyer": "owner", "isbn": shelf.book.isbn13, "ordered_at": days_ago(3)}
    response = desk_order(client_for(staff), **{**good, **fields})
    assert response.status_code == 400
    errors = response.context["order_form"].errors
    assert list(errors) == [field] and message in " ".join(errors[field])
    assert message.replace("“", "") in response.content.decode().replace("&#x27;", "'")
    assert not Order.objects.exists() and not AuditEntry.objects.exists()


def test_an_e_mail_shared_by_two_accounts_asks_for_the_username(staff, shelf, make_user) -> None:
    twin = make_user("twin")  # an address used twice (accounts made by staff, say)
    User.objects.filter(pk=twin.pk).update(email="Owner@Example.com")
    response = desk_order(
        client_for(staff), buyer="owner@example.com", isbn=shelf.book.isbn13, ordered_at=days_ago(3)
    )
    assert response.status_code == 400
    assert "enter the buyer&#x27;s username instead" in response.content.decode()
    assert not Order.objects.exists()


def test_staff_add_and_edit_an_order_in_the_admin_by_username_and_isbn(
    staff, owner, other_user, shelf, make_book
) -> None:
    admin = client_for(staff)
    form = admin.get("/admin/reviews/order/add/").content.decode()
    assert 'name="buyer"' in form and 'name="isbn"' in form
    assert 'name="user"' not in form and 'name="book"' not in form
    day = days_ago(40)
    added = {"buyer": "owner@example.com", "isbn": "0804721157", "ordered_at": day}
    assert admin.post("/admin/reviews/order/add/", {**added, "source": "phone"}).status_code == 302
    order = Order.objects.get()
    assert (order.user, order.book, order.source) == (owner, shelf.book, "phone")
    assert Review.objects.get(pk=shelf.reported.pk).verified_purchase
    # The same order again is refused with a message, not a server error.
    again = admin.post("/admin/reviews/order/add/", {**added, "source": "phone"})
    assert again.status_code == 200 and "This order is already recorded." in again.content.decode()
    # Editing shows the buyer and the ISBN; moving the order to another reader's purchase
    # un-verifies the first review.
    change = f"/admin/reviews/order/{order.pk}/change/"
    page = admin.get(change).content.decode()
    assert 'value="owner"' in page and 'value="9780804721158"' in page
    edited = {"buyer": "other", "isbn": shelf.book.isbn13, "ordered_at": day, "source": "phone"}
    assert admin.post(change, edited).status_code == 302
    assert Order.objects.get().user == other_user
    assert not Review.objects.get(pk=shelf.reported.pk).verified_purchase
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == ["order", "order"]
    admin.post(
        "/admin/reviews/order/",
        {"action": "delete_selected", "_selected_action": [order.pk], "post": "yes"},
    )
    assert not Order.objects.exists()
    assert AuditEntry.objects.order_by("-pk").first().action == "order-delete"  # type: ignore[union-attr]


def test_the_admin_refuses_an_unknown_buyer_or_isbn_without_storing(staff, shelf) -> None:
    admin = client_for(staff)
    bad = {"buyer": "ghost", "isbn": "123", "ordered_at": days_ago(-1), "source": "admin"}
    page = admin.post("/admin/reviews/order/add/", bad).content.decode()
    assert "No account has the username or e-mail address" in page
    assert "is not a valid ISBN" in page
    assert "An order cannot be dated in the future." in page
    assert not Order.objects.exists()
