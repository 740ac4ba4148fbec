"""A reader downloads everything Candor holds about them, as one JSON file. By persona."""

import json
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from candor.accounts.tokens import create_token
from candor.reviews.services import hide_review, record_order, report_review, vote_helpful
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def traces(owner, other_user, staff, book, make_book, write) -> dict[str, Any]:
    second, third = make_book("Second"), make_book("Third")
    theirs = write(other_user, book, 5, "The other reader's words.", title="Theirs")
    record_order(owner, book, date(2021, 5, 4), "shop")
    record_order(other_user, second, date(2021, 6, 1), "shop")
    mine = write(owner, book, 4, "My words.", title="Mine", days_ago=2)
    hidden = write(owner, second, 2, "Hidden by staff.", title="Hidden")
    hide_review(hidden, by=staff)
    write(owner, third, 1, "Deleted by me.", title="Withdrawn")
    client_for(owner).post(
        reverse("write_review", args=[third.slug]), {"action": "delete-confirmed"}
    )
    vote_helpful(owner, theirs)
    vote_helpful(other_user, mine)
    report_review(owner, theirs, "spam", "Reads like an advert.")
    create_token(owner, "shop sync")
    return {"mine": mine, "theirs": theirs, "book": book}


def download(user) -> Any:  # type: ignore[no-untyped-def]
    return client_for(user).get(reverse("download_everything"))


def test_owner_downloads_profile_reviews_votes_reports_orders(owner, traces) -> None:
    response = download(owner)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert 'filename="candor-data-owner.json"' in response["Content-Disposition"]
    data = json.loads(response.content)
    assert (data["format"], data["version"]) == ("candor-account-data", 1)
    assert data["profile"]["username"] == "owner"
    assert data["profile"]["email"] == "owner@example.com"
    assert data["profile"]["display_name"] == "Olive Owner"
    assert [(r["title"], r["hidden"]) for r in data["reviews"]] == [
        ("Mine", False),
        ("Hidden", True),
    ]
    assert [r["title"] for r in data["deleted_reviews"]] == ["Withdrawn"]
    assert data["deleted_reviews"][0]["deleted_at"] is not None
    assert [(v["review_id"], v["counted"]) for v in data["helpful_votes"]] == [
        (traces["theirs"].pk, True)
    ]
    assert [(r["reason"], r["note"]) for r in data["reports"]] == [
        ("spam", "Reads like an advert.")
    ]
    assert [(o["isbn13"], o["ordered_at"]) for o in data["orders"]] == [
        (traces["book"].isbn13, "2021-05-04")
    ]
    assert [t["name"] for t in data["api_tokens"]] == ["shop sync"]
    assert "digest" not in data["api_tokens"][0]


@pytest.mark.parametrize("who", ["other_user", "staff"])
def test_others_download_only_their_own_data(who, other_user, staff, traces) -> None:
    user = {"other_user": other_user, "staff": staff}[who]
    body = download(user).content.decode()
    data = json.loads(body)
    assert data["profile"]["username"] == user.username
    assert "My words." not in body and "owner@example.com" not in body
    assert "Reads like an advert." not in body and "shop sync" not in body


def test_anonymous_is_sent_to_sign_in(traces) -> None:
    response = download(None)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_data_page_links_the_downloads(owner) -> None:
    page = client_for(owner).get(reverse("your_data")).content.decode()
    for name in ("download_everything", "download_reviews_csv", "download_reviews_json"):
        assert reverse(name) in page
