"""In Chromium: a reader sorts by "Most recent" (no Apply click), goes to page 3, votes a
review helpful and is back on page 3 of "Most recent" at that review; without JavaScript
the Apply button does the sorting."""

from typing import Any

import pytest
from django.contrib.auth.models import User

from candor.catalog.models import Book
from candor.reviews.models import Review
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def twelve(book: Book, make_user: Any, write: Any, settings: Any) -> list[Review]:
    """Twelve reviews, newest first, five to a page."""
    settings.REVIEWS_PER_PAGE = 5
    return [
        write(make_user(f"reader{i}"), book, 1 + i % 5, f"Review number {i}.", days_ago=i + 1)
        for i in range(12)
    ]


def sign_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("text=Sign out")


def test_helpful_vote_keeps_page_sort_and_place(  # type: ignore[no-untyped-def]
    page, live_server, book, twelve, other_user, output_dir
) -> None:
    base = live_server.url
    sign_in(page, base, other_user)
    page.goto(f"{base}{book.get_absolute_url()}")
    assert not page.locator("form.review-controls button:has-text('Apply')").is_visible()
    with page.expect_navigation():
        page.select_option("select[name=sort]", "recent")
    assert "sort=recent" in page.url
    page.click("text=Next →")
    page.click("text=Next →")
    assert "page=3" in page.url and page.locator("text=Page 3 of 3").is_visible()

    target = twelve[10]
    article = page.locator(f"#review-{target.pk}")
    article.scroll_into_view_if_needed()
    article.locator("button:has-text('Helpful')").click()
    page.wait_for_load_state()
    assert "sort=recent" in page.url and "page=3" in page.url
    assert page.url.endswith(f"#review-{target.pk}")
    assert page.locator("text=Page 3 of 3").count() == 1
    assert page.locator("select[name=sort]").input_value() == "recent"
    voted = page.locator(f"#review-{target.pk}")
    assert voted.locator("text=You found this helpful").is_visible()
    assert voted.is_visible() and _in_viewport(page, f"#review-{target.pk}")
    page.screenshot(path=str(output_dir / "helpful-vote-kept-place.png"))


def _in_viewport(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and 0 <= box["y"] < height


def test_star_filter_applies_on_change(page, live_server, book, twelve) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}{book.get_absolute_url()}?sort=recent")
    with page.expect_navigation():
        page.select_option("select[name=stars]", "2")
    assert "stars=2" in page.url and "sort=recent" in page.url
    stars = page.locator("article.review .stars").all()
    assert stars and all(s.get_attribute("aria-label") == "2 out of 5 stars" for s in stars)


def test_without_javascript_apply_sorts(browser, live_server, book, twelve) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}{book.get_absolute_url()}")
    page.select_option("select[name=sort]", "recent")
    apply = page.locator("form.review-controls button:has-text('Apply')")
    assert apply.is_visible()
    apply.click()
    page.wait_for_load_state()
    assert "sort=recent" in page.url
    first = page.locator("article.review").first.get_attribute("id")
    assert first == f"review-{twelve[0].pk}"
    context.close()
