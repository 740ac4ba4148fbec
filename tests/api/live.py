"""Candor served in a child process, for API tests over real sockets: `candor serve`, or
gunicorn in production mode as bin/prod runs it, on the suite's database."""

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.faults.live import child_database_url, free_port
from tests.security.production_env import PYTHON, REPO, production_env

BOOT_SECONDS = 120


@contextmanager
def serving(
    command: list[str], env: dict[str, str], log: Path, port: int, ready: int = 0
) -> Iterator[str]:
    """Run the server; yield its base URL once /healthz answers and `ready` workers logged
    that they are warm (each loads the trust model first); stop it afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=out)
        try:
            wait_until_serving(process, port, log, ready)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_until_serving(process: subprocess.Popen[bytes], port: int, log: Path, ready: int) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while True:
        assert process.poll() is None, log.read_text()
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
            if log.read_text().count("candor worker warm") >= ready:
                return
        except requests.RequestException:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.3)


def dev_server(tmp_path: Path, **env: str) -> tuple[list[str], dict[str, str], int]:
    """`candor serve` in development mode."""
    port = free_port()
    environment = production_env(
        tmp_path, CANDOR_MODE="development", DATABASE_URL=child_database_url(), **env
    )
    return [PYTHON, "-m", "candor.cli", "serve", "--port", str(port)], environment, port


def gunicorn_server(
    tmp_path: Path, workers: int = 1, **env: str
) -> tuple[list[str], dict[str, str], int]:
    """gunicorn in production mode over plain HTTP, with bin/prod's options."""
    port = free_port()
    environment = production_env(
        tmp_path, DATABASE_URL=child_database_url(), CANDOR_HTTPS="false", **env
    )
    command = [
        *(PYTHON, "-m", "gunicorn", "candor.wsgi", "--workers", str(workers)),
        *("--config", "python:candor.ops.gunicorn_conf", "--no-control-socket"),
        *("--bind", f"127.0.0.1:{port}"),
    ]
    return command, environment, port
