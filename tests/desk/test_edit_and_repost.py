"""Issue 14's rules for staff, seen from the desk: an edit of the stars or the text of a
review a moderator kept clears the Keep and puts the review back in the queue; deleting
a review and posting again keeps the (reader, book) moderation and trust history and
the original date."""

from datetime import timedelta

import pytest
from django.urls import reverse

from candor.desk.queue import desk_items
from candor.reviews.models import AuditEntry, Report, Review
from candor.reviews.services import record_trust
from tests.conftest import assert_stored_is_scratch, client_for
from tests.desk.conftest import BURST, decide, desk_html, queued_ids

pytestmark = pytest.mark.django_db


def site_post(user, book, rating: int, text: str, title: str = ""):  # type: ignore[no-untyped-def]
    data = {"action": "submit", "rating": rating, "title": title, "text": text}
    return client_for(user).post(reverse("write_review", args=[book.slug]), data)


def site_delete(user, book):  # type: ignore[no-untyped-def]
    return client_for(user).post(
        reverse("write_review", args=[book.slug]), {"action": "delete-confirmed"}
    )


@pytest.mark.parametrize("change", ["stars", "text"])
def test_an_edit_after_keep_clears_it_and_the_review_is_back_in_the_queue(
    staff, owner, shelf, change
) -> None:
    desk = client_for(staff)
    decide(desk, shelf.reported, "keep", "Looked again: a real, angry reader.")
    record_trust(shelf.reported, 0.4, [BURST])  # the analysis doubts it; the Keep stands
    assert shelf.reported.pk not in queued_ids(staff)
    text = shelf.reported.text + (" Now with more words." if change == "text" else "")
    site_post(owner, shelf.book, 5 if change == "stars" else 1, text)
    edited = Review.objects.get(pk=shelf.reported.pk)
    assert edited.trust_override is None and edited.effective_trust <= 0.4
    assert queued_ids(staff)[0] == edited.pk
    html = desk_html(staff)
    assert f"The author changed the {change} after staff kept this review" in html
    assert "Edited after a moderator&#x27;s decision, by Candor" in html
    assert "Looked again: a real, angry reader." in html  # the earlier decision, in history
    assert_stored_is_scratch(shelf.book)
    # Deciding again resolves Candor's report with the new decision.
    decide(desk, edited, "discount", "The new stars came with a coupon.")
    edited_report = Report.objects.get(reason=Report.Reason.EDITED)
    assert edited_report.decision.action == "discount" and edited.pk not in queued_ids(staff)


def test_an_edit_of_spacing_only_keeps_the_keep_and_stays_out_of_the_queue(
    staff, owner, shelf
) -> None:
    decide(client_for(staff), shelf.reported, "keep", "fine")
    site_post(owner, shelf.book, 1, "  " + shelf.reported.text.replace(" ", "  ") + " ")
    assert Review.objects.get(pk=shelf.reported.pk).trust_override == 1.0
    assert shelf.reported.pk not in queued_ids(staff)


@pytest.mark.parametrize("decision", ["hide", "discount"])
def test_deleting_and_posting_again_keeps_the_decision_history_trust_and_date(
    staff, owner, shelf, api_as, decision
) -> None:
    record_trust(shelf.reported, 0.2, [BURST])
    decide(client_for(staff), shelf.reported, decision, "An advert, not a review.")
    before = Review.objects.get(pk=shelf.reported.pk)
    # Through the site, then through the API, with other stars and words each time.
    site_delete(owner, shelf.book)
    assert Review.objects.get(pk=before.pk).withdrawn_at is not None
    site_post(owner, shelf.book, 5, "A wonderful book, truly.")
    client = api_as(owner)
    assert client.delete(f"/reviews/{before.pk}").status_code == 204
    body = {"rating": 4, "title": "", "text": "Honestly a good read."}
    assert client.post(f"/books/{shelf.book.slug}/reviews", body).status_code == 201
    after = Review.objects.get(user=owner, book=shelf.book)
    assert after.pk == before.pk and after.created_at == before.created_at
    assert after.created_at < after.updated_at - timedelta(days=1)
    assert (after.hidden, after.hidden_reason) == (before.hidden, before.hidden_reason)
    assert after.trust_override == before.trust_override
    assert after.trust <= 0.2 and "burst" in [r["code"] for r in after.trust_reasons]
    assert list(AuditEntry.objects.filter(review=after).values_list("action", flat=True)) == [
        decision
    ]
    assert Report.objects.get(review=after).decision.note == "An advert, not a review."
    assert_stored_is_scratch(shelf.book)
    # On the desk, the review shows its earlier decision beside its new words.
    [item] = desk_items([after])
    assert [(e.action, e.note) for e in item.history] == [(decision, "An advert, not a review.")]


def test_after_a_staff_delete_the_readers_new_review_still_shows_the_history(
    staff, owner, shelf
) -> None:
    admin = client_for(staff)
    decide(admin, shelf.reported, "hide", "An advert, not a review.")
    admin.post(f"/admin/reviews/review/{shelf.reported.pk}/delete/", {"post": "yes"})
    assert not Review.objects.filter(pk=shelf.reported.pk).exists()
    deleted = AuditEntry.objects.get(action="delete")
    assert deleted.review is None and (deleted.reader, deleted.book) == (owner, shelf.book)
    assert "1★ review by owner" in deleted.subject and deleted.moderator_name == "staff"
    site_post(owner, shelf.book, 5, "A different review altogether.")
    fresh = Review.objects.get(user=owner, book=shelf.book)
    [item] = desk_items([fresh])
    assert [entry.action for entry in item.history] == ["delete", "hide"]
