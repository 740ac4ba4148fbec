"""Playwright driving Debian's Chromium against pytest-django's live server."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.chromium import release_browser, shared_browser

OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    yield shared_browser()
    release_browser()


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
