"""In Chromium: the book page's header, its review box and the API show the same rating
after an import, a post, a staff decision in the admin and a trust run."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from candor.catalog.models import Book
from candor.catalog.templatetags.candor import one_decimal
from tests.conftest import PASSWORD, assert_stored_is_scratch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "Title,Author,Additional Authors,ISBN,ISBN13,My Rating,Date Read,Date Added,My Review"


def import_ratings(tmp_path: Path, book: Book, user: Any, stars: int, day: str) -> None:
    """A reader's Goodreads export with one rating of the book, imported for them."""
    path = tmp_path / f"{user.username}.csv"
    row = f'{book.title},Someone,,="",="{book.isbn13}",{stars},{day},{day},Fine.'
    path.write_text(f"{HEADER}\n{row}\n")
    call_command("import", "goodreads", str(path), "--user", user.username)


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("text=Sign out")


def agree(page: Any, base: str, book: Book) -> str:
    """The header, the review box and the API show one number; returns it."""
    page.goto(f"{base}{book.get_absolute_url()}")
    header = page.locator(".mini-rating").inner_text()
    box = page.locator("[data-testid=rating-value]").inner_text()
    api = json.loads(page.request.get(f"{base}/api/v1/books/{book.slug}").text())
    shown = one_decimal(api["ratings"]["rating"])
    assert f"{shown} out of 5" in header
    assert box == shown
    assert f"{api['ratings']['count']} rating" in header
    listed = json.loads(page.request.get(f"{base}/api/v1/books?q={book.slug[:8]}").text())
    assert [b["rating"] for b in listed if b["slug"] == book.slug] == [api["ratings"]["rating"]]
    assert_stored_is_scratch(book)
    return shown


def test_header_box_and_api_agree_after_every_kind_of_change(  # type: ignore[no-untyped-def]
    page, live_server, book, make_user, staff, tmp_path
) -> None:
    base = live_server.url
    readers = [make_user(f"reader{i}") for i in range(4)]
    for reader, stars, day in zip(
        readers, [5, 4, 5, 2], ["2023-01-05", "2023-06-01", "2024-02-02", "2024-09-09"], strict=True
    ):
        import_ratings(tmp_path, book, reader, stars, day)
    seen = [agree(page, base, book)]

    poster = make_user("poster")
    sign_in(page, base, poster.username)
    page.goto(f"{base}/books/{book.slug}/review/")
    page.check("input[name=rating][value='1']")
    page.fill("#id_text", "Not for me: the middle chapters drag.")
    page.click("button[value=submit]")
    page.wait_for_selector("[data-testid=rating-value]")
    seen.append(agree(page, base, book))

    page.context.clear_cookies()
    sign_in(page, base, staff.username)
    page.goto(f"{base}/admin/reviews/review/?q=poster")
    page.check("input.action-select")
    page.select_option("select[name=action]", "discount_selected")
    page.fill("input[name=note]", "one account behind a campaign")  # a decision needs a note
    page.click("button[name=index]")
    page.wait_for_selector("text=ratings recomputed")
    seen.append(agree(page, base, book))

    call_command("trust")
    seen.append(agree(page, base, book))
    assert seen[1] != seen[0] and seen[2] != seen[1]  # the post and the discount showed
