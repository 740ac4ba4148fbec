"""What a visitor of the demo (`candor demo`, as bin/run loads it) finds: a catalogue of
many books and subjects, works with several editions, hundreds of reviews, a review
campaign that the trust analysis caught, and a report a moderator resolved with a note."""

import json
from statistics import mean

import pytest
from django.contrib.auth.models import User
from django.db.models import Count
from stdnum import isbn

from candor.catalog.models import Book, Subject, Work
from candor.demo import campaign, desk, voices
from candor.demo.shelf import SHELF_PATH
from candor.reviews.models import AuditEntry, Report, Review
from candor.reviews.trust_levels import DOWNWEIGHTED_BELOW
from tests.conftest import client_for
from tests.demo.conftest import DemoRuns

pytestmark = pytest.mark.django_db

MOBY_DICK = campaign.BOOK_ISBN
THINKING_FAST = "9780374275631"


def campaign_reviews() -> list[Review]:
    usernames = [username for username, _ in campaign.ACCOUNTS]
    return list(Review.objects.filter(book__isbn13=MOBY_DICK, user__username__in=usernames))


def test_a_catalogue_worth_browsing(demo: DemoRuns) -> None:
    assert Book.objects.count() >= 40
    with_books = Subject.objects.annotate(n=Count("books")).filter(n__gt=0)
    assert with_books.count() >= 3
    assert Review.objects.count() >= 300
    assert User.objects.filter(reviews__isnull=False).distinct().count() >= 50
    # A work in three editions: two formats and a translation.
    work = Work.objects.get(editions__isbn13=THINKING_FAST)
    editions = work.editions.all()
    assert {e.format for e in editions} == {"hardcover", "paperback"}
    assert {e.language for e in editions} == {"en", "de"}
    assert Work.objects.annotate(n=Count("editions")).filter(n__gte=2).count() >= 5
    page = client_for(None).get(editions.get(isbn13=THINKING_FAST).get_absolute_url())
    html = page.content.decode()
    assert "3 editions of this work" in html and "Schnelles Denken, langsames Denken" in html
    # Browsing a subject lists each work once.
    listing = client_for(None).get("/books/?subject=science-fiction&sort=title").content.decode()
    assert listing.count(">Dune</a>") == 1 and "The Left Hand of Darkness" in listing


def test_running_the_demo_again_changes_nothing(demo: DemoRuns) -> None:
    assert demo.first["Book"] >= 40 and demo.first["Review"] >= 300
    assert demo.second == demo.first
    assert demo.output.count("Staff account for /admin/") == 1


def test_the_campaign_is_caught_by_the_trust_analysis(demo: DemoRuns) -> None:
    burst = campaign_reviews()
    assert len(burst) == len(campaign.ACCOUNTS)
    for review in burst:
        assert review.trust_batch_at is not None  # scored by `candor trust`'s code path
        assert review.effective_trust < DOWNWEIGHTED_BELOW
        codes = {reason["code"] for reason in review.trust_reasons}
        assert codes & {"copied_text", "burst"}, review.trust_reasons
    assert sum("copied_text" in str(r.trust_reasons) for r in burst) >= len(burst) - 1
    honest = Review.objects.filter(book__isbn13=MOBY_DICK).exclude(pk__in=[r.pk for r in burst])
    assert sum(r.effective_trust >= DOWNWEIGHTED_BELOW for r in honest) > 0.8 * honest.count()
    # The campaign barely moves the rating: it stays near what honest readers say.
    book = Book.objects.get(isbn13=MOBY_DICK)
    honest_mean = mean(r.rating for r in honest)
    posted_mean = mean(r.rating for r in Review.objects.filter(book=book))
    assert book.rating is not None
    assert abs(book.rating - honest_mean) < abs(posted_mean - honest_mean) / 3


def test_a_visitor_sees_why_the_campaign_counts_for_little(demo: DemoRuns) -> None:
    book = Book.objects.get(isbn13=MOBY_DICK)
    assert f"Have a look at {book.get_absolute_url()}ratings/" in demo.output  # bin/run says so
    page = client_for(None).get(book.get_absolute_url()).content.decode()
    assert "How are ratings calculated?" in page
    explained = client_for(None).get(f"{book.get_absolute_url()}ratings/").content.decode()
    burst = len(campaign.ACCOUNTS)
    assert "reviews were down-weighted by trust analysis or a moderator" in explained
    assert f"posted in a burst of {burst} five-star reviews in 2 days" in explained
    assert f"one of {burst} copies of the same text" in explained
    assert "a moderator set its trust to 0.00" in explained


def test_a_moderator_resolved_a_report_with_a_note(demo: DemoRuns) -> None:
    report = Report.objects.get(reporter__username=desk.REPORTER)
    assert report.resolved_at is not None and report.resolved_by.username == desk.EDITOR
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DISCOUNT)  # once, after two runs
    assert report.decision == entry and entry.note == desk.DECISION_NOTE
    assert entry.moderator_name == desk.EDITOR and entry.review == report.review
    assert entry.trust_before is not None and entry.trust_before < DOWNWEIGHTED_BELOW
    review = Review.objects.get(pk=report.review.pk)
    assert review.user.username in dict(campaign.ACCOUNTS) and review.effective_trust == 0.0
    # Staff see the decision in the desk's log and the other report still waiting.
    staff = client_for(User.objects.get(username=desk.EDITOR))
    assert desk.DECISION_NOTE in staff.get("/desk/log/").content.decode()
    queue = staff.get("/desk/?show=reported").content.decode()
    assert desk.WAITING_NOTE.split(",")[0] in queue and desk.REPORT_NOTE not in queue
    # A reader may not open the desk.
    assert client_for(User.objects.get(username=desk.REPORTER)).get("/desk/").status_code == 403


def test_the_shelf_is_real_books_and_invented_reviews_planned_the_same_every_time() -> None:
    shelf = json.loads(SHELF_PATH.read_text(encoding="utf-8"))
    assert all(isbn.is_valid(book["isbn"]) for book in shelf["books"])
    pool = voices.readers()
    first, again = voices.plan(shelf["books"], pool), voices.plan(shelf["books"], pool)
    assert first == again
    texts = [review.text for review in first]
    assert len(set(texts)) == len(texts)  # no two readers wrote the same text
    assert {review.rating for review in first} == {1, 2, 3, 4, 5}
