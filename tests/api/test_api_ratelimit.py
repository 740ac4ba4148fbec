"""Writes are limited per token and per client address: 429 with Retry-After."""

import pytest

from candor.reviews.models import Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(settings):
    settings.API_WRITES_PER_TOKEN = 2
    settings.API_WRITES_PER_IP = 3
    # A long window: a window boundary falling inside a test would reset the counts.
    settings.API_RATE_WINDOW_SECONDS = 3600


def test_a_token_over_its_limit_gets_429_with_retry_after(
    book, owner, other_user, write, small_limits, api_as
) -> None:
    review = write(other_user, book, 3)
    client = api_as(owner, address="10.0.0.1")
    assert client.post(f"/reviews/{review.pk}/helpful").status_code == 201
    assert client.post(f"/reviews/{review.pk}/helpful").status_code == 409  # counted too
    refused = client.post(f"/books/{book.slug}/reviews", {"rating": 5})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert not Review.objects.filter(user=owner).exists()


def test_the_address_limit_spans_tokens_and_bad_tokens(
    book, owner, other_user, staff, small_limits, api_as
) -> None:
    first, second = api_as(owner, address="10.0.0.2"), api_as(other_user, address="10.0.0.2")
    assert first.post(f"/books/{book.slug}/reviews", {"rating": 5}).status_code == 201
    first.headers = {"Authorization": "Bearer cnd_guessing"}
    assert first.post(f"/books/{book.slug}/reviews", {"rating": 5}).status_code == 401
    assert second.post(f"/books/{book.slug}/reviews", {"rating": 4}).status_code == 201
    refused = api_as(staff, address="10.0.0.2").post(f"/books/{book.slug}/reviews", {"rating": 1})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    elsewhere = api_as(staff, address="10.0.0.3").post(f"/books/{book.slug}/reviews", {"rating": 1})
    assert elsewhere.status_code == 201


def test_reads_are_not_limited(book, small_limits, api_as) -> None:
    client = api_as(None, address="10.0.0.4")
    assert all(client.get(f"/books/{book.slug}").status_code == 200 for _ in range(6))


def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    book, owner, other_user, settings, small_limits, api_as
) -> None:
    settings.API_TRUSTED_PROXIES = 1
    one, two = api_as(owner, address="10.0.0.9"), api_as(other_user, address="10.0.0.9")
    one.headers["X-Forwarded-For"] = "203.0.113.5"
    two.headers["X-Forwarded-For"] = "198.51.100.7"
    for _ in range(2):  # each client stays under the per-address limit of 3
        assert one.post(f"/books/{book.slug}/reviews", {"rating": 5}).status_code in (201, 409)
        assert two.post(f"/books/{book.slug}/reviews", {"rating": 5}).status_code in (201, 409)
    assert Review.objects.count() == 2
