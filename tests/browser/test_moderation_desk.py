"""In Chromium: staff sign in, open the moderation desk from the header, try to hide a
reported review without a real note (refused, nothing changes), hide it with one, and
see the report resolved with that decision and the audit log saying who did it. The
desk passes axe-core's WCAG A and AA rules with no serious violation."""

from typing import Any

import pytest
from django.contrib.auth.models import User

from candor.reviews.models import AuditEntry, Report, Review
from tests.browser.test_accessibility import SERIOUS, axe_violations
from tests.conftest import PASSWORD
from tests.desk.conftest import Shelf, shelf  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "An advert for a course, not a review of the book."


def sign_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("text=Sign out")


def test_staff_hide_a_reported_review_on_the_desk(  # type: ignore[no-untyped-def]
    page,
    live_server,
    staff: User,
    shelf: Shelf,  # noqa: F811
    output_dir,
) -> None:
    base = live_server.url
    sign_in(page, base, staff)
    page.click("text=Moderation desk")
    page.wait_for_selector("h1:has-text('Moderation desk')")
    item = page.locator(f"#review-{shelf.reported.pk}")
    assert "Buy my course at example.com instead." in item.inner_text()
    assert item.locator("[data-testid=trust]").inner_text().startswith("1.00, trusted")
    assert "Spam or advertising, by other" in item.locator("[data-testid=open-report]").inner_text()
    doubtful = page.locator(f"#review-{shelf.doubtful.pk}")
    assert (
        "one of 14 copies of the same text"
        in doubtful.locator("[data-testid=reasons]").inner_text()
    )
    page.screenshot(path=str(output_dir / "moderation-desk.png"), full_page=True)
    serious = [v["id"] for v in axe_violations(page) if v["impact"] in SERIOUS]
    assert not serious, f"accessibility problems on the desk: {serious}"

    # An empty note: the browser itself refuses to send the form.
    item.locator("button[value=hide]").click()
    assert item.locator("textarea").evaluate("field => !field.validity.valid")
    # Spaces only: the server refuses it and says why, next to the review.
    item.locator("textarea").fill("   ")
    item.locator("button[value=hide]").click()
    page.wait_for_selector("[data-testid=desk-error]")
    assert "Write a note saying why" in page.locator("[data-testid=desk-error]").inner_text()
    error = page.locator(f"#review-{shelf.reported.pk} [data-testid=note-error]")
    assert "Write a note saying why" in error.inner_text()
    assert not Review.objects.get(pk=shelf.reported.pk).hidden

    item = page.locator(f"#review-{shelf.reported.pk}")
    item.locator("textarea").fill(NOTE)
    item.locator("button[value=hide]").click()
    page.wait_for_selector("text=Hidden: 1★ review by owner")
    assert page.locator(f"#review-{shelf.reported.pk}").count() == 0
    assert page.locator("[data-testid=tab-reported]").inner_text() == "Reported (0)"
    entry = page.locator("[data-testid=audit-entry]").first
    row = entry.inner_text()
    assert "staff" in row and "Hidden (1 report resolved)" in row and NOTE in row
    page.screenshot(path=str(output_dir / "moderation-desk-after-hiding.png"), full_page=True)

    # The report, in the admin's list of resolved reports, shows the decision.
    page.goto(f"{base}/admin/reviews/report/?resolved_at__isempty=0")
    resolved = page.locator("#result_list tbody tr").first.inner_text()
    assert "Spam or advertising" in resolved and "Hidden by staff" in resolved
    report = Report.objects.get()
    assert report.resolved_by == staff and report.decision == AuditEntry.objects.get()
    # And readers no longer see the review.
    page.goto(f"{base}{shelf.book.get_absolute_url()}")
    assert page.locator("text=Buy my course").count() == 0
