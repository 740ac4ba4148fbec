"""End to end in Chromium: a new reader signs up, rates an unrated book, sees the rating change."""

import re

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_reader_rates_a_book_with_no_ratings(page, live_server, book, output_dir) -> None:
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("#id_username", "firstreader")
    page.fill("#id_email", "first@example.com")
    page.fill("#id_display_name", "First Reader")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button:has-text('Create account')")
    page.wait_for_selector("text=Welcome to Candor")

    page.goto(f"{live_server.url}{book.get_absolute_url()}")
    assert page.locator("[data-testid=no-ratings]").inner_text() == "No ratings yet"
    page.click("text=Be the first to rate")

    page.check("input[name=rating][value='4']")
    page.fill("#id_title", "Careful and readable")
    page.fill("#id_text", "Read it for a seminar; the documents chapter is the highlight.")
    page.click("button[value=preview]")
    page.wait_for_selector("text=Preview: this is how your review will be shown")
    page.click("button[value=submit]")

    page.wait_for_selector("[data-testid=rating-value]")
    rating = float(page.locator("[data-testid=rating-value]").inner_text())
    assert 1.0 <= rating <= 5.0
    assert page.locator("[data-testid=rating-count]").inner_text() == "1 rating"
    percents = {
        int(cell.get_attribute("data-star")): int(cell.inner_text().rstrip("%"))
        for cell in page.locator("td.percent").all()
    }
    assert percents[4] == 100 and sum(percents.values()) == 100
    assert page.locator("text=Be the first to rate").count() == 0
    assert page.locator("text=Careful and readable").is_visible()
    assert re.search(r"First Reader", page.content())
    page.screenshot(path=str(output_dir / "book-page-after-first-review.png"), full_page=True)
