"""A client sending a JSON body over the size Candor reads (DATA_UPLOAD_MAX_MEMORY_SIZE,
2.5 MB by default) gets a JSON 413 in the API's error shape: from the test client with
DEBUG on and off, and over real sockets from `candor serve` and from gunicorn."""

import json

import pytest
import requests

from candor.accounts.tokens import create_token
from candor.reviews.models import Review
from tests.api.live import dev_server, gunicorn_server, serving

MB = 1_000_000


def big_review(size: int) -> bytes:
    return json.dumps({"rating": 5, "title": "Big", "text": "x" * size}).encode()


def assert_413_in_the_api_shape(status: int, content_type: str, body: bytes) -> None:
    assert status == 413, body[:300]
    assert content_type.startswith("application/json")
    error = json.loads(body)["error"]
    assert error["code"] == "too_large"
    assert error["message"] == "The request body is over the 2621440 bytes allowed."
    assert error["fields"] == {}


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("size", [3 * MB, 10 * MB])
def test_a_too_big_review_is_413_json(book, owner, api_as, settings, debug, size) -> None:
    settings.DEBUG = debug
    api = api_as(owner)
    response = api.client.post(
        f"/api/v1/books/{book.slug}/reviews",
        data=big_review(size),
        content_type="application/json",
        headers=api.headers,
    )
    assert_413_in_the_api_shape(response.status_code, response["Content-Type"], response.content)
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_a_review_just_under_the_limit_is_read(book, owner, api_as) -> None:
    """What is refused is the size, not a long text: the same post, smaller, gets to the
    review's own rules (the text is over its maximum length: 422 naming the field)."""
    api = api_as(owner)
    response = api.client.post(
        f"/api/v1/books/{book.slug}/reviews",
        data=big_review(2 * MB),
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code == 422
    assert "text" in response.json()["error"]["fields"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("server", [dev_server, gunicorn_server])
def test_live_servers_answer_a_10_mb_review_with_413_json(book, owner, tmp_path, server) -> None:
    command, env, port = server(tmp_path)
    token = create_token(owner, "tests")[1]
    with serving(command, env, tmp_path / "server.log", port) as base:
        for size in (3 * MB, 10 * MB):
            response = requests.post(
                f"{base}/api/v1/books/{book.slug}/reviews",
                data=big_review(size),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "Host": "127.0.0.1",
                },
                timeout=60,
            )
            assert_413_in_the_api_shape(
                response.status_code, response.headers["Content-Type"], response.content
            )
    assert not Review.objects.exists()
