"""A reader's settings: display name and bio, password, deleting a review from the
profile. By persona: owner, other user, anonymous, staff."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from candor.accounts.models import Profile
from candor.reviews.models import Review
from tests.conftest import PASSWORD, assert_stored_is_scratch, client_for, stored

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-different-long-passphrase"


def save_profile(user: User | None, name: str, bio: str) -> Any:
    return client_for(user).post(reverse("account_settings"), {"display_name": name, "bio": bio})


def test_owner_edits_display_name_and_bio_shown_on_profile_and_reviews(owner, book, write) -> None:
    write(owner, book, 4, "Careful with the cables.")
    response = save_profile(owner, "  Olive O.  ", "Reads Cold War history.\nSlowly.")
    assert response.status_code == 302 and response["Location"] == reverse("account_settings")
    profile = Profile.objects.get(user=owner)
    assert (profile.display_name, profile.bio) == ("Olive O.", "Reads Cold War history.\nSlowly.")
    page = client_for(None).get(reverse("profile", args=["owner"])).content.decode()
    assert "<h1>Olive O.</h1>" in page and "Reads Cold War history." in page
    book_page = client_for(None).get(book.get_absolute_url()).content.decode()
    assert "Olive O." in book_page and "Olive Owner" not in book_page


def test_settings_form_shows_the_current_values(owner) -> None:
    Profile.objects.filter(user=owner).update(bio="Old bio")
    form = client_for(owner).get(reverse("account_settings")).context["form"]
    assert form.initial == {"display_name": "Olive Owner", "bio": "Old bio"}


def test_too_long_values_are_refused_and_the_profile_is_unchanged(owner) -> None:
    response = save_profile(owner, "N" * 81, "B" * 1001)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "at most 80 characters" in errors["display_name"][0]
    assert "at most 1000 characters" in errors["bio"][0]
    profile = Profile.objects.get(user=owner)
    assert (profile.display_name, profile.bio) == ("Olive Owner", "")


def test_empty_display_name_falls_back_to_the_username(owner) -> None:
    save_profile(owner, "", "")
    page = client_for(None).get(reverse("profile", args=["owner"])).content.decode()
    assert "<h1>owner</h1>" in page


@pytest.mark.parametrize("who", ["other_user", "staff"])
def test_others_can_only_edit_their_own_profile(who, owner, other_user, staff) -> None:
    editor = {"other_user": other_user, "staff": staff}[who]
    save_profile(editor, "Changed", "Changed bio")
    assert Profile.objects.get(user=owner).display_name == "Olive Owner"
    assert Profile.objects.get(user=editor).display_name == "Changed"


def test_anonymous_is_sent_to_sign_in_and_nothing_changes(owner) -> None:
    for response in (
        client_for(None).get(reverse("account_settings")),
        save_profile(None, "Hacker", "x"),
    ):
        assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not Profile.objects.filter(display_name="Hacker").exists()


def test_owner_changes_password_and_stays_signed_in(owner) -> None:
    client = client_for(owner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )
    assert "Your password was changed" in response.content.decode()
    assert client.get(reverse("account_settings")).status_code == 200  # still signed in
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD) and not owner.check_password(PASSWORD)
    fresh = client_for(None)
    assert not fresh.login(username="owner", password=PASSWORD)
    assert fresh.login(username="owner", password=NEW_PASSWORD)


def test_wrong_old_password_changes_nothing(owner) -> None:
    response = client_for(owner).post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "old password was entered incorrectly" in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_password_page_is_among_the_settings_and_anonymous_cannot_see_it(owner) -> None:
    page = client_for(owner).get(reverse("password_change")).content.decode()
    assert 'aria-current="page">Password</a>' in page and "Change my password" in page
    response = client_for(None).get(reverse("password_change"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_owner_deletes_a_review_from_the_profile_and_the_rating_is_recomputed(
    owner, other_user, book, write
) -> None:
    write(other_user, book, 5, "A careful history.")
    write(owner, book, 1, "Not for me.")
    assert stored(book).count == 2
    client = client_for(owner)
    profile = client.get(reverse("profile", args=["owner"])).content.decode()
    assert 'value="delete"' in profile
    confirm = client.post(reverse("write_review", args=[book.slug]), {"action": "delete"})
    assert "Delete your review?" in confirm.content.decode()
    client.post(reverse("write_review", args=[book.slug]), {"action": "delete-confirmed"})
    assert stored(book).count == 1
    assert_stored_is_scratch(book)
    assert "Not for me." not in client.get(book.get_absolute_url()).content.decode()
    assert "Not for me." not in client.get(reverse("profile", args=["owner"])).content.decode()


@pytest.mark.parametrize("who", ["other_user", "staff", "anonymous"])
def test_nobody_else_deletes_the_owners_review_from_the_site(
    who, owner, other_user, staff, book, write
) -> None:
    write(owner, book, 4, "Mine to keep.")
    visitor = {"other_user": other_user, "staff": staff, "anonymous": None}[who]
    profile = client_for(visitor).get(reverse("profile", args=["owner"])).content.decode()
    assert 'value="delete"' not in profile and "Edit your profile" not in profile
    client_for(visitor).post(
        reverse("write_review", args=[book.slug]), {"action": "delete-confirmed"}
    )
    assert Review.objects.visible().filter(user=owner, book=book).exists()
    assert stored(book).count == 1
