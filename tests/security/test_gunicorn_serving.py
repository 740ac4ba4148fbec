"""Production mode end to end: gunicorn serving candor.wsgi on 127.0.0.1, as bin/prod runs it."""

import http.client
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.security.production_env import PYTHON, REPO, production_env

BOOT_SECONDS = 60
# Compressing the admin's and the API docs' megabytes of scripts takes half a minute of CPU;
# Candor's own files are enough to show whitenoise serving hashed, compressed files.
SKIP_LARGE_STATIC = ["--ignore", "admin", "--ignore", "ninja"]
# As bin/prod runs it (no control socket: tests may run several gunicorns at once).
PROD_OPTIONS = ["--config", "python:candor.ops.gunicorn_conf", "--no-control-socket"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = connection.getresponse()
    response.read()
    return response


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[int]:
    """Start gunicorn with one worker; yield its port once it answers; stop it afterwards."""
    port = free_port()
    command = [
        PYTHON,
        "-m",
        "gunicorn",
        "candor.wsgi",
        *PROD_OPTIONS,
        "--bind",
        f"127.0.0.1:{port}",
    ]
    errors = log.with_suffix(".stderr")
    with log.open("w") as out, errors.open("w") as err:
        process = subprocess.Popen(
            [*command, "--workers", "1"], cwd=REPO, env=env, stdout=out, stderr=err
        )
        try:
            deadline = time.monotonic() + BOOT_SECONDS
            while True:
                assert process.poll() is None, log.read_text() + errors.read_text()
                try:
                    get(port, "/healthz")
                    break
                except OSError:
                    assert time.monotonic() < deadline, log.read_text() + errors.read_text()
                    time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


def json_lines(log: Path) -> list[dict[str, object]]:
    """Every line gunicorn and Candor wrote to stdout, each parsed as one JSON object."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("prod")
    env = production_env(root)
    subprocess.run(
        [
            PYTHON,
            "-m",
            "candor.cli",
            "collectstatic",
            "--no-input",
            "--verbosity",
            "0",
            *SKIP_LARGE_STATIC,
        ],
        cwd=REPO,
        env=env,
        check=True,
        timeout=300,
    )
    return root


def test_gunicorn_serves_health_static_files_and_json_request_logs(collected_static) -> None:
    env = production_env(collected_static, CANDOR_BEHIND_PROXY="true")
    log = collected_static / "gunicorn-ok.log"
    manifest = json.loads((collected_static / "static" / "staticfiles.json").read_text())
    css = "/static/" + manifest["paths"]["candor/site.css"]
    with gunicorn(env, log) as port:
        health = get(port, "/healthz")
        plain_http = get(port, "/")
        static = get(port, css, **{"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"})
    assert health.status == 200
    assert plain_http.status == 301 and plain_http.headers["Location"].startswith("https://")
    assert static.status == 200 and static.headers["Content-Encoding"] == "gzip"
    assert "immutable" in static.headers["Cache-Control"]
    lines = json_lines(log)
    assert any(
        line["logger"] == "gunicorn.error" and "Booting worker" in str(line["message"])
        for line in lines
    )
    assert not any(line["logger"] == "gunicorn.access" for line in lines)
    # The worker loaded the trust text model before its first request (post_worker_init).
    warm = [i for i, line in enumerate(lines) if line["message"] == "candor worker warm"]
    first_request = next(i for i, line in enumerate(lines) if line["logger"] == "candor.request")
    assert warm and warm[0] < first_request
    requests = [line for line in lines if line["logger"] == "candor.request"]
    health_lines = [
        line for line in requests if line["path"] == "/healthz" and line["status"] == 200
    ]
    assert health_lines and health_lines[-1]["method"] == "GET"
    assert isinstance(health_lines[-1]["duration_ms"], float)
    assert any(line["path"] == css and line["status"] == 200 for line in requests)


def test_gunicorn_answers_503_while_the_database_port_is_closed(collected_static) -> None:
    closed = f"postgres://postgres@127.0.0.1:{free_port()}/candor"
    env = production_env(collected_static, DATABASE_URL=closed)
    with gunicorn(env, collected_static / "gunicorn-down.log") as port:
        response = get(port, "/healthz")
    assert response.status == 503


def test_gunicorn_stops_at_once_when_the_secret_key_is_missing(collected_static) -> None:
    env = production_env(collected_static, SECRET_KEY="")
    result = subprocess.run(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "candor.wsgi",
            *PROD_OPTIONS,
            "--bind",
            f"127.0.0.1:{free_port()}",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=BOOT_SECONDS,
    )
    assert result.returncode != 0
    assert "candor: configuration error: SECRET_KEY must be set" in result.stderr
