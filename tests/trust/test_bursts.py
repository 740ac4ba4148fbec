"""Burst detection: planted bursts are found with the right numbers, steady traffic is not."""

import dataclasses
import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from candor.trust.bursts import (
    BURST_NUMBERS,
    EXPLAINED,
    FEATURES,
    Context,
    _range_argmin,
    benjamini_hochberg,
    bh_steps,
    bursts,
    corpus_context,
    joined_steps,
    overdispersion,
    product_summaries,
    window_p_values,
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


def part_of(reviews: Reviews, rows: np.ndarray) -> Reviews:
    """The reviews ``rows`` (whole products), products renumbered densely."""
    _, product = np.unique(reviews.product[rows], return_inverse=True)
    return table(product, reviews.rating[rows], reviews.time[rows])


def parts_context(parts: list[Reviews], cuts: int, rng: np.random.Generator) -> Context:
    """The corpus' context from its parts, as `candor score` assembles it on the engine:
    the products' summaries and the star counts, then the BH steps of the parts'
    p-values, cut into ``cuts`` contiguous ranges of distinct values."""
    summaries = [product_summaries(part) for part in parts]
    joined = {name: np.concatenate([s[name] for s in summaries]) for name in summaries[0]}
    stars = sum(np.bincount(part.rating, minlength=6)[1:] for part in parts)
    context = corpus_context(joined, np.asarray(stars))
    p = np.concatenate([window_p_values(part, context) for part in parts])
    values, counts = np.unique(p, return_counts=True)
    edges = np.unique(np.concatenate(([0, len(values)], rng.integers(0, len(values) + 1, cuts))))
    ranges = [
        bh_steps(values[lo:hi], counts[lo:hi], context.family, int(counts[:lo].sum()))
        for lo, hi in itertools.pairwise(edges)
    ]
    return dataclasses.replace(context, steps=joined_steps(ranges))


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 120), min_size=1, max_size=8),
    campaign=st.integers(0, 40),
    days=st.integers(1, 900),
    parts=st.integers(1, 4),
    cuts=st.integers(0, 5),
    seed=st.integers(0, 2**16),
)
def test_products_with_the_corpus_context_are_the_whole_corpus(
    sizes: list[int], campaign: int, days: int, parts: int, cuts: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    product = np.repeat(np.arange(len(sizes)), sizes)  # a size of 0: a product without reviews
    day = rng.integers(0, days, len(product))  # few days: many ties
    rating = rng.choice([1, 2, 3, 4, 5], len(product), p=[0.1, 0.1, 0.2, 0.3, 0.3])
    burst_day = int(rng.integers(0, days))
    product = np.concatenate((product, np.zeros(campaign, np.int64)))
    day = np.concatenate((day, burst_day + rng.integers(0, 3, campaign)))
    rating = np.concatenate((rating, np.full(campaign, 5)))
    if not len(product):
        return
    _, product = np.unique(product, return_inverse=True)
    order = rng.permutation(len(product))
    whole = table(product[order], rating[order], day[order] * DAY + rng.integers(0, DAY, len(day)))
    expected = bursts(whole)
    assign = rng.integers(parts, size=whole.n_products)[whole.product]
    pieces = [rows for rows in (np.flatnonzero(assign == k) for k in range(parts)) if len(rows)]
    books = [part_of(whole, rows) for rows in pieces]
    context = parts_context(books, cuts, rng)
    for rows, reviews in zip(pieces, books, strict=True):
        got = bursts(reviews, context=context)
        for kind in ("features", "flags", "numbers"):
            for name, values in getattr(got, kind).items():
                np.testing.assert_array_equal(values, getattr(expected, kind)[name][rows])


@settings(max_examples=60, deadline=None)
@given(
    p=st.lists(
        st.sampled_from([0.0, 1e-12, 1e-4, 0.003, 0.01, 0.2, 0.5, 1.0]) | st.floats(0, 1),
        max_size=60,
    ),
    extra=st.integers(0, 100),
)
def test_benjamini_hochberg_is_the_step_up_procedure(p: list[float], extra: int) -> None:
    """The q-values read off the steps are the textbook step-up ones, bit for bit: sort,
    ``p * family / rank``, the minimum from each rank on, at most 1."""
    values = np.asarray(p, dtype=np.float64)
    family = len(values) + extra
    order = np.argsort(values, kind="stable")
    ranked = values[order] * family / np.arange(1, len(values) + 1)
    expected = np.empty(len(values))
    expected[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    np.testing.assert_array_equal(benjamini_hochberg(values, family), expected)
