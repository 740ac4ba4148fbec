"""Nobody changes, hides or sees the private side of what is not theirs.

Every web view that changes a review or shows something private, with the four personas:
owner (wrote the review), other user, anonymous and staff. Staff moderate in the admin;
on the public site they are readers like any other.
"""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from candor.reviews.models import HelpfulVote, Report, Review
from candor.reviews.services import hide_review
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PERSONAS = ["owner", "other_user", "anonymous", "staff"]


@pytest.fixture
def persona(request, owner, other_user, staff) -> Callable[[str], User | None]:
    users = {"owner": owner, "other_user": other_user, "staff": staff, "anonymous": None}
    return users.__getitem__


@pytest.fixture
def review(book, owner, write) -> Review:
    return write(owner, book, 4, "The owner's own words.", title="Mine")


def signs_in_first(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("who", ["other_user", "anonymous", "staff"])
def test_nobody_but_the_owner_edits_a_review(who, persona, book, review) -> None:
    client = client_for(persona(who))
    response = client.post(
        reverse("write_review", args=[book.slug]),
        {"rating": "1", "title": "Hijacked", "text": "Replaced.", "action": "submit"},
    )
    review.refresh_from_db()
    assert (review.rating, review.title, review.text) == (4, "Mine", "The owner's own words.")
    if who == "anonymous":
        assert signs_in_first(response)
        assert Review.objects.count() == 1
    else:
        # A signed-in reader's submit makes or edits their own review, never the owner's.
        assert Review.objects.get(title="Hijacked").user == persona(who)


def test_owner_edits_their_own_review(owner, book, review) -> None:
    client_for(owner).post(
        reverse("write_review", args=[book.slug]),
        {"rating": "2", "title": "Changed my mind", "text": "", "action": "submit"},
    )
    review.refresh_from_db()
    assert (review.rating, review.title) == (2, "Changed my mind")


@pytest.mark.parametrize("who", ["other_user", "staff"])
def test_edit_form_never_shows_someone_elses_review(who, persona, book, review) -> None:
    html = client_for(persona(who)).get(reverse("write_review", args=[book.slug])).content
    assert b"Edit your review" not in html and b'value="Mine"' not in html
    owner_html = client_for(review.user).get(reverse("write_review", args=[book.slug])).content
    assert b'value="Mine"' in owner_html


@pytest.mark.parametrize(
    ("who", "counted"),
    [("owner", False), ("other_user", True), ("anonymous", False), ("staff", True)],
)
def test_helpful_votes_only_from_other_signed_in_readers(who, counted, persona, review) -> None:
    response = client_for(persona(who)).post(reverse("helpful", args=[review.pk]))
    assert HelpfulVote.objects.filter(review=review).exists() is counted
    if who == "anonymous":
        assert signs_in_first(response)


@pytest.mark.parametrize(
    ("who", "queued"),
    [("owner", False), ("other_user", True), ("anonymous", False), ("staff", True)],
)
def test_reports_only_from_other_signed_in_readers(who, queued, persona, review) -> None:
    response = client_for(persona(who)).post(
        reverse("report", args=[review.pk]), {"reason": Report.Reason.SPAM, "note": "x"}
    )
    assert Report.objects.filter(review=review).exists() is queued
    if who == "anonymous":
        assert signs_in_first(response)


@pytest.mark.parametrize("who", PERSONAS)
def test_hidden_review_cannot_be_voted_reported_or_seen_by_anyone(who, persona, staff, review):  # type: ignore[no-untyped-def]
    hide_review(review, by=staff, reason="abuse")
    client = client_for(persona(who))
    for name in ("helpful", "report"):
        response = client.post(reverse(name, args=[review.pk]), {"reason": "spam"})
        assert response.status_code == 404 or signs_in_first(response)
    for page in (review.book.get_absolute_url(), reverse("profile", args=["owner"])):
        assert "The owner&#x27;s own words." not in client.get(page).content.decode()
    assert not HelpfulVote.objects.exists() and not Report.objects.exists()


@pytest.mark.parametrize("who", ["owner", "other_user", "anonymous"])
def test_only_staff_can_hide_reviews_in_the_admin(who, persona, review) -> None:
    response = client_for(persona(who)).post(
        reverse("admin:reviews_review_changelist"),
        {"action": "hide_selected", "_selected_action": [review.pk]},
    )
    review.refresh_from_db()
    assert not review.hidden
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_staff_hides_a_review_in_the_admin(staff, review) -> None:
    client_for(staff).post(
        reverse("admin:reviews_review_changelist"),
        {"action": "hide_selected", "_selected_action": [review.pk], "note": "abuse"},
    )
    review.refresh_from_db()
    assert review.hidden


@pytest.mark.parametrize("who", ["owner", "other_user", "anonymous"])
def test_only_staff_open_the_admin_change_page(who, persona, review) -> None:
    url = reverse("admin:reviews_review_change", args=[review.pk])
    response = client_for(persona(who)).get(url)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
