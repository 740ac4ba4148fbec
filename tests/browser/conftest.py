"""Playwright driving Debian's Chromium against pytest-django's live server."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

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
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output"


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


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    ensure_chromium()
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # ordinary synchronous calls, so Django's async-safety guard would misfire.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Reports every Content-Security-Policy violation on any page to the test, which fails on one.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline code"}` +
      ` on ${location.pathname}`
  );
});
"""


def watch_csp(context) -> list[str]:  # type: ignore[no-untyped-def]
    """Collect CSP violations (DOM events and Chromium's console messages) in a list."""
    violations: list[str] = []

    def report(violation: str) -> None:
        violations.append(violation)

    context.expose_function("reportCspViolation", report)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    context.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations = watch_csp(context)
    page = context.new_page()
    yield page
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR
