"""In Chromium: a reader deletes their account from the settings, keeping their review
under no name; the book page still counts it and the old password no longer signs in."""

import pytest

from candor.accounts.services import FORMER_READER
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button:has-text('Sign in')")


def test_reader_deletes_account_keeping_reviews(  # type: ignore[no-untyped-def]
    page, live_server, book, owner, other_user, write, output_dir
) -> None:
    write(other_user, book, 5, "A careful history of a hard alliance.")
    write(owner, book, 2, "Slow going, thin on the war.")
    base = live_server.url
    sign_in(page, base, "owner", PASSWORD)
    page.wait_for_selector("text=Sign out")

    page.click("header >> text=Settings")
    page.click("nav.settings-nav >> text=Delete account")
    page.click("button:has-text('Delete my account')")  # nothing chosen: refused
    assert page.locator("text=Choose what becomes of your reviews.").is_visible()
    assert page.locator("text=This field is required.").is_visible()

    page.check("input[name=reviews][value=keep]")
    page.fill("input[name=password]", PASSWORD)
    page.screenshot(path=str(output_dir / "account-deletion.png"), full_page=True)
    page.click("button:has-text('Delete my account')")
    page.wait_for_selector("text=Your account was deleted. Your reviews stay, without your name.")
    assert page.locator("header >> text=Sign in").is_visible()

    page.goto(f"{base}{book.get_absolute_url()}")
    assert page.locator("[data-testid=rating-count]").inner_text() == "2 ratings"
    former = page.locator("article.review", has_text="Slow going, thin on the war.")
    assert former.locator(".reviewer").inner_text() == FORMER_READER
    assert former.locator(".reviewer a").count() == 0
    assert "Olive Owner" not in page.content()

    sign_in(page, base, "owner", PASSWORD)
    assert page.locator("text=correct username and password").is_visible()
