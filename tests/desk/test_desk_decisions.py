"""Keep, Discount and Hide on the desk: each needs a note, goes through the services
(the book's rating follows at once), resolves the review's reports with itself and is
written to the audit log the desk shows."""

import pytest
from django.urls import reverse

from candor.reviews.models import AuditEntry, Report, Review
from tests.conftest import assert_stored_is_scratch, client_for, stored
from tests.desk.conftest import decide, desk_html, queued_ids

pytestmark = pytest.mark.django_db


def test_staff_hide_a_reported_review_with_a_note(staff, shelf) -> None:
    before = stored(shelf.book).count
    response = decide(client_for(staff), shelf.reported, "hide", "An advert, not a review.")
    assert response.status_code == 302
    hidden = Review.objects.get(pk=shelf.reported.pk)
    assert hidden.hidden and hidden.hidden_by == staff
    assert hidden.hidden_reason == "An advert, not a review."
    assert stored(shelf.book).count == before - 1
    assert_stored_is_scratch(shelf.book)
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.moderator, entry.moderator_name) == ("hide", staff, "staff")
    assert entry.note == "An advert, not a review." and entry.trust_before == 1.0
    assert entry.review == hidden and "1★ review by owner" in entry.subject
    report = Report.objects.get()
    assert report.resolved_by == staff and report.decision == entry
    assert report.resolved_at == entry.created_at
    assert shelf.reported.pk not in queued_ids(staff)
    # The visitor no longer sees it; the desk's log shows what was done, by whom, why.
    page = client_for(None).get(shelf.book.get_absolute_url()).content.decode()
    assert "Buy my course" not in page
    html = desk_html(staff)
    assert "Hidden" in html and "An advert, not a review." in html
    assert "1 report resolved" in html


@pytest.mark.parametrize("note", ["", "   \n  "])
@pytest.mark.parametrize("decision", ["keep", "discount", "hide"])
def test_a_decision_without_a_note_changes_nothing_and_says_why(
    staff, shelf, decision, note
) -> None:
    response = decide(client_for(staff), shelf.reported, decision, note, show="reported")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Write a note saying why" in html
    assert 'data-testid="note-error"' in html  # next to the review's own note field
    review = Review.objects.get(pk=shelf.reported.pk)
    assert not review.hidden and review.trust_override is None
    assert Report.objects.get().resolved_at is None
    assert not AuditEntry.objects.exists()


def test_an_unknown_decision_is_refused(staff, shelf) -> None:
    response = decide(client_for(staff), shelf.reported, "delete", "please")
    assert response.status_code == 400
    assert Review.objects.filter(pk=shelf.reported.pk).exists()
    assert not AuditEntry.objects.exists()


def test_keep_counts_a_doubtful_review_fully_and_it_leaves_the_queue(staff, shelf) -> None:
    before = stored(shelf.book).rating
    decide(client_for(staff), shelf.doubtful, "keep", "Known reader; checked the order.")
    kept = Review.objects.get(pk=shelf.doubtful.pk)
    assert kept.trust_override == 1.0 and kept.trust == 0.31
    assert kept.trust_override_note == "Known reader; checked the order."
    assert stored(shelf.book).rating > before  # a five-star review now counts fully
    assert_stored_is_scratch(shelf.book)
    assert queued_ids(staff) == [shelf.reported.pk]
    assert AuditEntry.objects.get().trust_before == pytest.approx(0.31)


def test_discount_counts_a_reported_review_for_nothing(staff, shelf) -> None:
    decide(client_for(staff), shelf.reported, "discount", "Paid for, says the shop.")
    review = Review.objects.get(pk=shelf.reported.pk)
    assert review.trust_override == 0.0 and not review.hidden
    assert Report.objects.get().decision.action == "discount"
    assert_stored_is_scratch(shelf.book)
    # The book's ratings page counts it among the down-weighted, as a moderator's.
    ratings = reverse("rating_explanation", args=[shelf.book.slug])
    html = client_for(None).get(ratings).content.decode()
    assert "a moderator decided it should count less" in html


def test_a_decision_keeps_the_moderators_place_in_the_queue(staff, shelf) -> None:
    response = decide(client_for(staff), shelf.doubtful, "keep", "fine", show="low-trust")
    assert response["Location"] == f"{reverse('desk:queue')}?show=low-trust&page=1"


def test_a_hidden_review_back_in_the_queue_can_be_restored(staff, shelf) -> None:
    client = client_for(staff)
    decide(client, shelf.reported, "hide", "advert")
    Report.objects.create(review=shelf.reported, reporter=None, reason="edited", note="edited")
    rows = client.get(reverse("desk:queue")).context["rows"]
    [item] = [item for item, _ in rows if item.review.pk == shelf.reported.pk]
    assert item.decisions == ["keep", "discount", "restore"]
    assert "<strong>hidden</strong>" in desk_html(staff)
    decide(client, shelf.reported, "restore", "the author removed the link")
    review = Review.objects.get(pk=shelf.reported.pk)
    assert not review.hidden and review.hidden_by is None
    assert Report.objects.filter(resolved_at=None).count() == 0
    assert [e.action for e in AuditEntry.objects.order_by("created_at", "pk")] == [
        "hide",
        "restore",
    ]
    assert_stored_is_scratch(shelf.book)


def test_the_whole_log_pages_newest_first(staff, shelf) -> None:
    client = client_for(staff)
    for number in range(3):
        decide(client, shelf.doubtful, "keep" if number % 2 else "discount", f"round {number}")
    html = client.get(reverse("desk:log")).content.decode()
    assert html.index("round 2") < html.index("round 1") < html.index("round 0")
