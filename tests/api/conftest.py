"""API test helpers: a token per persona, and JSON requests with or without one."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.test.client import Client as DjangoClient

from candor.accounts.tokens import create_token


class ApiClient:
    """JSON requests to /api/v1, as one persona (None: anonymous)."""

    def __init__(self, raw_token: str | None, address: str = "127.0.0.1") -> None:
        self.client: DjangoClient = Client(REMOTE_ADDR=address)
        self.headers = {"Authorization": f"Bearer {raw_token}"} if raw_token else {}

    def call(self, method: str, path: str, body: Any = None) -> Any:
        kwargs: dict[str, Any] = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)

    def get(self, path: str) -> Any:
        return self.call("get", path)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("post", path, body if body is not None else {})

    def patch(self, path: str, body: Any) -> Any:
        return self.call("patch", path, body)

    def delete(self, path: str) -> Any:
        return self.call("delete", path)


@pytest.fixture
def api_as(db: Any) -> Callable[..., ApiClient]:
    """api_as(user) gives a client sending a fresh token of user; api_as(None) is anonymous."""

    def make(user: User | None, address: str = "127.0.0.1") -> ApiClient:
        raw = create_token(user, "tests")[1] if user is not None else None
        return ApiClient(raw, address)

    return make


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Personas are made with passwords: a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
