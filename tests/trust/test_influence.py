"""Bounded influence: whatever a block's reviews are, an established book's history keeps
its say (`candor.trust.influence`)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from candor.ratings import Prior, Reviews, rate_books
from candor.trust import influence
from candor.trust.table import SECONDS_PER_DAY

BLOCK = influence.PERIOD_DAYS * SECONDS_PER_DAY
START = 20_000 * BLOCK  # the attack block's start, 2013-ish


def history_and_block(
    seed: int, history: int, block: int, stars: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times, stars and verified flags: ``history`` reviews over up to five years
    before the block, then ``block`` reviews inside it."""
    rng = np.random.default_rng(seed)
    before = START - rng.integers(1, 5 * 365, history) * SECONDS_PER_DAY
    inside = START + rng.integers(0, BLOCK, block)
    times = np.r_[before, inside]
    new_stars = rng.integers(1, 6, block) if stars is None else np.full(block, stars)
    return (
        times.astype(np.int64),
        np.r_[rng.integers(1, 6, history), new_stars].astype(np.int64),
        rng.random(history + block) < rng.random(),
    )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 100_000),
    history=st.integers(int(influence.ESTABLISHED) * 2, 300),
    block=st.integers(1, 2_000),
    stars=st.one_of(st.none(), st.integers(1, 5)),
)
def test_a_block_never_outweighs_an_established_history(
    seed: int, history: int, block: int, stars: int | None
) -> None:
    """Reviews of one block, whatever their number, stars and verified flags, weigh at
    most SHARE times the rest in the book's rating (METHOD.md), so they move it at most
    SHARE / (1 + SHARE) of the way toward their own average."""
    times, ratings, verified = history_and_block(seed, history, block, stars)
    n = len(times)
    product = np.zeros(n, np.int64)
    share, _, _ = influence.bounded_influence(np.ones(n), verified, product, times)
    reviews = Reviews.from_columns(ratings, times.astype(np.float64), verified, share)
    rated = rate_books(reviews, product, 1, now=float(times.max()), prior=Prior((1.0,) * 5, "flat"))
    weights = rated.weights
    assert weights[history:].sum() <= influence.SHARE * weights[:history].sum() * (1 + 1e-9)


@settings(max_examples=100, deadline=None)
@given(
    found=st.floats(0, 1e6),
    admitted=st.floats(0, 1e6),
    decayed=st.floats(0, 1e6),
)
def test_the_scalar_and_array_rules_agree(found: float, admitted: float, decayed: float) -> None:
    scalar = influence.admitted_share(found, admitted, decayed)
    array = influence.admitted_shares(np.array([found]), np.array([admitted]), np.array([decayed]))
    assert np.isclose(scalar, array[0])
    assert 0 <= scalar <= 1


def test_new_books_are_not_bounded() -> None:
    """Below ESTABLISHED reviews' worth of history a book's readers are all it has."""
    times = START + np.arange(500, dtype=np.int64)
    share, _, _ = influence.bounded_influence(
        np.ones(500), np.ones(500, bool), np.zeros(500, np.int64), times
    )
    assert (share == 1).all()


def test_a_flood_does_not_buy_a_bigger_allowance() -> None:
    """The history is what was admitted: a block of 1,000 reviews after 40 old ones
    counts as 40, and the next block's allowance grows from 80, not from 1,040."""
    old = START - 400 * SECONDS_PER_DAY + np.arange(40, dtype=np.int64) * SECONDS_PER_DAY
    flood = START + np.arange(1000, dtype=np.int64)
    later = START + BLOCK + np.arange(1000, dtype=np.int64)
    times = np.r_[old, flood, later]
    n = len(times)
    share, size, history = influence.bounded_influence(
        np.ones(n), np.ones(n, bool), np.zeros(n, np.int64), times
    )
    assert (share[:40] == 1).all()
    flood_units = share[40:1040].sum()
    assert flood_units <= 40 * (1 + 1e-9)
    assert size[40] == 1000 and history[40] == 40
    assert history[1040] <= 80 + 1e-9
    assert share[1040:].sum() <= influence.SHARE * 80 + 1e-9


def test_honest_traffic_of_the_real_samples_is_rarely_bounded() -> None:
    """On real reviews (all honest), a block exceeds its history's allowance rarely:
    launches and waves of popular products. Measured: under 5 % of reviews."""
    real_data = __import__("pytest").importorskip("bench.real_data")
    if not real_data.available():
        __import__("pytest").skip("../shared/data is not here")
    for name in ("amazon_books", "amazon_fashion", "amazon_electronics"):
        corpus = real_data.load(name)
        share, _, _ = influence.bounded_influence(
            np.ones(len(corpus)), corpus.verified, corpus.product, corpus.seconds.astype(np.int64)
        )
        assert (share < 1).mean() < 0.05, name
