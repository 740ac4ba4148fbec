"""In Chromium: the owner makes, uses and revokes a token on the API tokens page (no CSP
violation)."""

import json
import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import browser, page  # noqa: F401 (fixtures used by name)
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def post_review(base: str, slug: str, token: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/books/{slug}/reviews",
        data=json.dumps({"rating": 4, "title": "Via the API"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_owner_creates_uses_and_revokes_a_token(page, live_server, book, owner) -> None:  # noqa: F811
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("text=Sign out")

    page.goto(f"{base}/accounts/settings/tokens/")
    page.fill("#id_name", "shop sync")
    page.click("button:has-text('Create token')")
    token = page.input_value("#new-token")
    assert token.startswith("cnd_")
    assert post_review(base, book.slug, token) == 201

    page.goto(f"{base}/accounts/settings/tokens/")
    assert page.locator("table.tokens td", has_text="shop sync").is_visible()
    assert token not in page.content()
    page.click("button:has-text('Revoke')")
    page.wait_for_selector("text=The token was revoked")
    assert post_review(base, book.slug, token) == 401
