"""Campaigns on some books, even ones trust analysis misses, hardly move the other books:
the web app's side of `bench/spill.py` (which measures it on real reviews)."""

from datetime import timedelta

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from candor.catalog.models import Book
from candor.reviews import store
from candor.reviews.models import Review
from tests.conftest import assert_stored_is_scratch, make_isbn13

pytestmark = pytest.mark.django_db

BOOKS = 40
ATTACKED = 6


def catalogue() -> list[Book]:
    rng = np.random.default_rng(3)
    books = [Book.objects.create(title=f"Book {i}", isbn13=make_isbn13()) for i in range(BOOKS)]
    readers = User.objects.bulk_create(User(username=f"reader{i}") for i in range(300))
    now = timezone.now()
    rows = []
    for book in books:
        lean = rng.uniform(2.5, 4.8)
        for reader in rng.choice(readers, size=rng.integers(2, 25), replace=False):
            stars = int(np.clip(np.rint(rng.normal(lean, 0.9)), 1, 5))
            when = now - timedelta(days=int(rng.integers(1, 2000)))
            rows.append(Review(book=book, user=reader, rating=stars, created_at=when))
    Review.objects.bulk_create(rows)
    return books


def ratings() -> dict[int, float | None]:
    return dict(Book.objects.values_list("pk", "rating"))


def test_trusted_campaigns_on_some_books_move_the_others_by_a_hundredth_at_most() -> None:
    books = catalogue()
    store.rebuild()
    before = ratings()
    # The worst case: campaigns trust analysis did not catch (trust 1), 1 and 5 stars.
    attackers = User.objects.bulk_create(User(username=f"fake{i}") for i in range(60))
    now = timezone.now()
    fakes = [
        Review(book=book, user=attacker, rating=5 if n % 2 else 1, created_at=now)
        for n, book in enumerate(books[:ATTACKED])
        for attacker in attackers
    ]
    Review.objects.bulk_create(fakes)
    store.rebuild()
    after = ratings()
    others = [book.pk for book in books[ATTACKED:]]
    moves = [abs(after[pk] - before[pk]) for pk in others]  # type: ignore[operator]
    assert np.mean(moves) <= 0.02
    assert max(moves) <= ATTACKED * 4 / 400  # each book moves the prior by 0.01 at most
    assert any(abs(after[b.pk] - before[b.pk]) > 0.3 for b in books[:ATTACKED])  # type: ignore[operator]
    assert_stored_is_scratch(*books)
