"""Helpers for the fault tests: the test database's URL for child processes, free ports,
killing an import halfway."""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection


def child_database_url() -> str:
    """DATABASE_URL pointing a child process at the database this test is using."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(settings['NAME']).resolve()}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kill_after_first_batch(
    command: list[str], env: dict[str, str], saved: Callable[[], int], batch: int, seconds: float
) -> None:
    """Run ``command`` and kill -9 it once ``saved()`` shows its first batch committed,
    a moment into the next batch's rows."""
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + seconds
        while saved() < batch:
            assert child.poll() is None, child.stderr.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the first batch never committed"
            time.sleep(0.02)
        time.sleep(0.3)  # into the next batch's rows
        assert child.poll() is None, "the import finished before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def assert_whole_batches_then_rerun_completes(
    command: list[str],
    env: dict[str, str],
    saved: Callable[[], int],
    batch: int,
    rows: int,
    seconds: float,
) -> int:
    """After a kill: only whole batches are stored, and running ``command`` again
    stores the rest, each row once. Returns how many rows the killed run left."""
    after_kill = saved()
    assert after_kill % batch == 0, f"{after_kill} rows: a batch was half-written"
    assert batch <= after_kill < rows
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{rows - after_kill} created, {after_kill} already present, 0 rejected" in rerun.stdout
    assert saved() == rows
    return after_kill
