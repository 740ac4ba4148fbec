"""The catalogue prior: no campaign on one book can move the others."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rating_strategies import NOW, PROPERTY

from candor.ratings import DEFAULT_CONFIG, Prior, Reviews, rate_books
from candor.ratings.review import seconds_since_epoch

NOW_SECONDS = seconds_since_epoch(NOW)
YEAR = 365 * 86_400.0


def catalogue(seed: int, books: int, skew: float) -> tuple[Reviews, np.ndarray]:
    """``books`` books with 1 to 30 reviews each, stars leaning on ``skew`` (1..5),
    trust anywhere in [0, 1], dates over ten years."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 31, size=books)
    owner = np.repeat(np.arange(books), sizes)
    n = len(owner)
    lean = np.clip(rng.normal(skew, 1.2, size=books)[owner] + rng.normal(0, 1, n), 1, 5)
    reviews = Reviews.from_columns(
        np.rint(lean).astype(int),
        NOW_SECONDS - rng.uniform(0, 10 * YEAR, n),
        rng.random(n) < 0.6,
        np.where(rng.random(n) < 0.2, rng.random(n), 1.0),
    )
    return reviews, owner


def ratings(reviews: Reviews, owner: np.ndarray, books: int) -> tuple[np.ndarray, Prior]:
    """Every book's rating with the catalogue prior of all of them, as the web app and
    `candor score` compute it."""
    first = rate_books(reviews, owner, books, now=NOW_SECONDS, prior=Prior.typical())
    prior = Prior.from_books(first.scores.mix, first.scores.evidence, DEFAULT_CONFIG)
    rated = rate_books(reviews, owner, books, now=NOW_SECONDS, prior=prior)
    return rated.scores.rating, prior


def joined(a: Reviews, b: Reviews) -> Reviews:
    return Reviews.from_columns(
        *(np.concatenate([getattr(a, name), getattr(b, name)])
          for name in ("stars", "seconds", "verified", "trust"))
    )  # fmt: skip


campaign = st.tuples(
    st.integers(1, 5),  # stars
    st.integers(1, 2000),  # how many reviews
    st.floats(0, 10),  # over how many years before now
    st.booleans(),  # verified
)


@PROPERTY
@given(st.integers(0, 2**32), st.integers(2, 120), st.floats(1, 5), st.data(), campaign)
def test_reviews_with_trust_0_on_one_book_change_no_other_book(seed, books, skew, data, attack):
    reviews, owner = catalogue(seed, books, skew)
    before, _ = ratings(reviews, owner, books)
    target = data.draw(st.integers(0, books - 1))
    stars, count, years, verified = attack
    fakes = Reviews.from_columns(
        [stars] * count,
        NOW_SECONDS - np.linspace(0, years * YEAR, count),
        [verified] * count,
        [0.0] * count,
    )
    after, _ = ratings(joined(reviews, fakes), np.concatenate([owner, [target] * count]), books)
    others = np.arange(books) != target
    assert after[others] == pytest.approx(before[others], rel=0, abs=1e-12, nan_ok=True)


@PROPERTY
@given(st.integers(0, 2**32), st.integers(100, 160), st.floats(1, 5), st.data(), campaign)
def test_trusted_reviews_on_one_book_move_no_other_book_by_more_than_a_hundredth(
    seed, books, skew, data, attack
):
    reviews, owner = catalogue(seed, books, skew)
    before, prior_before = ratings(reviews, owner, books)
    target = data.draw(st.integers(0, books - 1))
    stars, count, years, verified = attack
    added = Reviews.from_columns(
        [stars] * count,
        NOW_SECONDS - np.linspace(0, years * YEAR, count),
        [verified] * count,
        [1.0] * count,
    )
    after, prior_after = ratings(
        joined(reviews, added), np.concatenate([owner, [target] * count]), books
    )
    others = np.arange(books) != target
    moved = np.nan_to_num(np.abs(after[others] - before[others]))
    assert moved.max() <= 0.01
    assert abs(prior_after.mean - prior_before.mean) <= 4 / DEFAULT_CONFIG.typical_books


def test_a_young_catalogue_gets_mostly_the_typical_book():
    mixes = np.array([[0.0, 0.0, 0.0, 0.0, 1.0]] * 10)
    prior = Prior.from_books(mixes, np.full(10, 50.0))
    typical = Prior.typical()
    # Ten books count as ten: 10 / 410 of the way from the typical mean to 5.
    assert prior.mean == pytest.approx(typical.mean + (5 - typical.mean) * 10 / 410)


def test_a_book_counts_once_however_many_reviews_it_has():
    mix = np.array([[1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0]])
    small = Prior.from_books(mix, np.array([1.0, 1.0]))
    huge = Prior.from_books(mix, np.array([1.0, 1e6]))
    assert small.alpha == pytest.approx(huge.alpha)
    # A book with half a review's worth of evidence counts half.
    half = Prior.from_books(mix, np.array([1.0, 0.5]))
    assert half.mean < small.mean
