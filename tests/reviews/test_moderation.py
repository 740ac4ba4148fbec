"""Staff moderate in the Django admin too (the desk's decisions, with the same required
note); others cannot."""

import pytest

from candor.reviews.models import Report, Review
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_staff_hides_and_restores_a_review_in_the_admin(
    book, owner, other_user, staff, write
) -> None:
    review = write(owner, book, 1, "Abusive words", title="Bad")
    client_for(other_user).post(f"/reviews/{review.pk}/report/", {"reason": "offensive"})
    admin = client_for(staff)
    changelist = admin.get("/admin/reviews/review/").content.decode()
    assert "Open reports" in changelist
    admin.post(
        "/admin/reviews/review/", {"action": "hide_selected", "_selected_action": [review.pk]}
    )
    assert not Review.objects.get().hidden  # no note: nothing changes
    admin.post(
        "/admin/reviews/review/",
        {"action": "hide_selected", "_selected_action": [review.pk], "note": "abusive"},
    )
    review.refresh_from_db()
    book.refresh_from_db()
    assert review.hidden and review.hidden_by == staff and book.rating_count == 0
    assert review.hidden_reason == "abusive"
    report = Report.objects.get()
    assert report.resolved_by == staff and report.decision.note == "abusive"
    assert "Abusive words" not in client_for(None).get(book.get_absolute_url()).content.decode()
    admin.post(
        "/admin/reviews/review/",
        {"action": "restore_selected", "_selected_action": [review.pk], "note": "misread"},
    )
    book.refresh_from_db()
    assert not Review.objects.get().hidden and book.rating_count == 1


def test_staff_sees_reports_in_the_admin(book, owner, other_user, staff, write) -> None:
    review = write(owner, book, 1)
    client_for(other_user).post(f"/reviews/{review.pk}/report/", {"reason": "fake", "note": "paid"})
    html = client_for(staff).get("/admin/reviews/report/").content.decode()
    assert "Fake or paid review" in html


@pytest.mark.parametrize("persona", ["anonymous", "other_user"])
def test_non_staff_cannot_moderate(book, owner, other_user, write, persona) -> None:
    review = write(owner, book, 1)
    client = client_for(None if persona == "anonymous" else other_user)
    response = client.post(
        "/admin/reviews/review/",
        {"action": "hide_selected", "_selected_action": [review.pk], "note": "x"},
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    review.refresh_from_db()
    assert not review.hidden
