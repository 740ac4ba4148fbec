"""A reader deleting their review withdraws it; posting again brings the same row back.

Deleting and posting again used to shed everything Candor knew about a review: a
moderator's hiding or decision, its reports, the batch's trust, its date. Now the row
stays out of sight (pages, lists, the API, the rating) and comes back as it was. Staff
deletes in the admin and deleted accounts still remove rows for real. By persona:
owner, other user, anonymous, staff; through the site and the API.
"""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candor.catalog.models import Book
from candor.reviews import store
from candor.reviews.models import Report, Review
from candor.reviews.services import (
    TrustReason,
    delete_users,
    hide_review,
    override_trust,
    record_trust,
    report_review,
)
from tests.conftest import assert_stored_is_scratch, client_for, stored

pytestmark = pytest.mark.django_db

WORDS = "The cables quoted at length make the 1950 talks come alive, slowly."
LOCKSTEP = TrustReason("lockstep", "account reviewed the same 3 books as 4 other accounts")


@pytest.fixture
def review(book: Book, owner: User, write: Any) -> Review:
    """The owner's review of ``book``, posted 200 days ago, among two others."""
    write(owner, book, 2, WORDS, days_ago=200, title="Slow")
    return Review.objects.get(user=owner, book=book)


@pytest.fixture
def others(book: Book, make_user: Any, write: Any) -> None:
    write(make_user("reader1"), book, 5, "A careful history of a hard alliance.", days_ago=300)
    write(make_user("reader2"), book, 4, "Good on the sources, thin on the war.", days_ago=90)


def site_delete(user: User | None, book: Book, confirmed: bool = True) -> Any:
    action = "delete-confirmed" if confirmed else "delete"
    return client_for(user).post(reverse("write_review", args=[book.slug]), {"action": action})


def site_post(user: User, book: Book, rating: int, text: str, title: str = "") -> Any:
    data = {"action": "submit", "rating": rating, "title": title, "text": text}
    return client_for(user).post(reverse("write_review", args=[book.slug]), data)


def moderated(review: Review, staff: User, other_user: User) -> Review:
    """The review reported, hidden by staff, discounted by staff, distrusted by a batch."""
    report_review(other_user, review, "fake", "paid for")
    record_trust(review, 0.12, [LOCKSTEP])
    override_trust(review, by=staff, trust=0.0, note="paid review")
    hide_review(review, by=staff, reason="advertising")
    return Review.objects.get(pk=review.pk)


def kept_state(review: Review) -> tuple[Any, ...]:
    fresh = Review.objects.get(pk=review.pk)
    return (
        fresh.pk,
        fresh.created_at,
        fresh.hidden,
        fresh.hidden_by_id,
        fresh.hidden_reason,
        fresh.trust_override,
        fresh.trust_override_by_id,
        fresh.trust,
        [r["code"] for r in fresh.trust_reasons],
        Report.objects.filter(review=fresh).count(),
    )


# --- the site --------------------------------------------------------------------------


def test_owner_deletes_through_the_site_and_it_leaves_every_page_and_the_rating(
    book, owner, other_user, others, review
) -> None:
    before = stored(book)
    confirm = site_delete(owner, book, confirmed=False)
    assert confirm.status_code == 200 and "Delete your review?" in confirm.content.decode()
    assert Review.objects.visible().filter(pk=review.pk).exists()  # not yet
    response = site_delete(owner, book)
    assert response.status_code == 302 and response["Location"] == book.get_absolute_url()
    gone = Review.objects.get(pk=review.pk)
    assert gone.withdrawn_at is not None and not gone.hidden
    assert not Review.objects.visible().filter(pk=review.pk).exists()
    after = stored(book)
    assert after.count == before.count - 1 and after.rating != before.rating
    assert_stored_is_scratch(book)
    for viewer in (None, other_user, owner):
        client = client_for(viewer)
        for page in (
            book.get_absolute_url(),
            book.get_absolute_url() + "?sort=recent",
            book.get_absolute_url() + "?stars=2",
            reverse("rating_explanation", args=[book.slug]),
            reverse("profile", args=["owner"]),
        ):
            assert "The cables quoted" not in client.get(page).content.decode(), page
        for name in ("helpful", "report"):
            answer = client.post(reverse(name, args=[review.pk]), {"reason": "spam"})
            assert answer.status_code in (302, 404)
    assert not gone.votes.exists() and not Report.objects.exists()
    # The owner's book page offers to write a review again; their downloads leave it out.
    page = client_for(owner).get(book.get_absolute_url()).content.decode()
    assert "Edit your review" not in page and "Write a review" in page
    download = json.loads(client_for(owner).get("/accounts/reviews.json").content)
    assert download["reviews"] == []


def test_owner_posting_again_through_the_site_brings_the_same_review_back(
    book, owner, other_user, staff, others, review
) -> None:
    state = kept_state(moderated(review, staff, other_user))
    site_delete(owner, book)
    form = client_for(owner).get(reverse("write_review", args=[book.slug])).content.decode()
    assert "You deleted your review of this book" in form and "Edit your review" not in form
    site_post(owner, book, 2, WORDS, title="Slow")
    back = Review.objects.get(user=owner, book=book)
    assert back.withdrawn_at is None
    assert kept_state(back) == state  # the date, hidden, the decision, the report, trust
    assert Review.objects.filter(user=owner, book=book).count() == 1
    assert_stored_is_scratch(book)


def test_posting_again_with_new_words_cannot_raise_the_batchs_trust(
    book, owner, others, review
) -> None:
    record_trust(review, 0.12, [LOCKSTEP])
    site_delete(owner, book)
    site_post(owner, book, 5, "A different text altogether, now full of praise for it.")
    back = Review.objects.get(pk=review.pk)
    assert (back.rating, back.created_at) == (5, review.created_at)
    assert back.trust <= 0.12 and back.trust_reasons[0]["code"] == "lockstep"
    assert back.trust_batch_at is not None
    assert_stored_is_scratch(book)


@pytest.mark.parametrize("who", ["other_user", "staff", "anonymous"])
def test_nobody_but_the_owner_deletes_a_review_on_the_site(
    who, book, owner, other_user, staff, review
) -> None:
    user = {"other_user": other_user, "staff": staff, "anonymous": None}[who]
    for confirmed in (False, True):
        response = site_delete(user, book, confirmed=confirmed)
        if user is None:
            assert response.status_code == 302 and reverse("login") in response["Location"]
        else:
            assert response.status_code == 404  # they have no review of the book to delete
    assert Review.objects.visible().filter(pk=review.pk).exists()
    assert Review.objects.get(pk=review.pk).withdrawn_at is None


# --- the API ---------------------------------------------------------------------------


def test_owner_deletes_and_posts_again_through_the_api_and_nothing_is_shed(
    book, owner, other_user, staff, others, review, api_as
) -> None:
    state = kept_state(moderated(review, staff, other_user))
    client = api_as(owner)
    assert client.delete(f"/reviews/{review.pk}").status_code == 204
    assert_stored_is_scratch(book)
    # Gone for everyone, the owner included: no reading, editing or deleting it again.
    for persona in (None, owner, other_user, staff):
        assert api_as(persona).get(f"/reviews/{review.pk}").status_code == 404
        listed = api_as(persona).get(f"/books/{book.slug}/reviews?sort=recent").json()
        assert review.pk not in [item["id"] for item in listed["items"]]
    assert client.patch(f"/reviews/{review.pk}", {"rating": 5}).status_code == 404
    assert client.delete(f"/reviews/{review.pk}").status_code == 404
    # Posting on the book again is not a conflict: the same review comes back as it was.
    response = client.post(
        f"/books/{book.slug}/reviews", {"rating": 2, "title": "Slow", "text": WORDS}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] == review.pk
    assert body["created_at"].startswith(review.created_at.date().isoformat())
    assert kept_state(review) == state
    # Still hidden by the moderator: not listed, not counted.
    assert api_as(None).get(f"/reviews/{review.pk}").status_code == 404
    assert_stored_is_scratch(book)
    again = client.post(f"/books/{book.slug}/reviews", {"rating": 3})
    assert again.status_code == 409


@pytest.mark.parametrize(("who", "status"), [("other_user", 403), ("staff", 403), (None, 401)])
def test_nobody_but_the_owner_deletes_through_the_api(
    who, status, book, owner, other_user, staff, review, api_as
) -> None:
    user = {"other_user": other_user, "staff": staff, None: None}[who]
    assert api_as(user).delete(f"/reviews/{review.pk}").status_code == status
    assert Review.objects.get(pk=review.pk).withdrawn_at is None


def test_a_visible_review_posted_again_keeps_its_date_votes_and_trust(
    book, owner, other_user, others, review, api_as
) -> None:
    api_as(other_user).post(f"/reviews/{review.pk}/helpful")
    kept = Review.objects.get(pk=review.pk)
    assert kept.helpful_count == 1
    api_as(owner).delete(f"/reviews/{review.pk}")
    assert stored(book).count == 2
    api_as(owner).post(f"/books/{book.slug}/reviews", {"rating": 2, "title": "Slow", "text": WORDS})
    back = Review.objects.get(pk=review.pk)
    assert back.created_at == kept.created_at and back.helpful_count == 1
    assert back.trust == kept.trust and stored(book).count == 3
    assert_stored_is_scratch(book)


# --- what still removes rows, and the constraints --------------------------------------


def test_staff_delete_and_account_deletion_remove_rows_for_real(
    book, owner, other_user, staff, others, review, api_as
) -> None:
    api_as(owner).delete(f"/reviews/{review.pk}")
    delete_users(User.objects.filter(pk=owner.pk))
    assert not Review.objects.filter(pk=review.pk).exists()
    assert_stored_is_scratch(book)
    target = Review.objects.get(user__username="reader1")
    admin = client_for(staff)
    # Staff see whether a review was withdrawn, and cannot set it by hand.
    page = admin.get(f"/admin/reviews/review/{target.pk}/change/").content.decode()
    assert "Withdrawn at" in page and 'name="withdrawn_at' not in page
    assert "withdrawn_at__isempty" in admin.get("/admin/reviews/review/").content.decode()
    admin.post(f"/admin/reviews/review/{target.pk}/delete/", {"post": "yes"})
    assert not Review.objects.filter(pk=target.pk).exists()
    assert_stored_is_scratch(book)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
def test_the_rating_store_still_reads_one_covering_index(book, owner, others, review) -> None:
    """The store's read of a book's visible reviews (withdrawn ones left out) is answered
    from the index review_list_recent alone, never the table's rows."""
    with CaptureQueriesContext(connection) as queries:
        store.visible_columns([book.pk])
    [read] = [q["sql"] for q in queries.captured_queries if "reviews_review" in q["sql"]]
    assert "withdrawn_at" in read
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {read}")
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "COVERING INDEX review_list_recent" in plan, plan


def test_one_review_per_reader_and_book_still_holds_for_withdrawn_ones(
    book, owner, review, api_as
) -> None:
    api_as(owner).delete(f"/reviews/{review.pk}")
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(book=book, user=owner, rating=3)
    withdrawn = Review.objects.get(pk=review.pk).withdrawn_at
    assert withdrawn is not None and withdrawn <= timezone.now() + timedelta(seconds=1)
