"""Lockstep groups: a planted ring is found with its numbers; look-alikes are not."""

import numpy as np
import scipy.sparse as sp

from candor.trust.combine import merged_reasons, reasons
from candor.trust.lockstep import FEATURES, lockstep, peel
from candor.trust.table import SECONDS_PER_DAY, Reviews

DAY = SECONDS_PER_DAY


def table(
    product: np.ndarray, reviewer: np.ndarray, rating: np.ndarray, day: np.ndarray
) -> Reviews:
    n = len(product)
    return Reviews(
        review_id=[str(i) for i in range(n)],
        product=np.asarray(product, np.int64),
        reviewer=np.asarray(reviewer, np.int64),
        rating=np.asarray(rating, np.int64),
        time=(np.asarray(day) * DAY).astype(np.int64),
        verified=np.zeros(n, bool),
        helpful=np.zeros(n, np.int64),
    )


def background(rng: np.random.Generator, n: int = 6000) -> tuple[np.ndarray, ...]:
    """Ordinary reviews: 3,000 accounts (a few heavy), 400 products, two years."""
    reviewer = np.minimum(rng.zipf(1.6, n) - 1, 2999)
    product = np.minimum(rng.zipf(1.3, n) - 1, 399)
    rating = rng.choice([1, 2, 3, 4, 5], n, p=[0.1, 0.1, 0.2, 0.3, 0.3])
    day = rng.integers(0, 730, n)
    return product, reviewer, rating, day


def ring(
    accounts: int,
    products: int,
    first_account: int,
    first_product: int,
    star: int,
    day: int,
    spread: int = 3,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, ...]:
    rng = rng or np.random.default_rng(0)
    reviewer = np.repeat(np.arange(first_account, first_account + accounts), products)
    product = np.tile(np.arange(first_product, first_product + products), accounts)
    days = day + rng.integers(0, spread, len(reviewer))
    return product, reviewer, np.full(len(reviewer), star), days


def join(*parts: tuple[np.ndarray, ...]) -> Reviews:
    return table(*(np.concatenate(columns) for columns in zip(*parts, strict=True)))


def test_empty_one_and_identical_times() -> None:
    empty = lockstep(table(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)))
    assert set(empty.features) == set(FEATURES) and len(empty.flags["lockstep"]) == 0
    one = lockstep(table(np.array([0]), np.array([0]), np.array([5]), np.array([3])))
    assert not one.flags["lockstep"].any()
    same = lockstep(table(np.arange(5), np.zeros(5), np.full(5, 4), np.zeros(5)))
    assert not same.flags["lockstep"].any()
    assert all(np.isfinite(v).all() for v in same.features.values())


def test_planted_ring_found_with_numbers_and_sentence() -> None:
    rng = np.random.default_rng(0)
    base = background(rng)
    planted = ring(31, 9, first_account=5000, first_product=100, star=5, day=300, rng=rng)
    r = join(base, planted)
    out = lockstep(r)
    ring_rows = np.arange(len(base[0]), len(r))
    assert out.flags["lockstep"][ring_rows].all()
    assert out.flags["lockstep"][: len(base[0])].mean() < 0.001
    i = int(ring_rows[0])
    assert out.numbers["lockstep"][i] == 9
    assert out.numbers["lockstep_accounts"][i] == 30
    text = reasons(merged_reasons([out], len(r)), i)
    assert text[0].startswith("account reviewed the same 9 books as 30 other accounts")
    assert out.features["lockstep_member"][ring_rows].all()
    assert out.features["lockstep_fraudar"][ring_rows].all()  # FRAUDAR's densest block


def test_small_ring_found() -> None:
    rng = np.random.default_rng(1)
    base = background(rng)
    r = join(base, ring(4, 3, first_account=5000, first_product=50, star=1, day=100, rng=rng))
    out = lockstep(r)
    rows = np.arange(len(base[0]), len(r))
    assert out.flags["lockstep"][rows].all()
    assert out.numbers["lockstep"][rows[0]] == 3 and out.numbers["lockstep_accounts"][rows[0]] == 3


def test_same_products_spread_over_years_is_not_lockstep() -> None:
    rng = np.random.default_rng(2)
    base = background(rng)
    spread = ring(31, 9, 5000, 100, star=5, day=0, spread=730, rng=rng)
    out = lockstep(join(base, spread))
    assert out.flags["lockstep"][len(base[0]) :].mean() < 0.05


def test_same_products_and_time_but_different_stars_is_not_lockstep() -> None:
    rng = np.random.default_rng(3)
    base = background(rng)
    product, reviewer, _, day = ring(31, 9, 5000, 100, star=5, day=300, rng=rng)
    mixed = (product, reviewer, rng.integers(1, 6, len(product)), day)
    out = lockstep(join(base, mixed))
    assert out.flags["lockstep"][len(base[0]) :].mean() < 0.1


def test_peel_core_numbers_on_a_biclique() -> None:
    # 5 x 4 biclique with unit weights plus a pendant edge: core of the clique is 4
    rows = [*np.repeat(np.arange(5), 4), 5]
    cols = [*np.tile(np.arange(4), 5), 0]
    m = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(6, 4))
    core_r, _, best_r, best_c = peel(m)
    assert core_r[5] < 1.2
    assert (core_r[:5] >= 4.0).all() and (core_r[:5] <= 4.0 * 1.1**2).all()
    assert best_r[:5].all() and not best_r[5] and best_c.all()
