"""axe-core finds no serious accessibility problem on Candor's main pages (WCAG 2.1 A and
AA rules), in Chromium, on the demo catalogue; the skip link and the chart's labels work
for a reader, not only for the checker."""

import json
from typing import Any

import pytest
from django.core.management import call_command

from candor.catalog.models import Book
from candor.essays.models import Essay
from tests.browser.axe import axe_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = {"serious", "critical"}


@pytest.fixture
def demo(db: Any) -> None:
    call_command("demo")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy
    # does not govern: no inline script is added to the page.
    page.evaluate(axe_source())
    result = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]},
    )
    return result["violations"]  # type: ignore[no-any-return]


def summary(violations: list[dict[str, Any]]) -> str:
    return json.dumps(
        [
            {
                "rule": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "where": [node["target"] for node in v["nodes"][:5]],
            }
            for v in violations
        ],
        indent=1,
    )


def main_pages() -> list[tuple[str, str]]:
    book = Book.objects.exclude(rating=None).order_by("-rating_count").first()
    essay = Essay.objects.published().first()
    assert book is not None and essay is not None
    return [
        ("home", "/"),
        ("book", book.get_absolute_url()),
        ("book, most recent, 2 stars", f"{book.get_absolute_url()}?sort=recent&stars=2"),
        ("rating explained", f"{book.get_absolute_url()}ratings/"),
        ("essay", essay.get_absolute_url()),
        ("browse", "/books/"),
        ("search", "/search/?q=cold+war"),
        ("search, nothing found", "/search/?q=zzzzqqq"),
        ("sign-in", "/accounts/login/"),
        ("create account", "/accounts/signup/"),
        ("not found", "/books/no-such-book/"),
    ]


def test_main_pages_have_no_serious_accessibility_violations(  # type: ignore[no-untyped-def]
    page, live_server, demo
) -> None:
    found = {}
    for name, path in main_pages():
        page.goto(f"{live_server.url}{path}")
        violations = axe_violations(page)
        serious = [v for v in violations if v["impact"] in SERIOUS]
        if serious:
            found[name] = summary(serious)
    assert not found, "\n".join(f"{name}: {text}" for name, text in found.items())


def test_axe_does_report_a_serious_violation(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    """The check can fail: the same page with an image missing its text alternative."""
    page.goto(f"{live_server.url}/")
    page.evaluate(
        """() => {
          const link = document.createElement("a");
          link.href = "/elsewhere/";
          link.appendChild(document.createElement("img"));
          document.querySelector("main").appendChild(link);
        }"""
    )
    rules = {v["id"] for v in axe_violations(page) if v["impact"] in SERIOUS}
    assert {"image-alt", "link-name"} & rules


def test_skip_link_is_first_and_moves_to_the_content(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    assert page.locator(".skip-link").is_visible()  # shown while it has the focus
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    inside = page.evaluate("document.activeElement.closest('main') !== null")
    assert inside


def test_chart_labels_render_at_least_12px(page, live_server, demo) -> None:  # type: ignore[no-untyped-def]
    book = Book.objects.exclude(rating=None).order_by("-rating_count").first()
    assert book is not None
    for width in (1280, 800, 390):  # the rating box is narrowest on a phone and mid-size
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}{book.get_absolute_url()}")
        labels = page.locator(".chart-y li, .chart-x span, .rating-chart-figure figcaption")
        assert labels.count() == 6
        sizes = labels.evaluate_all(
            "nodes => nodes.map(n => parseFloat(getComputedStyle(n).fontSize))"
        )
        assert min(sizes) >= 12, (width, sizes)
        page.locator(".chart-data summary").click()
        assert page.locator(".chart-data tbody tr").count() >= 2
