"""A moderator's "Keep" does not survive an edit; helpful votes count only from
accounts the analysis trusts. By persona, through the site, the API and the admin."""

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from candor.catalog.models import Book
from candor.reviews.models import HelpfulVote, Report, Review
from candor.reviews.services import (
    TrustReason,
    delete_users,
    override_trust,
    record_trust,
    recount_all_helpful,
    vote_helpful,
)
from tests.conftest import assert_stored_is_scratch, client_for

pytestmark = pytest.mark.django_db

TEXT = "The cables quoted at length make the 1950 talks come alive, if slowly."
SPREE = TrustReason("review_spree", "account posted 40 reviews in one day")


@pytest.fixture
def review(book: Book, owner: User, write: Any) -> Review:
    return write(owner, book, 2, TEXT, days_ago=100, title="Slow but worth it")


def keep(staff: User, review: Review) -> Review:
    """Staff press "Keep" in the admin."""
    client_for(staff).post(
        "/admin/reviews/review/",
        {"action": "keep_selected", "_selected_action": [review.pk], "note": "checked"},
    )
    kept = Review.objects.get(pk=review.pk)
    assert kept.trust_override == 1.0 and kept.trust_override_by == staff
    return kept


def site_edit(user: User, book: Book, rating: int, title: str, text: str) -> Any:
    data = {"action": "submit", "rating": rating, "title": title, "text": text}
    return client_for(user).post(reverse("write_review", args=[book.slug]), data)


def edited_reports(review: Review) -> list[Report]:
    return list(Report.objects.filter(review=review, reason=Report.Reason.EDITED))


# --- an edit clears "Keep" -------------------------------------------------------------


def test_owner_changing_the_stars_on_the_site_clears_keep_and_requeues_it(
    book, owner, staff, review
) -> None:
    record_trust(review, 0.1, [SPREE])
    keep(staff, review)
    site_edit(owner, book, 5, "Slow but worth it", TEXT)
    edited = Review.objects.get(pk=review.pk)
    assert edited.rating == 5 and edited.trust_override is None
    assert edited.trust_override_by is None and edited.trust_override_at is None
    assert edited.effective_trust <= 0.1  # the analysis counts again
    [report] = edited_reports(edited)
    assert report.reporter is None and report.resolved_at is None
    assert "changed the stars after staff kept this review" in report.note
    assert_stored_is_scratch(book)
    # Staff see it again: the open report in the list, the reason in the reports' admin.
    admin = client_for(staff)
    reports = admin.get("/admin/reviews/report/?resolved_at__isempty=1").content.decode()
    assert "Edited after a moderator&#x27;s decision" in reports
    page = admin.get(f"/admin/reviews/review/{review.pk}/change/").content.decode()
    assert "Edited after a moderator&#x27;s decision" in page


def test_owner_changing_the_text_through_the_api_clears_keep_once(
    book, owner, staff, review, api_as
) -> None:
    keep(staff, review)
    client = api_as(owner)
    assert client.patch(f"/reviews/{review.pk}", {"text": TEXT + " Revised."}).status_code == 200
    assert Review.objects.get(pk=review.pk).trust_override is None
    assert "changed the text after" in edited_reports(review)[0].note
    # Kept again, which resolves that report with the decision; edited again: one open
    # report again, Candor's second.
    keep(staff, review)
    [first] = edited_reports(review)
    assert first.resolved_by == staff and first.decision.action == "keep"
    client.patch(f"/reviews/{review.pk}", {"rating": 1, "text": TEXT + " Revised twice."})
    assert Review.objects.get(pk=review.pk).trust_override is None
    [still_open] = [r for r in edited_reports(review) if r.resolved_at is None]
    assert still_open.pk != first.pk and "changed the stars and the text" in still_open.note
    assert_stored_is_scratch(book)


@pytest.mark.parametrize("path", ["site", "api"])
def test_nothing_changed_or_only_the_titles_spacing_keeps_keep(
    path, book, owner, staff, review, api_as
) -> None:
    keep(staff, review)
    for title in ("Slow but worth it", "  Slow  but worth it ", "Slow but\tworth it"):
        if path == "site":
            site_edit(owner, book, 2, title, TEXT)
        else:
            api_as(owner).patch(f"/reviews/{review.pk}", {"title": title, "rating": 2})
        assert Review.objects.get(pk=review.pk).trust_override == 1.0
    assert not edited_reports(review)


def test_a_discount_stays_after_an_edit(book, owner, staff, review) -> None:
    override_trust(review, by=staff, trust=0.0, note="paid review")
    site_edit(owner, book, 5, "Now I love it", TEXT + " Much better than I said.")
    edited = Review.objects.get(pk=review.pk)
    assert edited.trust_override == 0.0 and not edited_reports(edited)
    assert_stored_is_scratch(book)


def test_keep_survives_deleting_and_posting_the_same_again_not_a_change(
    book, owner, staff, review, api_as
) -> None:
    keep(staff, review)
    client = api_as(owner)
    client.delete(f"/reviews/{review.pk}")
    body = {"rating": 2, "title": "Slow but worth it", "text": TEXT}
    assert client.post(f"/books/{book.slug}/reviews", body).status_code == 201
    assert Review.objects.get(pk=review.pk).trust_override == 1.0
    client.delete(f"/reviews/{review.pk}")
    client.post(f"/books/{book.slug}/reviews", {**body, "rating": 1})
    assert Review.objects.get(pk=review.pk).trust_override is None
    assert len(edited_reports(review)) == 1
    assert_stored_is_scratch(book)


@pytest.mark.parametrize("persona", ["other_user", "staff"])
def test_readers_cannot_give_candors_own_reason(persona, other_user, staff, review, api_as):  # type: ignore[no-untyped-def]
    user = {"other_user": other_user, "staff": staff}[persona]
    response = api_as(user).post(f"/reviews/{review.pk}/reports", {"reason": "edited"})
    assert response.status_code == 422
    client_for(user).post(reverse("report", args=[review.pk]), {"reason": "edited"})
    assert not Report.objects.exists()
    form = client_for(user).get(reverse("report", args=[review.pk])).content.decode()
    assert "Edited after" not in form and "Spam or advertising" in form


# --- helpful votes ---------------------------------------------------------------------


def test_a_vote_from_an_account_less_than_a_week_old_is_kept_but_not_counted(
    book, review, make_user, api_as
) -> None:
    fresh = make_user("fresh", joined_days_ago=1)
    client_for(fresh).post(reverse("helpful", args=[review.pk]))
    vote = HelpfulVote.objects.get(voter=fresh)
    assert not vote.counted and Review.objects.get(pk=review.pk).helpful_count == 0
    html = client_for(None).get(book.get_absolute_url()).content.decode()
    assert "found this helpful" not in html
    newer = make_user("newer", joined_days_ago=6.9)
    response = api_as(newer).post(f"/reviews/{review.pk}/helpful")
    assert response.status_code == 201 and response.json()["helpful_count"] == 0
    settled = make_user("settled", joined_days_ago=8)
    response = api_as(settled).post(f"/reviews/{review.pk}/helpful")
    assert response.json()["helpful_count"] == 1
    # A recount (candor trust) judges the votes as of when they were cast: still one.
    recount_all_helpful()
    assert Review.objects.get(pk=review.pk).helpful_count == 1
    assert HelpfulVote.objects.count() == 3
    assert_stored_is_scratch(book)


def test_fresh_votes_do_not_reorder_the_most_helpful_list(
    book, owner, other_user, review, make_user, write
) -> None:
    second = write(other_user, book, 4, "Another careful reader's view of the talks.")
    for i in range(3):
        vote_helpful(make_user(f"sock{i}", joined_days_ago=0.01), second)
    vote_helpful(make_user("reader"), review)
    html = client_for(None).get(book.get_absolute_url() + "?sort=helpful").content.decode()
    assert html.index("The cables quoted") < html.index("Another careful reader")


def test_votes_from_distrusted_voters_count_once_their_trust_is_restored(
    book, review, make_user, write, make_book
) -> None:
    voter = make_user("spreeer")
    own = write(voter, make_book("Elsewhere"), 5, "Wonderful, the best book of the year.")
    record_trust(own, 0.2, [SPREE])
    vote_helpful(voter, review)
    assert Review.objects.get(pk=review.pk).helpful_count == 0
    record_trust(own, 0.9, [])  # the next batch run finds nothing against them
    assert recount_all_helpful() == 1
    assert Review.objects.get(pk=review.pk).helpful_count == 1
    record_trust(own, 0.3, [SPREE])
    recount_all_helpful()
    assert Review.objects.get(pk=review.pk).helpful_count == 0
    assert_stored_is_scratch(book)


def test_a_new_accounts_low_review_trust_alone_does_not_make_it_a_distrusted_voter(
    book, review, make_user, make_book
) -> None:
    newcomer = make_user("newcomer", joined_days_ago=10)
    first = client_for(newcomer).post(
        reverse("write_review", args=[make_book("Their First").slug]),
        {"action": "submit", "rating": 4, "text": "My first review here, of a fine book."},
    )
    assert first.status_code == 302
    own = Review.objects.get(user=newcomer)
    assert own.trust < 0.5 and any(r["code"] == "new_account" for r in own.trust_reasons)
    vote_helpful(newcomer, review)  # ten days old: old enough to vote
    assert Review.objects.get(pk=review.pk).helpful_count == 1


def test_deleting_a_voter_keeps_an_imported_count(book, review, make_user) -> None:
    Review.objects.filter(pk=review.pk).update(helpful_count=10)  # what an import carried
    voter, fresh = make_user("voter"), make_user("fresh", joined_days_ago=0)
    vote_helpful(voter, review)
    vote_helpful(fresh, review)
    assert Review.objects.get(pk=review.pk).helpful_count == 11
    delete_users(User.objects.filter(pk__in=[voter.pk, fresh.pk]))
    assert Review.objects.get(pk=review.pk).helpful_count == 10
    assert not HelpfulVote.objects.exists()


def test_the_trust_command_recounts_votes(book, review, make_user, write, make_book) -> None:
    voter = make_user("voter")
    own = write(voter, make_book("Elsewhere"), 4, "A fair and careful book on its subject.")
    record_trust(own, 0.1, [SPREE])  # found by an earlier run, since cleared up
    vote_helpful(voter, review)
    assert Review.objects.get(pk=review.pk).helpful_count == 0
    out = io.StringIO()
    call_command("trust", stdout=out)
    assert Review.objects.get(pk=own.pk).trust >= 0.5, out.getvalue()
    assert Review.objects.get(pk=review.pk).helpful_count == 1
    assert "helpful votes recounted (1 changed)" in out.getvalue()
    # Every review the run read is now one an edit cannot raise until the next run.
    assert not Review.objects.filter(trust_batch_at=None).exists()
    assert_stored_is_scratch(book)
