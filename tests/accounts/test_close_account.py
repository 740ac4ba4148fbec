"""A reader deletes their account: their reviews go, or stay under no name, as they
choose; the ratings are recomputed either way. By persona: owner, other user,
anonymous, staff."""

import json
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from candor.accounts.models import ApiToken
from candor.accounts.services import FORMER_READER
from candor.accounts.tokens import create_token
from candor.reviews.models import HelpfulVote, Order, Report, Review
from candor.reviews.services import record_order, report_review, vote_helpful
from tests.conftest import PASSWORD, assert_stored_is_scratch, client_for, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader_life(owner, other_user, make_user, make_book, book, write) -> dict[str, Any]:
    """The owner's traces: two reviews (one verified by an order, one with a vote from
    a third reader), one review they deleted, a vote and a report on the other user's
    review, an order of a book they did not review, an API token."""
    second, third, unreviewed = make_book("Second"), make_book("Third"), make_book("Unread")
    theirs = write(other_user, book, 5, "A careful history of a hard alliance.", days_ago=30)
    write(other_user, second, 4, "Fine.", days_ago=30)
    record_order(owner, book, date(2020, 1, 1), "shop")
    record_order(owner, unreviewed, date(2020, 1, 1), "shop")
    mine = write(owner, book, 1, "Slow going, thin on the war.", days_ago=10)
    kept_second = write(owner, second, 2, "Not what I hoped.", days_ago=5)
    gone = write(owner, third, 3, "Deleted by me.", days_ago=3)
    client_for(owner).post(
        reverse("write_review", args=[third.slug]), {"action": "delete-confirmed"}
    )
    vote_helpful(make_user("fan"), mine)
    vote_helpful(owner, theirs)
    report_review(owner, theirs, "off-topic", "About another war.")
    create_token(owner, "shop sync")
    return {
        "books": [book, second, third],
        "mine": mine,
        "second": kept_second,
        "gone": gone,
        "theirs": theirs,
        "unreviewed": unreviewed,
    }


def close(user: User | None, choice: str | None, password: str = PASSWORD) -> Any:
    data = {"password": password} | ({"reviews": choice} if choice else {})
    return client_for(user).post(reverse("delete_account"), data)


def test_owner_deletes_account_with_reviews_and_ratings_are_recomputed(owner, reader_life) -> None:
    book, second, third = reader_life["books"]
    assert (stored(book).count, stored(second).count) == (2, 2)
    response = close(owner, "remove")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not User.objects.filter(username="owner").exists()
    assert not Review.objects.filter(pk__in=[reader_life["mine"].pk, reader_life["gone"].pk])
    assert (stored(book).count, stored(second).count) == (1, 1)
    assert_stored_is_scratch(book, second, third)
    theirs = Review.objects.get(pk=reader_life["theirs"].pk)
    assert theirs.helpful_count == 0 and not HelpfulVote.objects.filter(review=theirs)
    assert not Report.objects.filter(review=theirs).exists()
    assert not Order.objects.exists() and not ApiToken.objects.exists()


def test_owner_deletes_account_keeping_reviews_without_a_name(owner, reader_life) -> None:
    book, second, third = reader_life["books"]
    before = {b.pk: stored(b) for b in (book, second)}
    assert close(owner, "keep").status_code == 302
    assert not User.objects.filter(username="owner").exists()
    mine = Review.objects.select_related("user__profile").get(pk=reader_life["mine"].pk)
    heir = mine.user
    assert heir.profile.display_name == FORMER_READER and "owner" not in heir.username
    assert not heir.is_active and not heir.has_usable_password() and heir.email == ""
    assert Review.objects.get(pk=reader_life["second"].pk).user == heir
    assert mine.verified_purchase and mine.helpful_count == 1  # the fan's vote stays
    assert HelpfulVote.objects.get(review=mine).review_author == heir
    # Only the order that verifies a kept review stays, with the heir.
    assert list(Order.objects.values_list("user", "book")) == [(heir.pk, book.pk)]
    assert not Review.objects.filter(pk=reader_life["gone"].pk).exists()
    theirs = Review.objects.get(pk=reader_life["theirs"].pk)
    assert theirs.helpful_count == 0 and not Report.objects.filter(review=theirs).exists()
    assert not ApiToken.objects.exists()
    for kept in (book, second):
        assert stored(kept).count == before[kept.pk].count == 2
        assert stored(kept).rating == pytest.approx(before[kept.pk].rating)
    assert_stored_is_scratch(book, second, third)


def test_kept_reviews_show_a_former_reader_with_no_link(owner, reader_life) -> None:
    book = reader_life["books"][0]
    close(owner, "keep")
    page = client_for(None).get(book.get_absolute_url()).content.decode()
    assert "Slow going, thin on the war." in page and FORMER_READER in page
    assert "Olive Owner" not in page and "/users/owner/" not in page
    heir = Review.objects.get(pk=reader_life["mine"].pk).user
    assert f"/users/{heir.username}/" not in page
    assert client_for(None).get(f"/users/{heir.username}/").status_code == 404
    api = json.loads(client_for(None).get(f"/api/v1/books/{book.slug}/reviews").content)
    names = {item["display_name"] for item in api["items"]}
    assert FORMER_READER in names and "Olive Owner" not in names


def test_signed_out_after_deleting_and_old_credentials_fail(owner) -> None:
    client = client_for(owner)
    response = client.post(
        reverse("delete_account"), {"password": PASSWORD, "reviews": "remove"}, follow=True
    )
    assert "Your account was deleted." in response.content.decode()
    assert not response.context["user"].is_authenticated
    assert not client_for(None).login(username="owner", password=PASSWORD)


@pytest.mark.parametrize(
    ("choice", "password", "field", "message"),
    [
        ("remove", "wrong-password", "password", "The password is not right."),
        (None, PASSWORD, "reviews", "Choose what becomes of your reviews."),
        ("everything", PASSWORD, "reviews", "Select a valid choice."),
    ],
)
def test_bad_input_says_why_and_deletes_nothing(
    owner, reader_life, choice, password, field, message
) -> None:
    response = close(owner, choice, password)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert User.objects.filter(username="owner").exists()
    assert Review.objects.filter(user=owner).count() == 3


def test_other_user_cannot_delete_the_owners_account(owner, other_user, reader_life) -> None:
    # The page acts on the signed-in account only; the owner's password is not theirs.
    response = close(other_user, "remove", password=PASSWORD + "-owner")
    assert response.status_code == 200
    assert User.objects.filter(username__in=["owner", "other"]).count() == 2


def test_anonymous_is_sent_to_sign_in(owner) -> None:
    for response in (client_for(None).get(reverse("delete_account")), close(None, "remove")):
        assert response.status_code == 302 and reverse("login") in response["Location"]
    assert User.objects.filter(username="owner").exists()


def test_staff_account_is_closed_only_by_another_administrator(staff, book, write) -> None:
    write(staff, book, 3, "Staff reads too.")
    page = client_for(staff).get(reverse("delete_account"))
    assert "closed by another administrator" in page.content.decode()
    assert 'name="password"' not in page.content.decode()
    assert close(staff, "remove").status_code == 403
    assert User.objects.filter(username="staff").exists()
    assert stored(book).count == 1
