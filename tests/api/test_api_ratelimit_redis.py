"""Write limits across server processes: with REDIS_URL the counters live in Redis and
hold exactly under concurrency (400 writes at once against a limit of 120 let exactly 120
through), in one process's threads and across gunicorn's workers.

Redis runs at 127.0.0.1:6379 on the developers' machines and in CI. These tests use
database 14 and a key prefix of their own, and delete their keys afterwards."""

import json
import os
import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests
from django.core.exceptions import ImproperlyConfigured

from candor.api.ratelimit import seconds_to_wait
from candor.settings import cache_from_env
from tests.api.live import gunicorn_server, serving

TEST_REDIS_URL = os.environ.get("CANDOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
WRITES = 400
LIMIT = 120


@pytest.fixture
def key_prefix() -> Iterator[str]:
    """A key prefix no other test run shares; its keys are deleted afterwards."""
    prefix = f"candor-test-{secrets.token_hex(6)}"
    yield prefix
    server = redis.Redis.from_url(TEST_REDIS_URL)
    for key in server.scan_iter(match=f"{prefix}:*"):
        server.delete(key)


def environment(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name in ("REDIS_URL", "CACHE_BACKEND", "CACHE_LOCATION", "CACHE_KEY_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_redis_url_selects_djangos_redis_cache(monkeypatch) -> None:
    environment(monkeypatch, REDIS_URL="redis://127.0.0.1:6379/3", CACHE_KEY_PREFIX="site-a")
    assert cache_from_env() == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/3",
        "KEY_PREFIX": "site-a",
    }


def test_without_redis_url_one_process_counts_in_local_memory(monkeypatch) -> None:
    environment(monkeypatch)
    assert cache_from_env()["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL must look like redis://host:port/db"),
        ({"REDIS_URL": "redis://127.0.0.1:port/0"}, "REDIS_URL must look like"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/first"}, "REDIS_URL must look like"),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/0", "CACHE_BACKEND": "x.FileBasedCache"},
            "Set REDIS_URL or CACHE_BACKEND, not both",
        ),
    ],
)
def test_a_malformed_redis_setting_stops_start_up(monkeypatch, values, message) -> None:
    environment(monkeypatch, **values)
    with pytest.raises(ImproperlyConfigured, match=message):
        cache_from_env()


def test_the_error_for_a_bad_redis_url_hides_its_password(monkeypatch) -> None:
    environment(monkeypatch, REDIS_URL="redis://:hunter2@127.0.0.1:port/0")
    with pytest.raises(ImproperlyConfigured) as refused:
        cache_from_env()
    assert "hunter2" not in str(refused.value) and ":***@" in str(refused.value)


def test_parallel_writes_in_threads_pass_a_redis_counted_limit_exactly(
    monkeypatch, settings, key_prefix
) -> None:
    environment(monkeypatch, REDIS_URL=TEST_REDIS_URL, CACHE_KEY_PREFIX=key_prefix)
    settings.CACHES = {"default": cache_from_env()}
    settings.API_RATE_WINDOW_SECONDS = 3600  # no window boundary inside the test
    barrier = threading.Barrier(40)

    def ten_writes() -> list[int | None]:
        barrier.wait(timeout=30)
        return [seconds_to_wait("ip", "203.0.113.9", LIMIT) for _ in range(WRITES // 40)]

    with ThreadPoolExecutor(max_workers=40) as pool:
        waits = [wait for batch in pool.map(lambda _: ten_writes(), range(40)) for wait in batch]

    assert len(waits) == WRITES
    assert waits.count(None) == LIMIT
    assert all(wait is not None and wait >= 1 for wait in waits if wait is not None)


@pytest.mark.django_db(transaction=True)
def test_gunicorn_workers_share_one_exact_limit_through_redis(tmp_path: Path, key_prefix) -> None:
    """400 writes at once (a guessed token: each counts against the address first) to
    three gunicorn workers: 120 reach the token check (401), the other 280 get 429."""
    command, env, port = gunicorn_server(
        tmp_path,
        workers=3,
        REDIS_URL=TEST_REDIS_URL,
        CACHE_KEY_PREFIX=key_prefix,
        API_WRITES_PER_IP=str(LIMIT),
        API_RATE_WINDOW_SECONDS="3600",
    )
    log = tmp_path / "gunicorn.log"
    with serving(command, env, log, port, ready=3) as base:

        def write(_: int) -> int:
            response = requests.post(
                f"{base}/api/v1/books/no-such-book/reviews",
                json={"rating": 5},
                headers={"Authorization": "Bearer cnd_guessing", "Host": "127.0.0.1"},
                timeout=60,
            )
            return response.status_code

        with ThreadPoolExecutor(max_workers=32) as pool:
            statuses = Counter(pool.map(write, range(WRITES)))

    assert statuses == {401: LIMIT, 429: WRITES - LIMIT}
    logged = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    served_by = {
        line["pid"]
        for line in logged
        if line["logger"] == "candor.request" and line["path"].startswith("/api/")
    }
    assert len(served_by) >= 2, "one worker served every write: nothing was shared"
