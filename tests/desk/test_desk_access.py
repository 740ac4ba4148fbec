"""Only staff use the moderation desk: a reader gets 403, a visitor is sent to sign in,
and neither can change anything through it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from candor.reviews.models import AuditEntry, Order, Report, Review
from tests.conftest import client_for
from tests.desk.conftest import decide

pytestmark = pytest.mark.django_db

PAGES = ["desk:queue", "desk:log"]


@pytest.mark.parametrize("page", PAGES)
def test_staff_open_the_desk_pages(staff, shelf, page) -> None:
    response = client_for(staff).get(reverse(page))
    assert response.status_code == 200
    assert "Audit log" in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_a_reader_gets_403(owner, other_user, shelf, page) -> None:
    for reader in (owner, other_user):
        response = client_for(reader).get(reverse(page))
        assert response.status_code == 403
        assert "Buy my course" not in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_a_visitor_is_sent_to_sign_in(shelf, page) -> None:
    response = client_for(None).get(reverse(page))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse(page)}"


def test_staff_without_the_right_to_change_reviews_get_403(make_user, shelf) -> None:
    clerk = make_user("clerk")
    clerk.is_staff = True
    clerk.save()
    assert client_for(clerk).get(reverse("desk:queue")).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="change_review"))
    assert client_for(clerk).get(reverse("desk:queue")).status_code == 200
    # Entering orders needs the right to add them.
    day = str(timezone.localdate() - timedelta(days=3))
    order = {"buyer": "owner", "isbn": shelf.book.isbn13, "ordered_at": day}
    assert client_for(clerk).post(reverse("desk:enter_order"), order).status_code == 403
    assert not Order.objects.exists()


@pytest.mark.parametrize("persona", ["owner", "other_user", "anonymous"])
def test_nobody_but_staff_decides_or_enters_orders(persona, owner, other_user, shelf) -> None:
    client = client_for({"owner": owner, "other_user": other_user}.get(persona))

    def refused(response) -> bool:  # type: ignore[no-untyped-def]
        if persona == "anonymous":
            return response.status_code == 302 and response["Location"].startswith(reverse("login"))
        return response.status_code == 403

    for decision in ("hide", "keep", "discount"):
        assert refused(decide(client, shelf.reported, decision, "not mine to decide"))
    day = str(timezone.localdate() - timedelta(days=3))
    order = {"buyer": "owner", "isbn": shelf.book.isbn13, "ordered_at": day}
    assert refused(client.post(reverse("desk:enter_order"), order))
    reported = Review.objects.get(pk=shelf.reported.pk)
    assert not reported.hidden and reported.trust_override is None
    assert Report.objects.get().resolved_at is None
    assert not AuditEntry.objects.exists() and not Order.objects.exists()


def test_the_header_links_staff_to_the_desk(staff, other_user, shelf) -> None:
    home = reverse("home")
    assert reverse("desk:queue") in client_for(staff).get(home).content.decode()
    assert reverse("desk:queue") not in client_for(other_user).get(home).content.decode()
