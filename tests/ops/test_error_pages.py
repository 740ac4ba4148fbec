"""A visitor who hits a missing page or a server error gets Candor's page, with a way on."""

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.test import Client

from tests.security.production_env import REPO

pytestmark = pytest.mark.django_db


def test_missing_page_is_candors_own_with_search_and_home(client: Client) -> None:
    response = client.get("/books/no-such-book/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="error-404"' in page
    assert 'action="/search/"' in page and 'href="/"' in page
    assert "URLconf" not in page and "Traceback" not in page


def test_unknown_address_outside_the_books_is_the_same_friendly_page(client: Client) -> None:
    response = client.get("/no/such/place")
    assert response.status_code == 404
    assert 'data-testid="error-404"' in response.content.decode()


@pytest.mark.urls("tests.ops.failing_urls")
def test_server_error_shows_a_plain_apology_without_internals() -> None:
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert 'data-testid="error-500"' in page
    assert "a bug in a view" not in page and "Traceback" not in page


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read().decode()


def wait_for_server(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 120  # bin/run migrates and loads the demo first
    while True:
        assert process.poll() is None, log.read_text()
        try:
            fetch(port, "/healthz")
            return
        except OSError:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)


def test_bin_run_shows_visitors_the_friendly_pages_and_serves_static_files(
    tmp_path: Path,
) -> None:
    """bin/run as a person starts it (no DEBUG, no SECRET_KEY in the environment)."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
        and not key.startswith("CANDOR_")
    }
    env.update(
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        CANDOR_SECRET_KEY_FILE=str(tmp_path / "secret_key"),
    )
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bin/run"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_server(process, port, log)
            status, page = fetch(port, "/books/no-such-book/")
            assert status == 404
            assert 'data-testid="error-404"' in page and "URLconf" not in page
            status, css = fetch(port, "/static/candor/site.css")
            assert status == 200 and ".skip-link" in css
            status, _ = fetch(port, "/")
            assert status == 200
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
