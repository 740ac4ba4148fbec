"""PostgreSQL restarted under load: requests fail cleanly, the app recovers, nothing is lost.

A private PostgreSQL (tests/faults/private_postgres.py; never the machine's shared
server) holds a fresh Candor database. gunicorn serves the app against it with
DEBUG off, as bin/prod does. Client threads post reviews through the API, each
to a book of its own; in the middle, PostgreSQL is stopped hard (``pg_ctl stop -m
immediate``, like a crash: it recovers from its WAL when started again), left down a
moment, then started. The test checks:

- while it is down, every request gets an answer within the client's timeout, a 5xx
  without a traceback (the API answers in its JSON error shape, /healthz says 503);
- after it is back, posting works again without restarting anything;
- every post answered 201 is a review in the database (none acknowledged and lost).

Runs in the PostgreSQL run of the suite; the SQLite run skips it.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.faults.live import free_port
from tests.faults.private_postgres import PrivatePostgres, why_unavailable

REPO = Path(__file__).resolve().parents[2]
CLIENTS = 4
TIMEOUT = 20.0  # seconds a client waits for any answer: no request may hang longer
BOOKS = 400  # more than the clients can post in the test's time
DOWN_SECONDS = 2.0

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="needs PostgreSQL: this run of the suite is on SQLite (the PostgreSQL run has it)",
    ),
    pytest.mark.skipif(why_unavailable() is not None, reason=str(why_unavailable())),
]

SETUP = f"""
from candor.accounts.services import create_account
from candor.accounts.tokens import create_token
from candor.catalog.models import Book
user = create_account("poster", "poster@example.com", "a-long-test-passphrase")
_, token = create_token(user, "fault test")
for i in range({BOOKS}):
    body = f"979{{i:09d}}"
    check = (10 - sum(int(d) * (1 if k % 2 == 0 else 3) for k, d in enumerate(body)) % 10) % 10
    isbn13 = body + str(check)
    Book.objects.create(title=f"Restart Book {{i}}", slug=f"restart-{{i}}", isbn13=isbn13)
print(token)
"""


def candor(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "candor.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.destroy()


@pytest.fixture(params=["0", "60"], ids=["connection-per-request", "persistent-connections"])
def served(
    request: pytest.FixtureRequest, postgres: PrivatePostgres, tmp_path: Path
) -> Iterator[tuple[str, str, PrivatePostgres]]:
    """(base URL, API token, the server) with gunicorn serving a fresh database, with
    DB_CONN_MAX_AGE 0 (a connection per request) or 60 (production's default: connections kept
    between requests and checked before reuse)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANDOR_")}
    # DEBUG off, as in production; development mode otherwise, so no collectstatic is
    # needed (static files have nothing to do with the database going away).
    env.update(
        DEBUG="false",
        SECRET_KEY="fault-test-only-" + "k7Qz" * 12,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=postgres.url,
        API_WRITES_PER_IP="100000",
        API_WRITES_PER_TOKEN="100000",
        DB_CONN_MAX_AGE=request.param,
    )
    candor(env, "migrate", "--no-input", "-v", "0")
    token = candor(env, "shell", "-c", SETUP).strip().splitlines()[-1]
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "candor.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "30",
            # Each worker loads the trust text model before taking requests (as in the
            # load test), so a first post is not mistaken for a hang.
            "--config",
            str(REPO / "bench" / "load" / "gunicorn_conf.py"),
        ],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or a worker still booting
                pass
            assert time.monotonic() < deadline, "gunicorn never answered"
            time.sleep(0.2)
        yield base, token, postgres
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


@dataclass
class Tally:
    acknowledged: list[int] = field(default_factory=list)  # ids of reviews answered 201
    failures: list[tuple[int, str]] = field(default_factory=list)  # (status, body start)
    hangs: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_success: float = 0.0


def poster(
    base: str, token: str, slugs: Iterator[str], tally: Tally, stop: threading.Event
) -> None:
    """Posts a review of each book in turn; a failed post is retried, as a person would."""
    headers = {"Authorization": f"Bearer {token}"}
    slug: str | None = None
    while not stop.is_set():
        if slug is None:
            with tally.lock:
                slug = next(slugs, None)
            if slug is None:
                return
        try:
            answer = requests.post(
                f"{base}/api/v1/books/{slug}/reviews",
                json={"rating": 4, "title": "Restart", "text": "Posted while PostgreSQL restarts."},
                headers=headers,
                timeout=TIMEOUT,
            )
        except requests.Timeout:
            tally.hangs.append(slug)
            continue
        except requests.ConnectionError as error:
            tally.other.append(f"{slug}: connection error {error}")
            continue
        with tally.lock:
            if answer.status_code == 201:
                tally.acknowledged.append(answer.json()["id"])
                tally.last_success = time.monotonic()
                slug = None
            elif answer.status_code == 409 and tally.failures:
                # An earlier attempt was stored although its answer was an error: stored,
                # never acknowledged, so not counted either way.
                slug = None
            elif answer.status_code >= 500:
                tally.failures.append((answer.status_code, answer.text[:2000]))
            else:
                tally.other.append(f"{slug}: {answer.status_code} {answer.text[:200]}")
                slug = None
        time.sleep(0.05 if slug is None else 0.2)


def wait_for(condition, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_postgres_restart_fails_cleanly_recovers_and_loses_no_acknowledged_review(served) -> None:
    base, token, postgres = served
    tally = Tally()
    stop = threading.Event()
    slugs = iter(f"restart-{i}" for i in range(BOOKS))
    threads = [
        threading.Thread(target=poster, args=(base, token, slugs, tally, stop))
        for _ in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len(tally.acknowledged) >= 20, 60, "posts before the restart")
        before = len(tally.acknowledged)
        postgres.stop("immediate")
        down_at = time.monotonic()
        # While it is down: pages, the API and the health check answer quickly, cleanly.
        while time.monotonic() - down_at < DOWN_SECONDS:
            for path in ("/healthz", "/books/restart-0/", "/api/v1/books/restart-0"):
                started = time.monotonic()
                answer = requests.get(base + path, timeout=TIMEOUT)
                assert time.monotonic() - started < TIMEOUT
                assert answer.status_code in (500, 503), (path, answer.status_code)
                assert "Traceback" not in answer.text and "psycopg" not in answer.text
            time.sleep(0.2)
        assert requests.get(base + "/healthz", timeout=TIMEOUT).json()["status"] == "unavailable"
        postgres.start()
        back_at = time.monotonic()
        wait_for(lambda: tally.last_success > back_at, 30, "a successful post after the restart")
        recovered = len(tally.acknowledged)
        wait_for(lambda: len(tally.acknowledged) >= recovered + 20, 60, "posts after recovery")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=TIMEOUT * 2)

    assert not tally.hangs, f"requests that got no answer within {TIMEOUT} s: {tally.hangs}"
    assert not tally.other, tally.other
    assert tally.failures, "no request failed: the database was never really down"
    for status, body in tally.failures:
        assert status in (500, 503), status
        assert "Traceback" not in body and "psycopg" not in body, body
        assert '"error"' in body  # the API's JSON error shape, not an HTML debug page
    assert before >= 20 and len(tally.acknowledged) > recovered
    assert requests.get(base + "/healthz", timeout=TIMEOUT).status_code == 200

    stored = subprocess.run(
        ["psql", postgres.url, "-tAc", "SELECT id FROM reviews_review"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    missing = set(tally.acknowledged) - {int(x) for x in stored}
    assert not missing, f"acknowledged reviews lost: {sorted(missing)}"
    assert len(set(tally.acknowledged)) == len(tally.acknowledged)
