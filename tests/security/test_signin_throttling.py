"""Sign-in throttling (django-axes): N failures for one username from one address lock it out."""

import pytest
from axes.models import AccessLog
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(
    username: str, password: str, address: str = "203.0.113.7", forwarded_for: str = ""
) -> tuple[int, str]:
    client = Client(REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=forwarded_for)
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code, response.content.decode()


@pytest.fixture
def limit(settings) -> int:
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def test_attacker_guessing_a_password_is_locked_out_after_the_limit(owner, limit) -> None:
    for _ in range(limit - 1):
        assert sign_in("owner", "guess")[0] == 200
    status, page = sign_in("owner", "guess")
    assert status == 429 and "Too many sign-in attempts" in page
    # Locked out: even the right password is refused from that address for now.
    status, page = sign_in("owner", PASSWORD)
    assert status == 429 and "After 3 failed attempts" in page


def test_owner_signing_in_from_another_address_is_not_locked_out(owner, limit) -> None:
    for _ in range(limit):
        sign_in("owner", "guess", address="203.0.113.7")
    assert sign_in("owner", PASSWORD, address="198.51.100.2")[0] == 302


def test_other_user_at_the_same_address_is_not_locked_out(owner, other_user, limit) -> None:
    for _ in range(limit):
        sign_in("owner", "guess")
    assert sign_in("other", PASSWORD)[0] == 302


def test_attacker_forging_x_forwarded_for_is_still_locked_out(owner, limit) -> None:
    for n in range(limit):
        sign_in("owner", "guess", forwarded_for=f"192.0.2.{n}")
    assert sign_in("owner", PASSWORD, forwarded_for="192.0.2.99")[0] == 429


def test_behind_a_trusted_proxy_each_client_is_counted_apart(owner, limit, settings) -> None:
    settings.API_TRUSTED_PROXIES = 1
    proxy = "10.0.0.1"
    for _ in range(limit):
        sign_in("owner", "guess", address=proxy, forwarded_for="192.0.2.1")
    assert sign_in("owner", PASSWORD, address=proxy, forwarded_for="192.0.2.1")[0] == 429
    assert sign_in("owner", PASSWORD, address=proxy, forwarded_for="198.51.100.5")[0] == 302


def test_a_successful_sign_in_resets_the_count(owner, limit) -> None:
    for _ in range(limit - 1):
        sign_in("owner", "guess")
    assert sign_in("owner", PASSWORD)[0] == 302
    for _ in range(limit - 1):
        assert sign_in("owner", "guess")[0] == 200


def test_admin_sign_in_is_throttled_too(staff, limit) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    url = reverse("admin:login")
    statuses = [
        client.post(url, {"username": "staff", "password": "guess"}).status_code
        for _ in range(limit)
    ]
    assert statuses[-1] == 429


def test_the_limit_comes_from_the_settings(owner, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(4):
        assert sign_in("owner", "guess")[0] == 200
    assert sign_in("owner", "guess")[0] == 429


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("83749201938", "entirely numeric"),
        ("newreader1!", "too similar"),
    ],
)
def test_anonymous_signing_up_with_a_weak_password_is_refused(password: str, reason: str) -> None:
    response = Client().post(
        reverse("signup"),
        {
            "username": "newreader",
            "email": "new@example.com",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 200 and reason in response.content.decode()
    assert not User.objects.filter(username="newreader").exists()


def test_sign_in_without_a_client_address_is_recorded_without_one(owner) -> None:
    """force_login and other in-process sign-ins have no REMOTE_ADDR; PostgreSQL needs an IP."""
    client = Client()
    client.force_login(owner)
    assert client.get(reverse("home")).status_code == 200
    assert AccessLog.objects.get(username="owner").ip_address is None


def test_attacker_posting_a_huge_username_is_refused_and_still_counted(owner, limit) -> None:
    huge = "owner" + "x" * 100_000
    for _ in range(limit):
        assert sign_in(huge, "guess")[0] in (200, 429)
    assert sign_in(huge, "guess")[0] == 429
    assert sign_in("owner", PASSWORD)[0] == 302
