"""The permission matrix, continued: API review writes, tokens, downloads and essay drafts.

Personas as everywhere: owner (wrote the review), other user, anonymous and staff. Essays are
written by staff in the admin, so on the site the owner of a review is a reader like any other.
"""

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from candor.accounts.models import ApiToken
from candor.accounts.tokens import create_token
from candor.essays.models import Essay, Reviewer
from candor.essays.services import save_essay
from candor.reviews.models import Review
from candor.reviews.services import hide_review
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PERSONAS = ["owner", "other_user", "anonymous", "staff"]


@pytest.fixture
def persona(owner, other_user, staff) -> Callable[[str], User | None]:
    users = {"owner": owner, "other_user": other_user, "staff": staff, "anonymous": None}
    return users.__getitem__


@pytest.fixture
def review(book, owner, write) -> Review:
    return write(owner, book, 4, "The owner's own words.", title="Mine")


def api(user: User | None, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {create_token(user, 'tests')[1]}"} if user else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(Client(), method)(f"/api/v1{path}", **kwargs)


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 200), ("other_user", 403), ("anonymous", 401), ("staff", 403)]
)
def test_only_the_owner_edits_a_review_through_the_api(who, status, persona, review) -> None:
    response = api(persona(who), "patch", f"/reviews/{review.pk}", {"title": "Changed"})
    assert response.status_code == status
    review.refresh_from_db()
    assert (review.title == "Changed") is (who == "owner")


@pytest.mark.parametrize(
    ("who", "status"), [("owner", 204), ("other_user", 403), ("anonymous", 401), ("staff", 403)]
)
def test_only_the_owner_deletes_a_review_through_the_api(who, status, persona, review) -> None:
    response = api(persona(who), "delete", f"/reviews/{review.pk}")
    assert response.status_code == status
    # The owner's delete withdraws the review (kept out of sight, tests/reviews/test_withdraw.py).
    assert Review.objects.visible().filter(pk=review.pk).exists() is (who != "owner")


@pytest.mark.parametrize("who", ["other_user", "anonymous", "staff"])
def test_a_hidden_review_does_not_exist_in_the_api_for_others(who, persona, staff, review):  # type: ignore[no-untyped-def]
    hide_review(review, by=staff, reason="abuse")
    assert api(persona(who), "get", f"/reviews/{review.pk}").status_code == 404
    listing = api(persona(who), "get", f"/books/{review.book.slug}/reviews").content
    assert b"The owner's own words." not in listing


@pytest.mark.parametrize("who", ["other_user", "staff"])
def test_nobody_revokes_someone_elses_token(who, persona, owner) -> None:
    token, _ = create_token(owner, "owner's laptop")
    client_for(persona(who)).post(reverse("revoke_api_token", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None


def test_owner_revokes_their_own_token(owner) -> None:
    token, _ = create_token(owner, "old laptop")
    client_for(owner).post(reverse("revoke_api_token", args=[token.pk]))
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


@pytest.mark.parametrize("who", ["other_user", "staff"])
def test_downloads_hold_only_the_signed_in_users_reviews(who, persona, review) -> None:
    for name in ("download_reviews_csv", "download_reviews_json"):
        body = client_for(persona(who)).get(reverse(name)).content
        assert b"The owner's own words." not in body
    assert (
        b"The owner's own words."
        in client_for(review.user).get(reverse("download_reviews_json")).content
    )


def test_anonymous_cannot_download_or_make_tokens() -> None:
    client = client_for(None)
    for name in ("download_reviews_csv", "download_reviews_json", "create_api_token"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.fixture
def draft(book) -> Essay:
    reviewer = Reviewer.objects.create(name="Rosa Reviewer")
    essay = Essay(
        title="Unfinished thoughts",
        body_markdown="Not ready for readers.",
        reviewer=reviewer,
        published_on=date(2024, 3, 5),
        status=Essay.Status.DRAFT,
    )
    return save_essay(essay, books=[book], tags=[])


@pytest.mark.parametrize("who", PERSONAS)
def test_essay_drafts_are_seen_by_staff_only(who, persona, draft) -> None:
    client = client_for(persona(who))
    expected = 200 if who == "staff" else 404
    page = draft.get_absolute_url()
    for url in (page, draft.citation_url("bib")):
        assert client.get(url).status_code == expected, url
    for listing in (reverse("essays:index"), draft.books.first().get_absolute_url()):
        shown = b"Unfinished thoughts" in client.get(listing).content
        assert not shown or who == "staff"
    assert api(persona(who), "get", f"/essays/{draft.pk}").status_code == 404 or who == "staff"
