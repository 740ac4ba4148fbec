"""Screenshots of the demo for the docs, 1280 pixels wide:

    .venv/bin/python -m tests.browser.demo_screenshots [FOLDER]   # default docs/screenshots

loads the demo (`candor demo`, as bin/run does) into a new SQLite database in a temporary
folder, serves it on a free local port and writes book-page.png (Moby-Dick, the book with
the caught campaign) and desk.png (the moderation desk, signed in as the demo's editor).
tests/browser/test_demo_pages.py runs the same `capture` against the test server on every
browser test run, so the script cannot break unnoticed.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, ensure_chromium

REPO = Path(__file__).resolve().parents[2]
BOOK_PATH = "/books/moby-dick/"
WIDTH = 1280
BOOK_HEIGHT = 1000
DESK_HEIGHT = 1500
EDITOR = "editor"


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("text=Sign out")


def capture(page: Any, base: str, folder: Path, password: str) -> dict[str, Path]:
    """Write book-page.png and desk.png of the demo served at ``base`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    shots = {"book": folder / "book-page.png", "desk": folder / "desk.png"}
    page.set_viewport_size({"width": WIDTH, "height": BOOK_HEIGHT})
    page.goto(f"{base}{BOOK_PATH}")
    page.screenshot(path=str(shots["book"]))
    sign_in(page, base, EDITOR, password)
    page.set_viewport_size({"width": WIDTH, "height": DESK_HEIGHT})
    page.goto(f"{base}/desk/")
    page.screenshot(path=str(shots["desk"]))
    return shots


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def main(folder: Path) -> None:
    ensure_chromium()
    from playwright.sync_api import sync_playwright

    candor = [sys.executable, "-m", "candor.cli"]
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{scratch}/demo.sqlite3"}
        env.update(DEBUG="true", CANDOR_DEMO_PASSWORD="candor-demo")
        subprocess.run([*candor, "demo"], env=env, cwd=REPO, check=True)
        port = free_port()
        server = subprocess.Popen([*candor, "serve", "--port", str(port)], env=env, cwd=REPO)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                shots = capture(browser.new_page(), base, folder, "candor-demo")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    for path in shots.values():
        print(f"wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots")
