"""In Chromium, on the demo as bin/run loads it: a visitor sees on Moby-Dick's page why
its burst of five-star reviews counts for little, and the demo's editor finds the
waiting report, the campaign's reasons and the resolved report's note on the desk. The
screenshots the docs use are taken on the way (tests/browser/demo_screenshots.py)."""

from typing import Any

import pytest
from django.core.management import call_command

from candor.catalog.models import Book
from candor.demo import campaign, desk
from tests.browser.demo_screenshots import BOOK_PATH, capture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_shows_the_trust_work_to_visitors_and_staff(  # type: ignore[no-untyped-def]
    page: Any, live_server, output_dir
) -> None:
    call_command("demo")
    assert Book.objects.get(isbn13=campaign.BOOK_ISBN).get_absolute_url() == BOOK_PATH
    base = live_server.url
    burst = len(campaign.ACCOUNTS)

    page.goto(f"{base}{BOOK_PATH}")
    page.click("text=How are ratings calculated?")
    page.wait_for_selector("h1:has-text('How are ratings calculated?')")
    explained = page.inner_text("main")
    assert "reviews were down-weighted by trust analysis or a moderator" in explained
    assert f"posted in a burst of {burst} five-star reviews in 2 days" in explained

    shots = capture(page, base, output_dir, "candor-demo")
    assert all(path.stat().st_size > 10_000 for path in shots.values())
    # capture left the editor signed in, on the desk.
    queue = page.inner_text("main")
    assert desk.WAITING_NOTE in queue
    assert f"one of {burst} copies of the same text" in queue
    page.click("text=audit log")
    page.wait_for_selector("[data-testid=audit-entry]")
    entry = page.locator("[data-testid=audit-entry]").first.inner_text()
    assert "Discounted (1 report resolved)" in entry and desk.DECISION_NOTE in entry
