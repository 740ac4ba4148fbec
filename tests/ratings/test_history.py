"""The rating over time: running totals give what scoring each past moment directly gives."""

from datetime import timedelta
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rating_strategies import NOW, PROPERTY, configs, moments, reviews

from candor.ratings import (
    DEFAULT_CONFIG,
    Prior,
    ReviewInput,
    Reviews,
    history,
    rate,
    rating_history,
)
from candor.ratings.history import ratings_at, ratings_at_directly
from candor.ratings.review import seconds_since_epoch
from candor.ratings.sums import PER_BOOK, PER_STAR, book_sums

DAY = 86_400.0
TYPICAL = Prior.typical()


@PROPERTY
@given(
    st.lists(st.tuples(st.integers(0, 3), reviews()), min_size=1, max_size=40),
    st.lists(st.tuples(st.integers(0, 3), moments()), min_size=1, max_size=12),
    configs,
)
def test_running_totals_give_the_direct_ratings(owned, asked, config):
    books = np.array([book for book, _ in owned])
    columns = Reviews.of([review for _, review in owned])
    moment_books = np.array([book for book, _ in asked])
    when = np.array([seconds_since_epoch(moment) for _, moment in asked])
    prior = Prior.typical(config)
    # Running totals for every book, however small (they are otherwise for big books).
    with patch.object(history, "DIRECT_ROWS", -1):
        fast = ratings_at(columns, books, when, moment_books, prior=prior, config=config)
    direct = ratings_at_directly(columns, books, when, moment_books, prior=prior, config=config)
    assert fast == pytest.approx(direct, rel=1e-7, abs=1e-9, nan_ok=True)


@PROPERTY
@given(
    st.lists(st.tuples(st.integers(0, 2), reviews()), min_size=1, max_size=40),
    st.lists(st.tuples(st.integers(0, 2), moments()), min_size=1, max_size=8),
    configs,
)
def test_running_totals_are_the_sums_of_each_prefix(owned, asked, config):
    books = np.array([book for book, _ in owned])
    columns = Reviews.of([review for _, review in owned])
    moment_books = np.array([book for book, _ in asked])
    when = np.array([seconds_since_epoch(moment) for _, moment in asked])
    found = history.moment_sums(columns, books, when, moment_books, config)
    half_life = config.half_life_days * 86_400
    for k, (book, moment) in enumerate(zip(moment_books, when, strict=True)):
        own = columns.seconds[books == book]
        if len(own) and (own.max() - own.min()) / half_life > history.MAX_SPAN:
            continue  # ratings_at scores such a book directly
        seen = (books == book) & (columns.seconds <= moment)
        expected = book_sums(columns.take(seen), np.zeros(int(seen.sum()), int), 1, config)
        for name in (*PER_STAR, *PER_BOOK):
            got, want = getattr(found, name)[k], getattr(expected, name)[0]
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12, nan_ok=True), name


def test_a_book_spanning_centuries_is_scored_directly_and_still_right():
    days = [0, 300 * 365, 600 * 365]
    columns = Reviews.from_columns([5, 1, 4], [d * DAY for d in days], [True] * 3, [1.0] * 3)
    when = np.array([d * DAY for d in days])
    books = np.zeros(3, int)
    fast = rating_history(columns, when, prior=TYPICAL)
    direct = ratings_at_directly(columns, books, when, books, prior=TYPICAL, config=DEFAULT_CONFIG)
    assert fast == pytest.approx(direct)


def test_the_last_moment_is_todays_rating():
    items = [
        ReviewInput(5, NOW - timedelta(days=700), True),
        ReviewInput(2, NOW - timedelta(days=300), False, 0.5),
        ReviewInput(4, NOW, True),
        ReviewInput(1, NOW, True, 0.0),
    ]
    [last] = rating_history(Reviews.of(items), np.array([seconds_since_epoch(NOW)]), prior=TYPICAL)
    assert last == pytest.approx(rate(items, now=NOW).rating)
