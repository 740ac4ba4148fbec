"""Writing, editing, voting on and reporting customer reviews, by persona."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from candor.catalog.models import Book
from candor.reviews.limits import TEXT_MAX, TITLE_MAX
from candor.reviews.models import HelpfulVote, Report, Review
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def post_review(client: Client, book: Book, **data: object):  # type: ignore[no-untyped-def]
    data.setdefault("action", "submit")
    return client.post(reverse("write_review", args=[book.slug]), data)


def test_anonymous_is_sent_to_sign_in_to_write_a_review(book) -> None:
    client = client_for(None)
    response = client.get(reverse("write_review", args=[book.slug]))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    post_review(client, book, rating=5, title="x", text="y")
    assert Review.objects.count() == 0


def test_owner_posts_a_review_and_rating_updates_in_same_request(book, owner) -> None:
    response = post_review(
        client_for(owner), book, rating=4, title="Solid", text="Good archive work."
    )
    assert response.status_code == 302 and response["Location"] == book.get_absolute_url()
    review = Review.objects.get()
    assert (review.user, review.rating, review.title) == (owner, 4, "Solid")
    book.refresh_from_db()
    assert book.rating_count == 1 and 1 <= book.rating <= 5
    html = client_for(None).get(book.get_absolute_url()).content.decode()
    assert "Solid" in html and "Good archive work." in html and "Olive Owner" in html


def test_second_submit_edits_the_first_review(book, owner) -> None:
    client = client_for(owner)
    post_review(client, book, rating=2, title="First", text="Meh")
    first = Review.objects.get()
    post_review(client, book, rating=5, title="Changed my mind", text="Better on rereading")
    review = Review.objects.get()
    assert review.pk == first.pk and review.rating == 5 and review.created_at == first.created_at
    assert "Edit your review" in client.get(book.get_absolute_url()).content.decode()


@pytest.mark.parametrize("rating", ["", "0", "6", "five", "4.5"])
def test_invalid_or_missing_stars_are_refused_with_a_message(book, owner, rating) -> None:
    response = post_review(client_for(owner), book, rating=rating, title="t", text="x")
    assert response.status_code == 200
    assert Review.objects.count() == 0
    assert 'id="rating-error"' in response.content.decode()


def test_over_long_title_and_text_are_refused(book, owner) -> None:
    response = post_review(
        client_for(owner), book, rating=3, title="t" * (TITLE_MAX + 1), text="x" * (TEXT_MAX + 1)
    )
    html = response.content.decode()
    assert Review.objects.count() == 0
    assert f"at most {TITLE_MAX} characters" in html and f"at most {TEXT_MAX} characters" in html


def test_failed_edit_keeps_the_stored_review(book, owner, write) -> None:
    write(owner, book, 4, "Original text", title="Original")
    post_review(client_for(owner), book, rating=9, title="Broken", text="")
    review = Review.objects.get()
    assert (review.rating, review.title, review.text) == (4, "Original", "Original text")


def test_preview_shows_the_review_without_saving(book, owner) -> None:
    response = post_review(
        client_for(owner), book, rating=3, title="Preview me", text="Draft", action="preview"
    )
    html = response.content.decode()
    assert "Preview: this is how your review will be shown" in html and "Preview me" in html
    assert Review.objects.count() == 0


def test_review_text_is_shown_escaped(book, owner, write) -> None:
    write(
        owner,
        book,
        1,
        '<script>alert("x")</script><b>bold</b>',
        title="<img src=x onerror=alert(1)>",
    )
    html = client_for(None).get(book.get_absolute_url()).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert" in html and "&lt;img src=x" in html


def test_review_form_posts_require_csrf_token(book, owner) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert post_review(client, book, rating=5).status_code == 403
    assert Review.objects.count() == 0


def helpful_text(client: Client, book: Book) -> str:
    return client.get(book.get_absolute_url()).content.decode()


def test_other_user_votes_helpful_once(book, owner, other_user, write) -> None:
    review = write(owner, book, 4, "Useful")
    client = client_for(other_user)
    url = reverse("helpful", args=[review.pk])
    client.post(url)
    client.post(url)
    assert HelpfulVote.objects.filter(review=review).count() == 1
    assert Review.objects.get(pk=review.pk).helpful_count == 1
    assert "One person found this helpful" in helpful_text(client_for(None), book)


def test_helpful_count_reads_n_people(book, owner, make_user, write) -> None:
    review = write(owner, book, 4, "Useful")
    for i in range(3):
        client_for(make_user(f"voter{i}")).post(reverse("helpful", args=[review.pk]))
    assert "3 people found this helpful" in helpful_text(client_for(None), book)


def test_owner_cannot_vote_on_own_review(book, owner, write) -> None:
    review = write(owner, book, 4, "Mine")
    client = client_for(owner)
    response = client.post(reverse("helpful", args=[review.pk]), follow=True)
    assert "cannot vote on your own review" in response.content.decode()
    assert HelpfulVote.objects.count() == 0


def test_anonymous_cannot_vote_and_get_is_not_allowed(book, owner, other_user, write) -> None:
    review = write(owner, book, 4)
    url = reverse("helpful", args=[review.pk])
    assert reverse("login") in client_for(None).post(url)["Location"]
    assert client_for(other_user).get(url).status_code == 405
    assert HelpfulVote.objects.count() == 0


def test_other_user_reports_a_review_for_moderators(book, owner, other_user, write) -> None:
    review = write(owner, book, 1, "Spammy")
    client = client_for(other_user)
    url = reverse("report", args=[review.pk])
    assert "Report a review" in client.get(url).content.decode()
    response = client.post(url, {"reason": "spam", "note": "advertises a shop"}, follow=True)
    assert "moderators will look at this review" in response.content.decode()
    report = Report.objects.get()
    assert (report.review, report.reporter, report.reason) == (review, other_user, "spam")
    client.post(url, {"reason": "spam"})
    assert Report.objects.count() == 1


def test_report_needs_a_reason_and_owner_cannot_report_own(book, owner, other_user, write) -> None:
    review = write(owner, book, 1)
    url = reverse("report", args=[review.pk])
    assert client_for(other_user).post(url, {"reason": "bogus"}).status_code == 200
    client_for(owner).post(url, {"reason": "spam"})
    assert Report.objects.count() == 0


def reviews_on_page(html: str) -> list[str]:
    return re.findall(r'class="review-title">([^<]+)<', html)


def test_sort_by_most_helpful_and_most_recent(book, owner, other_user, make_user, write) -> None:
    old_helpful = write(owner, book, 3, title="Old but helpful", days_ago=100)
    write(other_user, book, 5, title="Newest", days_ago=1)
    client_for(make_user("fan")).post(reverse("helpful", args=[old_helpful.pk]))
    client = client_for(None)
    assert reviews_on_page(
        client.get(book.get_absolute_url(), {"sort": "helpful"}).content.decode()
    ) == ["Old but helpful", "Newest"]
    assert reviews_on_page(
        client.get(book.get_absolute_url(), {"sort": "recent"}).content.decode()
    ) == ["Newest", "Old but helpful"]


def test_filter_by_star(book, owner, other_user, write) -> None:
    write(owner, book, 3, title="Three")
    write(other_user, book, 5, title="Five")
    html = client_for(None).get(book.get_absolute_url(), {"stars": "5"}).content.decode()
    assert reviews_on_page(html) == ["Five"]


def test_reviews_are_paginated(book, make_user, write, settings) -> None:
    settings.REVIEWS_PER_PAGE = 2
    for i in range(5):
        write(make_user(f"r{i}"), book, 4, title=f"Review {i}", days_ago=i + 1)
    client = client_for(None)
    first = client.get(book.get_absolute_url(), {"sort": "recent"}).content.decode()
    last = client.get(book.get_absolute_url(), {"sort": "recent", "page": 3}).content.decode()
    assert reviews_on_page(first) == ["Review 0", "Review 1"] and "Page 1 of 3" in first
    assert reviews_on_page(last) == ["Review 4"]


def test_hidden_review_leaves_page_and_rating(book, owner, other_user, staff, write) -> None:
    from candor.reviews.services import hide_review, restore_review

    write(owner, book, 5, title="Kept")
    hidden = write(other_user, book, 1, title="Removed")
    hide_review(hidden, by=staff, reason="abuse")
    book.refresh_from_db()
    assert book.rating_count == 1
    html = client_for(None).get(book.get_absolute_url()).content.decode()
    assert "Kept" in html and "Removed" not in html
    restore_review(hidden, by=staff)
    book.refresh_from_db()
    assert book.rating_count == 2


def test_profile_lists_a_users_visible_reviews(book, owner, write) -> None:
    write(owner, book, 4, title="On my profile")
    html = client_for(None).get(reverse("profile", args=["owner"])).content.decode()
    assert "Olive Owner" in html and "On my profile" in html and "Uncertain Partners" in html
