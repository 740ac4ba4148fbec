"""In Chromium: every kind of page, signed out, signed in and as staff, with no CSP violation.

The `page` fixture fails the test on any Content-Security-Policy violation, so this tour only
has to visit the pages and check each one rendered.
"""

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def visit(page, url: str, expect: str) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert page.locator(f"text={expect}").first.is_visible(), (url, expect)


def test_reader_and_moderator_tour_the_site_without_csp_violations(  # type: ignore[no-untyped-def]
    page, live_server, book, owner, other_user, staff, write
) -> None:
    review = write(owner, book, 4, "<script>alert(1)</script> plain words", title="<b>Bold?</b>")
    base = live_server.url
    author = book.contributions.first().person
    visit(page, f"{base}/", "Candor")
    visit(page, f"{base}/search/?q=<script>alert(1)</script>", "Search")
    visit(page, f"{base}{book.get_absolute_url()}", "<b>Bold?</b>")
    visit(page, f"{base}{book.get_absolute_url()}ratings/", "How")
    visit(page, f"{base}{author.get_absolute_url()}", author.name)
    visit(page, f"{base}{book.series.get_absolute_url()}", book.series.name)
    visit(page, f"{base}/users/owner/", "Olive Owner")
    visit(page, f"{base}/accounts/signup/", "Create account")
    visit(page, f"{base}/accounts/password_reset/", "password")
    page.goto(f"{base}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock")

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "other")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("text=Sign out")
    visit(page, f"{base}/reviews/{review.pk}/report/", "Report")
    visit(page, f"{base}{book.get_absolute_url()}review/", "Preview")
    for path, heading in [
        ("settings/", "Profile"),
        ("password_change/", "Change your password"),
        ("settings/tokens/", "API tokens"),
        ("settings/data/", "Download everything"),
        ("settings/delete/", "Delete your account"),
    ]:
        visit(page, f"{base}/accounts/{path}", heading)
    page.click("text=Sign out")

    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("text=Site administration")
    visit(page, f"{base}/admin/reviews/review/", "Select review")
    visit(page, f"{base}/admin/reviews/review/{review.pk}/change/", "Change review")
