"""Sign up, sign in, sign out, password reset, profiles."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def test_anonymous_signs_up_and_is_signed_in() -> None:
    client = client_for(None)
    response = client.post(
        reverse("signup"),
        {
            "username": "newreader",
            "email": "New@Example.com",
            "display_name": "New Reader",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        follow=True,
    )
    user = User.objects.get(username="newreader")
    assert user.email == "new@example.com" and user.profile.display_name == "New Reader"
    assert "Welcome to Candor" in response.content.decode()
    assert response.context["user"] == user


def test_signup_refuses_weak_password_and_taken_email(owner) -> None:
    response = client_for(None).post(
        reverse("signup"),
        {"username": "x", "email": "owner@example.com", "password1": "123", "password2": "123"},
    )
    html = response.content.decode()
    assert "already exists" in html and "too short" in html
    assert not User.objects.filter(username="x").exists()


def test_sign_in_and_sign_out(owner) -> None:
    client = client_for(None)
    response = client.post(reverse("login"), {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302
    assert "Sign out" in client.get(reverse("home")).content.decode()
    client.post(reverse("logout"))
    assert "Sign in" in client.get(reverse("home")).content.decode()


def test_wrong_password_is_refused(owner) -> None:
    response = client_for(None).post(reverse("login"), {"username": "owner", "password": "wrong"})
    assert (
        response.status_code == 200 and "correct username and password" in response.content.decode()
    )


def test_password_reset_by_email(owner) -> None:
    client = client_for(None)
    client.post(reverse("password_reset"), {"email": "owner@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "another-long-passphrase"
    client.post(form_url, {"new_password1": new, "new_password2": new})
    owner.refresh_from_db()
    assert owner.check_password(new)


def test_unknown_profile_is_404() -> None:
    assert client_for(None).get(reverse("profile", args=["ghost"])).status_code == 404


def signup_data(username: str) -> dict[str, str]:
    return {
        "username": username,
        "email": f"{username}@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }


def test_signup_returns_to_the_page_the_reader_came_from(book) -> None:
    url = f"{reverse('signup')}?next={book.get_absolute_url()}"
    response = client_for(None).post(url, signup_data("returning"))
    assert response["Location"] == book.get_absolute_url()


@pytest.mark.parametrize("target", ["https://evil.example.com/", "//evil.example.com/x"])
def test_signup_never_redirects_off_site(target) -> None:
    response = client_for(None).post(f"{reverse('signup')}?next={target}", signup_data("careful"))
    assert response["Location"] == reverse("home")
