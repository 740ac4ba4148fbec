"""What waits on the desk: reported reviews first, then the undecided down-weighted ones,
lowest trust first, each with its text, its trust in words and its reasons."""

from typing import Any

import pytest

from candor.desk.queue import Queue
from candor.reviews.models import Review
from candor.reviews.services import (
    TrustReason,
    hide_review,
    override_trust,
    record_trust,
    report_review,
    withdraw_review,
)
from tests.desk.conftest import desk_html, queued_ids

pytestmark = pytest.mark.django_db


def test_the_queue_shows_reported_then_low_trust_reviews_with_text_trust_and_reasons(
    staff, shelf
) -> None:
    assert queued_ids(staff) == [shelf.reported.pk, shelf.doubtful.pk]
    html = desk_html(staff)
    assert "Buy my course at example.com instead." in html
    assert "Best book ever!!! Five stars!!!" in html
    assert "Careful with the archives." not in html  # trusted and unreported
    assert "0.31, doubtful: counts 31% of a full review" in html
    assert "posted in a burst of 12 five-star reviews in 2 days" in html
    assert "one of 14 copies of the same text" in html
    assert "Spam or advertising, by other" in html and "an advert for a course" in html
    assert "1.00, trusted: counts fully" in html  # the reported review's trust


def test_the_tabs_show_each_part_and_how_many_wait(staff, shelf) -> None:
    assert queued_ids(staff, "?show=reported") == [shelf.reported.pk]
    assert queued_ids(staff, "?show=low-trust") == [shelf.doubtful.pk]
    assert queued_ids(staff, "?show=nonsense") == [shelf.reported.pk, shelf.doubtful.pk]
    html = desk_html(staff)
    assert "Everything waiting (2)" in html and "Reported (1)" in html
    assert "Low trust (1)" in html


def test_a_doubtful_review_that_is_also_reported_is_listed_once_among_the_reported(
    staff, other_user, shelf
) -> None:
    report_review(other_user, shelf.doubtful, "fake", "")
    assert queued_ids(staff) == [shelf.reported.pk, shelf.doubtful.pk]
    assert queued_ids(staff, "?show=low-trust") == []


def test_lowest_trust_first_and_decided_or_hidden_reviews_leave(
    staff, shelf, make_user, write
) -> None:
    worse = write(make_user("worse"), shelf.book, 5, "Great great great.", days_ago=1)
    record_trust(worse, 0.05, [TrustReason("burst", "a burst")])
    assert queued_ids(staff, "?show=low-trust") == [worse.pk, shelf.doubtful.pk]
    override_trust(worse, by=staff, trust=0.0, note="paid")
    hide_review(shelf.doubtful, by=staff, reason="advert")
    assert queued_ids(staff, "?show=low-trust") == []


def test_a_review_its_author_deleted_waits_outside_and_comes_back_with_its_report(
    staff, owner, shelf, api_as
) -> None:
    withdraw_review(shelf.reported)
    assert shelf.reported.pk not in queued_ids(staff)
    body = {"rating": 2, "title": "", "text": "Different words this time."}
    assert api_as(owner).post(f"/books/{shelf.book.slug}/reviews", body).status_code == 201
    assert queued_ids(staff)[0] == shelf.reported.pk
    assert "an advert for a course" in desk_html(staff)


def test_pages_run_from_the_reported_part_into_the_low_trust_part(
    staff, shelf, make_user, write
) -> None:
    for number in range(24):
        review = write(make_user(f"bulk{number}"), shelf.book, 5, f"Text {number}", days_ago=2)
        record_trust(review, 0.4 + number / 100, [TrustReason("burst", "a burst")])
    everything = Queue("all")
    assert everything.count() == 26  # the reported one, the doubtful one, 24 more
    first, second = queued_ids(staff), queued_ids(staff, "?page=2")
    assert len(first) == 20 and len(second) == 6
    assert first[0] == shelf.reported.pk and first[1] == shelf.doubtful.pk
    trusts = [Review.objects.get(pk=pk).trust for pk in first[1:] + second]
    assert trusts == sorted(trusts)
    assert [r.pk for r in everything[18:22]] == first[18:] + second[:2]


def test_an_empty_queue_says_so(staff, shelf: Any) -> None:
    for review in (shelf.reported, shelf.doubtful):
        hide_review(review, by=staff, reason="gone")
    assert "Nothing is waiting for a decision here." in desk_html(staff)
