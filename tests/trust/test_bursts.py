"""Burst detection: planted bursts are found with the right numbers, steady traffic is not."""

import numpy as np
from scipy import stats

from candor.trust.bursts import (
    BURST_NUMBERS,
    EXPLAINED,
    FEATURES,
    _range_argmin,
    benjamini_hochberg,
    bursts,
    overdispersion,
)
from candor.trust.combine import merged_reasons, reasons
from candor.trust.table import SECONDS_PER_DAY, Reviews

DAY = SECONDS_PER_DAY


def table(product: np.ndarray, rating: np.ndarray, seconds: np.ndarray) -> Reviews:
    n = len(product)
    return Reviews(
        review_id=[str(i) for i in range(n)],
        product=np.asarray(product, np.int64),
        reviewer=np.arange(n, dtype=np.int64),
        rating=np.asarray(rating, np.int64),
        time=np.asarray(seconds, np.int64),
        verified=np.zeros(n, bool),
        helpful=np.zeros(n, np.int64),
    )


def steady(rng: np.random.Generator, products: int, days: int = 730) -> Reviews:
    """Poisson traffic with per-product rates and a mixed star distribution."""
    rates = rng.gamma(2.0, 0.25, products)
    counts = rng.poisson(rates[:, None], (products, days))
    product = np.repeat(np.repeat(np.arange(products), days), counts.ravel())
    day = np.repeat(np.tile(np.arange(days), products), counts.ravel())
    rating = rng.choice([1, 2, 3, 4, 5], len(day), p=[0.08, 0.07, 0.15, 0.35, 0.35])
    return table(product, rating, day * DAY + rng.integers(0, DAY, len(day)))


def with_burst(base: Reviews, product: int, day: int, size: int, star: int, span: int) -> Reviews:
    days = day + np.arange(size) % span
    return table(
        np.concatenate((base.product, np.full(size, product))),
        np.concatenate((base.rating, np.full(size, star))),
        np.concatenate((base.time, days * DAY + 3600)),
    )


def test_empty_one_and_identical_times() -> None:
    empty = bursts(table(np.zeros(0), np.zeros(0), np.zeros(0)))
    assert set(empty.features) == {*FEATURES, EXPLAINED} and len(empty.flags["burst"]) == 0
    one = bursts(table(np.array([0]), np.array([5]), np.array([0])))
    assert not one.flags["burst"].any()
    assert all(np.isfinite(v).all() for v in one.features.values())
    same = bursts(table(np.zeros(6), np.full(6, 5), np.full(6, 1_000_000)))
    assert all(np.isfinite(v).all() for v in same.features.values())
    assert set(same.numbers) == set(BURST_NUMBERS)


def test_planted_burst_found_with_numbers_and_sentence() -> None:
    rng = np.random.default_rng(0)
    base = steady(rng, 30)
    r = with_burst(base, product=3, day=400, size=40, star=5, span=2)
    out = bursts(r)
    planted = np.arange(len(base), len(r))
    assert out.flags["burst"][planted].all()
    i = planted[0]
    assert out.numbers["burst_star"][i] == 5
    assert 2 <= out.numbers["burst_days"][i] <= 3  # the most significant window may take a
    # neighbouring day with ordinary reviews in
    assert 40 <= out.numbers["burst"][i] <= 48  # the burst plus the normal reviews of those days
    assert out.numbers["burst_expected"][i] < 5
    text = reasons(merged_reasons([out], len(r)), int(i))[0]
    assert text.startswith("posted in a burst of ")
    assert " reviews in " in text and "five-star" in text


def test_burst_reviews_carry_the_share_their_history_explains() -> None:
    """40 five-star reviews in 2 days where the history predicts about one: each keeps at
    most the expected/observed share; reviews outside bursts keep 1."""
    rng = np.random.default_rng(0)
    base = steady(rng, 30)
    r = with_burst(base, product=3, day=400, size=40, star=5, span=2)
    out = bursts(r)
    planted = np.arange(len(base), len(r))
    explained = out.features[EXPLAINED]
    expected = out.numbers["burst_expected"][planted]
    assert (explained[planted] <= expected / 40 + 1e-9).all()
    assert (explained[planted] > 0).all()
    assert (explained[~out.flags["burst"]] == 1.0).all()


def test_steady_traffic_is_quiet() -> None:
    rng = np.random.default_rng(1)
    r = steady(rng, 200)
    out = bursts(r)
    assert out.flags["burst"].mean() < 0.002


def test_star_mix_shift_without_rate_jump() -> None:
    """A month of normal traffic that is suddenly all one-star is flagged, five-star ones not."""
    rng = np.random.default_rng(2)
    days = np.arange(0, 720)
    per_day = rng.poisson(1.0, len(days))
    day = np.repeat(days, per_day)
    rating = rng.choice([4, 5], len(day))
    window = (day >= 300) & (day < 330)
    rating[window] = 1
    rating[window & (rng.random(len(day)) < 0.1)] = 5
    out = bursts(table(np.zeros(len(day)), rating, day * DAY))
    one_star = window & (rating == 1)
    assert out.flags["burst"][one_star].mean() > 0.9
    assert not out.flags["burst"][window & (rating == 5)].any()
    assert out.numbers["burst_star"][one_star].max() == 1


def test_day_resolution_equals_seconds() -> None:
    rng = np.random.default_rng(3)
    base = with_burst(steady(rng, 10), 2, 300, 25, 1, 1)
    day_only = table(base.product, base.rating, base.time // DAY * DAY)
    a, b = bursts(base), bursts(day_only)
    for name in FEATURES:
        np.testing.assert_allclose(a.features[name], b.features[name])


def test_new_product_launch_day_is_not_automatically_a_burst() -> None:
    # a product whose only history is 3 reviews on its first day
    r = table(np.zeros(3), np.array([5, 4, 5]), np.zeros(3))
    assert not bursts(r).flags["burst"].any()


def test_benjamini_hochberg_matches_reference() -> None:
    rng = np.random.default_rng(4)
    p = rng.random(200) ** 3
    q = benjamini_hochberg(p)
    m = len(p)
    order = np.argsort(p)
    reference = np.empty(m)
    running = 1.0
    for rank in range(m, 0, -1):
        running = min(running, p[order[rank - 1]] * m / rank)
        reference[order[rank - 1]] = running
    np.testing.assert_allclose(q, reference)
    # p-values left out as 1 do not change the others
    small = p < 0.05
    np.testing.assert_allclose(
        benjamini_hochberg(p[small], family=m), benjamini_hochberg(np.where(small, p, 1.0))[small]
    )


def test_range_argmin_matches_brute_force() -> None:
    rng = np.random.default_rng(5)
    score = rng.random(300)
    lo = rng.integers(0, 290, 1000)
    hi = np.minimum(lo + rng.integers(0, 30, 1000), 299)
    arg = _range_argmin(score, lo, hi)
    brute = [a + int(np.argmin(score[a : b + 1])) for a, b in zip(lo, hi, strict=True)]
    assert arg.tolist() == brute


def test_overdispersion_estimate() -> None:
    rng = np.random.default_rng(6)
    products, days = 50, 600
    rate = rng.gamma(4.0, 0.25, (products, days))  # Gamma shape 4 -> phi = 1/4
    counts = rng.poisson(rate)
    product = np.repeat(np.repeat(np.arange(products), days), counts.ravel())
    day = np.repeat(np.tile(np.arange(days), products), counts.ravel())
    phi = overdispersion(product, day, products)
    assert 0.15 < phi < 0.35
    assert overdispersion(np.zeros(0, np.int64), np.zeros(0, np.int64), 0) == 0.0


def test_negative_binomial_parametrisation() -> None:
    """The (shape, shape / (shape + mu)) parametrisation has mean mu."""
    shape, mu = 3.0, 7.5
    assert np.isclose(stats.nbinom.mean(shape, shape / (shape + mu)), mu)


def test_a_surge_with_the_usual_mix_is_traffic_a_mixed_promotion_is_not() -> None:
    """A launch-like surge whose stars are drawn like the product's own does not cap
    anything; forty reviews split between four and five stars on the same product, whose
    readers also give one to three, are a shift up: both stars are capped."""
    rng = np.random.default_rng(7)
    base = steady(rng, 4)
    usual = rng.choice([1, 2, 3, 4, 5], 40, p=[0.08, 0.07, 0.15, 0.35, 0.35])
    days = 400 + np.arange(40) % 3
    surge = table(
        np.concatenate((base.product, np.zeros(40, np.int64))),
        np.concatenate((base.rating, usual)),
        np.concatenate((base.time, days * DAY + 3600)),
    )
    out = bursts(surge)
    assert (out.features[EXPLAINED][len(base) :] == 1.0).all()
    mixed = np.where(np.arange(40) % 2 == 0, 4, 5)
    promotion = table(
        np.concatenate((base.product, np.zeros(40, np.int64))),
        np.concatenate((base.rating, mixed)),
        np.concatenate((base.time, days * DAY + 3600)),
    )
    capped = bursts(promotion).features[EXPLAINED][len(base) :]
    assert (capped[mixed == 4] < 0.5).all() and (capped[mixed == 5] < 0.5).all()
