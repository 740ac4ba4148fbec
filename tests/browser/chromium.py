"""One Playwright and one Chromium for the whole test run.

Test modules outside tests/browser import the `browser` fixture, which makes one more session
fixture per module; Playwright's sync API allows only one running instance per thread, so every
copy shares the instance kept here (a plain module, imported under one name by everyone) and the
last one to finish closes it.
"""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def ensure_chromium() -> None:
    """Install Debian's chromium when missing (as root, as CI runs); fail clearly otherwise."""
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")


_shared: dict[str, Any] = {}
_users = [0]


def shared_browser() -> Any:
    if not _shared:
        ensure_chromium()
        # Playwright's sync API runs an event loop in this thread; the test's own ORM calls
        # are ordinary synchronous calls, so Django's async-safety guard would misfire.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        _shared["playwright"] = playwright
        _shared["browser"] = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
    _users[0] += 1
    return _shared["browser"]


def release_browser() -> None:
    _users[0] -= 1
    if _users[0] == 0:
        _shared.pop("browser").close()
        _shared.pop("playwright").stop()
