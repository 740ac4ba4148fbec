"""The stored rating state always equals the engine's result from scratch."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from candor.ratings import rate
from candor.reviews.models import RatingMonth, Review
from candor.reviews.rating import (
    book_rating,
    catalogue_prior,
    rating_history,
    rebuild_book_state,
    review_input,
)
from candor.reviews.services import hide_review, record_order, restore_review, vote_helpful
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def from_scratch(book, view="candor", now=None):  # type: ignore[no-untyped-def]
    reviews = book.reviews.filter(hidden=False).annotate(helpful=Count("votes"))
    inputs = [review_input(r, r.helpful) for r in reviews]
    return rate(inputs, now=now, prior=catalogue_prior(), view=view)


def assert_matches_scratch(book) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    for view in ("candor", "as_posted", "verified"):
        stored, scratch = book_rating(book, view=view, now=now), from_scratch(book, view, now)
        assert stored.count == scratch.count
        assert stored.stars == scratch.stars
        if scratch.rating is None:
            assert stored.rating is None
        else:
            assert stored.rating == pytest.approx(scratch.rating, abs=1e-12)


def test_every_kind_of_change_keeps_the_stored_state_exact(
    book, owner, other_user, staff, make_user, write
) -> None:
    first = write(owner, book, 5, days_ago=800)
    assert_matches_scratch(book)
    second = write(other_user, book, 2, days_ago=30)
    write(make_user("third"), book, 4)
    assert_matches_scratch(book)
    write(owner, book, 3)  # an edit keeps the original date
    assert Review.objects.get(pk=first.pk).rating == 3
    assert_matches_scratch(book)
    vote_helpful(other_user, first)
    vote_helpful(staff, first)
    assert_matches_scratch(book)
    hide_review(second, by=staff)
    assert_matches_scratch(book)
    restore_review(second, by=staff)
    assert_matches_scratch(book)
    record_order(other_user, book, timezone.localdate() - timedelta(days=60), "shop")
    assert Review.objects.get(pk=second.pk).verified_purchase
    assert_matches_scratch(book)


def test_rebuild_gives_the_same_state_as_incremental_updates(
    book, owner, other_user, write
) -> None:
    write(owner, book, 5, days_ago=400)
    write(other_user, book, 1, days_ago=3)
    incremental = {row.month: row.state for row in RatingMonth.objects.filter(book=book)}
    rebuild_book_state(book)
    assert {row.month: row.state for row in RatingMonth.objects.filter(book=book)} == incremental


def test_book_page_shows_interval_and_view_switch(book, owner, other_user, write) -> None:
    record_order(owner, book, timezone.localdate() - timedelta(days=9), "shop")
    write(owner, book, 5)
    write(other_user, book, 1)
    client = client_for(None)
    html = client.get(book.get_absolute_url()).content.decode()
    assert "likely between" in html and "As posted" in html and "Verified purchases only" in html
    as_posted = client.get(book.get_absolute_url(), {"view": "as_posted"}).content.decode()
    assert 'data-testid="rating-value">3.0<' in as_posted and "2 ratings" in as_posted
    verified = client.get(book.get_absolute_url(), {"view": "verified"}).content.decode()
    assert 'data-testid="rating-count">1 rating<' in verified


def test_rating_history_has_a_point_per_month_with_reviews(book, owner, other_user, write) -> None:
    write(owner, book, 5, days_ago=100)
    write(other_user, book, 1, days_ago=1)
    points = rating_history(book)
    assert len(points) == len({row.month for row in RatingMonth.objects.filter(book=book)})
    assert points[0][1] > points[-1][1]
    html = client_for(None).get(book.get_absolute_url()).content.decode()
    assert 'class="rating-chart"' in html


def test_hidden_reviews_leave_the_catalogue_prior(book, owner, other_user, staff, write) -> None:
    write(owner, book, 5)
    hidden = write(other_user, book, 1)
    hide_review(hidden, by=staff)
    from django.core.cache import cache

    cache.clear()
    assert catalogue_prior().alpha == pytest.approx(
        type(catalogue_prior()).from_star_counts({5: 1.0}, strength=5.0).alpha
    )


def test_explanation_page_for_a_book_uses_stored_state(book, owner, write) -> None:
    write(owner, book, 4)
    html = client_for(None).get(reverse("rating_explanation", args=[book.slug])).content.decode()
    assert "1 rating" in html


def test_rebuild_command_repairs_a_damaged_state(book, owner, other_user, write, capsys) -> None:
    from django.core.management import call_command

    write(owner, book, 5)
    write(other_user, book, 2)
    expected = book_rating(book).rating
    RatingMonth.objects.filter(book=book).delete()  # damage: the stored state is gone
    assert book_rating(book).rating is None
    call_command("rebuild_ratings")
    book.refresh_from_db()
    assert book_rating(book).rating == pytest.approx(expected) and book.rating_count == 2
    assert "Rebuilt the rating state of 1 books" in capsys.readouterr().out


def test_staff_recomputes_a_books_rating_in_the_admin(book, owner, staff, write) -> None:
    write(owner, book, 4)
    RatingMonth.objects.filter(book=book).delete()
    client_for(staff).post(
        "/admin/catalog/book/", {"action": "rebuild_ratings", "_selected_action": [book.pk]}
    )
    assert book_rating(book).count == 1
