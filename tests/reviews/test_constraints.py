"""The database itself refuses what the forms refuse, on SQLite and PostgreSQL alike."""

import pytest
from django.db import DataError, IntegrityError, transaction

from candor.catalog.models import Book
from candor.reviews.limits import TEXT_MAX, TITLE_MAX
from candor.reviews.models import HelpfulVote, Order, Review

pytestmark = pytest.mark.django_db


def refused(**fields: object) -> bool:
    # PostgreSQL reports an over-long varchar as DataError; the check constraints as IntegrityError.
    try:
        with transaction.atomic():
            Review.objects.create(**fields)
    except (IntegrityError, DataError):
        return True
    return False


@pytest.mark.parametrize("rating", [0, 6, 100])
def test_database_refuses_ratings_outside_1_to_5(book, owner, rating) -> None:
    assert refused(book=book, user=owner, rating=rating)


def test_database_refuses_over_long_title_and_text(book, owner) -> None:
    assert refused(book=book, user=owner, rating=3, title="t" * (TITLE_MAX + 1))
    assert refused(book=book, user=owner, rating=3, text="x" * (TEXT_MAX + 1))
    assert not refused(book=book, user=owner, rating=3, title="t" * TITLE_MAX, text="x" * TEXT_MAX)


def test_database_refuses_second_review_by_same_user(book, owner) -> None:
    Review.objects.create(book=book, user=owner, rating=4)
    assert refused(book=book, user=owner, rating=2)
    assert Review.objects.get().rating == 4


def test_database_refuses_duplicate_and_self_votes(book, owner, other_user) -> None:
    review = Review.objects.create(book=book, user=owner, rating=4)
    HelpfulVote.objects.create(review=review, voter=other_user, review_author=owner)
    for voter in (other_user, owner):
        with pytest.raises(IntegrityError), transaction.atomic():
            HelpfulVote.objects.create(review=review, voter=voter, review_author=owner)
    assert HelpfulVote.objects.count() == 1


def test_database_refuses_malformed_isbn(make_book) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Book.objects.create(title="Bad", slug="bad", isbn13="12345")


def test_database_refuses_duplicate_order(book, owner) -> None:
    Order.objects.create(user=owner, book=book, ordered_at="2024-01-01", source="shop")
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(user=owner, book=book, ordered_at="2024-01-01", source="shop")
