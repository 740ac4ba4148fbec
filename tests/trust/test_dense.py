"""Dense groups: a planted or injected campaign is found; honest graphs, agreeing readers and
camouflage are not; the peeling is FRAUDAR's greedy, checked against a slow reference."""

import heapq
import itertools
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import real_data
from candor.trust.dense import (
    CODE,
    CODE_PRODUCTS,
    FACTOR,
    Block,
    block_factor,
    build_graph,
    consensus_deviation,
    dense_blocks,
    peel,
    pushed_reviews,
    rating_spread,
    significant_blocks,
)
from candor.trust.table import Reviews


def table(
    product: np.ndarray, reviewer: np.ndarray, rating: np.ndarray, time: np.ndarray | None = None
) -> Reviews:
    n = len(product)
    return Reviews(
        review_id=[str(i) for i in range(n)],
        product=np.asarray(product, np.int64),
        reviewer=np.asarray(reviewer, np.int64),
        rating=np.asarray(rating, np.int64),
        time=np.arange(n, dtype=np.int64) * 3_600 if time is None else np.asarray(time, np.int64),
        verified=np.zeros(n, bool),
        helpful=np.zeros(n, np.int64),
    )


def honest_graph(
    rng: np.random.Generator, n: int, n_reviewers: int, n_products: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sparse honest reviewing: heavy-tailed activity and popularity, stars around each
    product's quality, at most one review per (account, product).

    Returns ``(product, reviewer, rating, quality)``.
    """
    activity = rng.pareto(2.0, n_reviewers) + 1e-3
    popularity = rng.pareto(1.2, n_products) + 1e-3
    reviewer = rng.choice(n_reviewers, n, p=activity / activity.sum())
    product = rng.choice(n_products, n, p=popularity / popularity.sum())
    _, first = np.unique(reviewer * n_products + product, return_index=True)
    reviewer, product = reviewer[first], product[first]
    quality = rng.normal(4.0, 0.7, n_products)
    rating = np.clip(np.rint(quality[product] + rng.normal(0, 1.0, len(product))), 1, 5)
    return product, reviewer, rating.astype(np.int64), quality


def planted_campaign(
    seed: int, accounts: int = 15, products: int = 8, camouflage: int = 4, fill: float = 1.0
) -> tuple[Reviews, np.ndarray]:
    """A sparse honest graph plus ``accounts`` x ``products`` reviews pushing against each
    target's quality (1 star on good books, 5 on poor ones; each written with probability
    ``fill``), and per account ``camouflage`` reviews of bestsellers that agree with them.

    Returns the table and each review's kind: 0 honest, 1 campaign, 2 camouflage.
    """
    rng = np.random.default_rng(seed)
    n_reviewers, n_products = 3000, 400
    product, reviewer, rating, quality = honest_graph(rng, 4000, n_reviewers, n_products)
    by_popularity = np.argsort(-np.bincount(product, minlength=n_products))
    targets = rng.choice(by_popularity[20:150], products, replace=False)
    bestsellers = by_popularity[:10]
    rows: list[tuple[int, int, int, int]] = []  # product, reviewer, stars, kind
    for account in range(n_reviewers, n_reviewers + accounts):
        written = targets[rng.random(products) < fill]
        rows += [(t, account, 5 if quality[t] < 4.0 else 1, 1) for t in written]
        for b in rng.choice(bestsellers, camouflage, replace=False):
            rows.append((b, account, int(np.clip(np.rint(quality[b]), 1, 5)), 2))
    extra = np.array(rows, dtype=np.int64)
    reviews = table(
        np.concatenate([product, extra[:, 0]]),
        np.concatenate([reviewer, extra[:, 1]]),
        np.concatenate([rating, extra[:, 2]]),
    )
    return reviews, np.concatenate([np.zeros(len(product), np.int64), extra[:, 3]])


def test_empty_single_and_one_product_inputs_flag_nothing() -> None:
    empty = dense_blocks(table(np.zeros(0), np.zeros(0), np.zeros(0)))
    assert empty.name == "dense"
    assert len(empty.features[FACTOR]) == 0 and len(empty.flags[CODE]) == 0
    assert set(empty.numbers) == {CODE, CODE_PRODUCTS}
    one = dense_blocks(table(np.array([0]), np.array([0]), np.array([5])))
    assert one.features[FACTOR].tolist() == [1.0] and not one.flags[CODE].any()
    # twenty accounts, one book, all 1 star: dense, but one product is not a group
    same = dense_blocks(table(np.zeros(20), np.arange(20), np.ones(20)))
    assert not same.flags[CODE].any() and (same.features[FACTOR] == 1.0).all()


def test_planted_block_found_and_camouflage_kept() -> None:
    reviews, kind = planted_campaign(seed=0)
    out = dense_blocks(reviews)
    flag, factor = out.flags[CODE], out.features[FACTOR]
    assert flag[kind == 1].mean() >= 0.9
    assert not flag[kind == 2].any()  # camouflage reviews of bestsellers keep their trust
    assert flag[kind == 0].mean() < 0.002
    assert (factor[flag] <= 0.1).all() and (factor[flag] >= 0.02).all()
    assert (factor[~flag] == 1.0).all()
    campaign = np.flatnonzero((kind == 1) & flag)
    assert out.numbers[CODE][campaign].tolist() == [15.0] * len(campaign)
    assert out.numbers[CODE_PRODUCTS][campaign].tolist() == [8.0] * len(campaign)
    assert (out.numbers[CODE][~flag] == 0).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_block_found_under_heavy_camouflage(seed: int) -> None:
    """Each account also reviews all ten bestsellers: more camouflage than campaign."""
    reviews, kind = planted_campaign(seed=seed, camouflage=10)
    flag = dense_blocks(reviews).flags[CODE]
    assert flag[kind == 1].mean() >= 0.9
    assert not flag[kind == 2].any()
    # the block pushes some books up and others down: both directions are caught
    assert set(reviews.rating[flag].tolist()) == {1, 5}


@pytest.mark.parametrize("seed", [0, 4])
def test_a_block_is_judged_the_same_on_the_reviews_of_its_products_alone(seed: int) -> None:
    """What the engine would send back to judge a block: the reviews of its products,
    with their consensus weights, and the corpus's mean stars outside the block."""
    reviews, _ = planted_campaign(seed=seed, fill=0.8)
    weight = np.random.default_rng(seed).uniform(0.2, 1.0, len(reviews))
    blocks, _ = significant_blocks(build_graph(reviews))
    assert blocks
    spread = rating_spread(reviews)
    for block in blocks:
        whole = pushed_reviews(reviews, block, spread, weight)
        on_products = np.isin(reviews.product, block.products)
        outside = ~np.isin(reviews.reviewer, block.reviewers)
        subset = table(
            reviews.product[on_products], reviews.reviewer[on_products], reviews.rating[on_products]
        )
        mean = float(reviews.rating[outside].sum()) / int(outside.sum())
        part = pushed_reviews(subset, block, spread, weight[on_products], outside_mean=mean)
        assert whole.any() and not whole[~on_products].any()
        np.testing.assert_array_equal(part, whole[on_products])
        # each review's deviation is the same to the last bit, given the corpus's mean
        deviation = consensus_deviation(
            reviews.product, reviews.rating * 1.0, outside, reviews.n_products, weight
        )
        mine = consensus_deviation(
            subset.product,
            subset.rating * 1.0,
            outside[on_products],
            subset.n_products,
            weight[on_products],
            mean,
        )
        np.testing.assert_array_equal(mine, deviation[on_products])


def test_partly_filled_block_is_found() -> None:
    """Each account writes only about 60 % of the 8 campaign reviews."""
    reviews, kind = planted_campaign(seed=0, fill=0.6)
    flag = dense_blocks(reviews).flags[CODE]
    assert flag[kind == 1].mean() >= 0.8
    assert flag[kind == 0].mean() < 0.002


def test_a_review_written_twice_is_one_edge_and_both_copies_are_judged() -> None:
    reviews, kind = planted_campaign(seed=0)
    twice = int(np.flatnonzero(kind == 1)[0])
    doubled = table(
        np.append(reviews.product, reviews.product[twice]),
        np.append(reviews.reviewer, reviews.reviewer[twice]),
        np.append(reviews.rating, reviews.rating[twice]),
    )
    flag = dense_blocks(doubled).flags[CODE]
    assert flag[twice] and flag[-1]


def test_denser_blocks_keep_less_trust() -> None:
    assert block_factor(1.0, 1.0) == pytest.approx(0.1)
    assert block_factor(2.0, 1.0) == pytest.approx(0.05)
    assert block_factor(50.0, 1.0) == pytest.approx(0.02)


def test_accounts_that_agree_with_everyone_are_not_penalised() -> None:
    """A reading club: 15 accounts reviewing the same 8 books, each member's stars drawn like
    everyone else's. Dense, so perhaps a significant block, but it pushes nothing."""
    rng = np.random.default_rng(7)
    n_reviewers, n_products = 3000, 400
    product, reviewer, rating, quality = honest_graph(rng, 4000, n_reviewers, n_products)
    club = np.arange(n_reviewers, n_reviewers + 15)
    books = rng.choice(np.arange(50, 150), 8, replace=False)
    club_product = np.tile(books, len(club))
    club_reviewer = np.repeat(club, len(books))
    noise = rng.normal(0, 1.0, len(club_product))
    club_rating = np.clip(np.rint(quality[club_product] + noise), 1, 5).astype(np.int64)
    out = dense_blocks(
        table(
            np.concatenate([product, club_product]),
            np.concatenate([reviewer, club_reviewer]),
            np.concatenate([rating, club_rating]),
        )
    )
    assert out.flags[CODE].sum() <= 0.002 * len(out.flags[CODE])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(20, 3000),
    reviewers_per_review=st.floats(0.2, 1.5),
    reviews_per_product=st.floats(2.0, 30.0),
)
def test_random_honest_graphs_flag_almost_nothing(
    seed: int, n: int, reviewers_per_review: float, reviews_per_product: float
) -> None:
    rng = np.random.default_rng(seed)
    n_reviewers = max(3, int(n * reviewers_per_review))
    n_products = max(2, int(n / reviews_per_product))
    product, reviewer, rating, _ = honest_graph(rng, n, n_reviewers, n_products)
    out = dense_blocks(table(product, reviewer, rating))
    assert out.flags[CODE].mean() <= 0.01
    assert np.isfinite(out.features[FACTOR]).all()


def test_time_stamps_do_not_matter() -> None:
    reviews, _ = planted_campaign(seed=4)
    rng = np.random.default_rng(4)
    shuffled = table(
        reviews.product,
        reviews.reviewer,
        reviews.rating,
        rng.permutation(reviews.time) * 1_000 + rng.integers(0, 999, len(reviews)),
    )
    before, after = dense_blocks(reviews), dense_blocks(shuffled)
    assert before.flags[CODE].any()
    np.testing.assert_array_equal(before.flags[CODE], after.flags[CODE])
    np.testing.assert_array_equal(before.features[FACTOR], after.features[FACTOR])
    for key in (CODE, CODE_PRODUCTS):
        np.testing.assert_array_equal(before.numbers[key], after.numbers[key])


# -- the peeling ------------------------------------------------------------------------------

Edges = list[tuple[int, int, float]]


def density(edges: Edges, rows: set[int], cols: set[int]) -> float:
    if not rows and not cols:
        return 0.0
    inside = sum(w for r, c, w in edges if r in rows and c in cols)
    return inside / (len(rows) + len(cols))


def reference_peel(
    edges: Edges, n_rows: int, n_cols: int, min_rows: int = 1, min_cols: int = 1
) -> float:
    """FRAUDAR's greedy written slowly: recompute every degree, drop the lowest (ties: lower
    node number, columns numbered after rows), keep the densest large-enough prefix."""
    nodes = {r for r, _, _ in edges} | {n_rows + c for _, c, _ in edges}
    best = 0.0

    def split(alive: set[int]) -> tuple[set[int], set[int]]:
        return {v for v in alive if v < n_rows}, {v - n_rows for v in alive if v >= n_rows}

    alive = set(nodes)
    while alive:
        rows, cols = split(alive)
        if len(rows) < min_rows or len(cols) < min_cols:
            break
        best = max(best, density(edges, rows, cols))
        degree = dict.fromkeys(alive, 0.0)
        for r, c, w in edges:
            if r in rows and c in cols:
                degree[r] += w
                degree[n_rows + c] += w
        alive.remove(min(alive, key=lambda v: (degree[v], v)))
    return best


def brute_force(edges: Edges, n_rows: int, n_cols: int) -> float:
    best = 0.0
    for row_mask, col_mask in itertools.product(range(1 << n_rows), range(1 << n_cols)):
        rows = {r for r in range(n_rows) if row_mask >> r & 1}
        cols = {c for c in range(n_cols) if col_mask >> c & 1}
        best = max(best, density(edges, rows, cols))
    return best


@st.composite
def small_graphs(draw: st.DrawFn) -> tuple[Edges, int, int]:
    """Bipartite graphs of at most 8 nodes; weights are multiples of 1/8, so every sum is
    exact in floating point and ties break the same way in both peelings."""
    n_rows = draw(st.integers(1, 4))
    n_cols = draw(st.integers(1, 4))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n_rows - 1), st.integers(0, n_cols - 1)),
            min_size=1,
            max_size=n_rows * n_cols,
            unique=True,
        )
    )
    weights = draw(st.lists(st.integers(1, 16), min_size=len(pairs), max_size=len(pairs)))
    return [(r, c, w / 8) for (r, c), w in zip(pairs, weights, strict=True)], n_rows, n_cols


def run_peel(edges: Edges, n_rows: int, n_cols: int, min_rows: int = 1, min_cols: int = 1) -> Block:
    rows = np.array([r for r, _, _ in edges], np.int64)
    cols = np.array([c for _, c, _ in edges], np.int64)
    weights = np.array([w for _, _, w in edges], np.float64)
    return peel(rows, cols, weights, n_rows, n_cols, min_rows, min_cols)


@settings(max_examples=200, deadline=None)
@given(graph=small_graphs(), min_rows=st.integers(1, 3), min_cols=st.integers(1, 2))
def test_heap_peeling_is_the_greedy_peeling(
    graph: tuple[Edges, int, int], min_rows: int, min_cols: int
) -> None:
    edges, n_rows, n_cols = graph
    block = run_peel(edges, n_rows, n_cols, min_rows, min_cols)
    assert block.density == reference_peel(edges, n_rows, n_cols, min_rows, min_cols)
    rows, cols = set(block.reviewers.tolist()), set(block.products.tolist())
    assert density(edges, rows, cols) == pytest.approx(block.density)
    if block.density > 0:
        assert len(rows) >= min_rows and len(cols) >= min_cols


@settings(max_examples=200, deadline=None)
@given(graph=small_graphs())
def test_peeling_is_within_fraudars_bound_of_the_densest_subgraph(
    graph: tuple[Edges, int, int],
) -> None:
    """Greedy peeling is not exact; FRAUDAR's Theorem 1 bounds it by half the optimum."""
    edges, n_rows, n_cols = graph
    best = brute_force(edges, n_rows, n_cols)
    found = run_peel(edges, n_rows, n_cols).density
    assert best / 2 - 1e-12 <= found <= best + 1e-12


@settings(max_examples=100, deadline=None)
@given(
    block_rows=st.integers(2, 3),
    block_cols=st.integers(2, 3),
    pendants=st.lists(st.tuples(st.booleans(), st.integers(0, 2)), max_size=2),
)
def test_peeling_finds_a_biclique_exactly(
    block_rows: int, block_cols: int, pendants: list[tuple[bool, int]]
) -> None:
    """A heavy biclique with light pendant edges: the greedy's block is the brute-force one."""
    edges: Edges = [(r, c, 1.0) for r in range(block_rows) for c in range(block_cols)]
    n_rows, n_cols = block_rows, block_cols
    for is_row, anchor in pendants:  # a new node hanging off the block by a light edge
        if is_row:
            edges.append((n_rows, anchor % block_cols, 0.125))
            n_rows += 1
        else:
            edges.append((anchor % block_rows, n_cols, 0.125))
            n_cols += 1
    block = run_peel(edges, n_rows, n_cols)
    assert block.density == pytest.approx(brute_force(edges, n_rows, n_cols))
    assert block.reviewers.tolist() == list(range(block_rows))
    assert block.products.tolist() == list(range(block_cols))


def heapq_peel(
    rows: np.ndarray,
    cols: np.ndarray,
    weights: np.ndarray,
    n_rows: int,
    min_rows: int,
    min_cols: int,
) -> tuple[set[int], float]:
    """FRAUDAR's greedy with Python's heapq (lazy deletion), the same float operations in the
    same order as the compiled loop: the nodes of the densest prefix and its density."""
    degree: dict[int, float] = {}
    neighbours: dict[int, list[tuple[int, float]]] = {}
    for r, c, w in zip(rows.tolist(), (cols + n_rows).tolist(), weights.tolist(), strict=True):
        for a, b in ((r, c), (c, r)):
            neighbours.setdefault(a, []).append((b, w))
    for node, edges in neighbours.items():  # summed as np.bincount sums them: in edge order
        degree[node] = float(np.bincount([0] * len(edges), weights=[w for _, w in edges])[0])
    alive = set(neighbours)
    heap = [(degree[v], v) for v in sorted(alive)]
    heapq.heapify(heap)
    count = lambda: (sum(v < n_rows for v in alive), sum(v >= n_rows for v in alive))  # noqa: E731
    total, best, best_alive = float(weights.sum()), float(weights.sum()) / len(alive), set(alive)
    while count()[0] >= min_rows and count()[1] >= min_cols:
        _, v = heapq.heappop(heap)
        if v not in alive:
            continue
        alive.remove(v)
        total -= degree[v]
        for other, w in neighbours[v]:
            if other in alive:
                degree[other] -= w
                heapq.heappush(heap, (degree[other], other))
        if count()[0] >= min_rows and count()[1] >= min_cols and total / len(alive) > best:
            best, best_alive = total / len(alive), set(alive)
    return best_alive, best


@pytest.mark.parametrize("seed", range(6))
def test_compiled_peeling_matches_a_heapq_peeling_bit_for_bit(seed: int) -> None:
    """Sparse random graphs with arbitrary float weights (so sums round) and many tied
    weights (so ties break by node number): the same block and the same density."""
    rng = np.random.default_rng(seed)
    n_rows, n_cols, n_edges = 120, 60, 500
    pairs = np.unique(rng.integers(0, n_rows * n_cols, n_edges))
    rows, cols = pairs // n_cols, pairs % n_cols
    weights = np.where(rng.random(len(pairs)) < 0.5, 0.25, rng.random(len(pairs)))
    min_rows, min_cols = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    block = peel(rows, cols, weights, n_rows, n_cols, min_rows, min_cols)
    nodes, density = heapq_peel(rows, cols, weights, n_rows, min_rows, min_cols)
    assert block.density == density
    assert set(block.reviewers.tolist()) == {v for v in nodes if v < n_rows}
    assert set(block.products.tolist()) == {v - n_rows for v in nodes if v >= n_rows}


# -- real data --------------------------------------------------------------------------------

needs_data = pytest.mark.skipif(
    not real_data.available(), reason="../shared/data is not beside the repository"
)


@needs_data
@pytest.mark.parametrize(
    "load", [real_data.amazon_books, real_data.amazon_fashion, real_data.amazon_kindle]
)
def test_real_amazon_samples_flag_under_one_percent(load: Callable[[], real_data.Corpus]) -> None:
    reviews = load().trust_reviews()
    assert dense_blocks(reviews).flags[CODE].mean() < 0.01


def injected_pool(reviews: Reviews, seed: int) -> tuple[Reviews, np.ndarray]:
    """20 new accounts, each giving 4 or 5 stars to 3-6 consecutive books of the 10
    lowest-rated books with at least two reviews (staggered, overlapping subsets)."""
    rng = np.random.default_rng(seed)
    count = np.bincount(reviews.product)
    mean = np.bincount(reviews.product, weights=reviews.rating) / np.maximum(count, 1)
    reviewed = np.flatnonzero(count >= 2)
    books = reviewed[np.argsort(mean[reviewed], kind="stable")[:10]]
    rows = []
    for account in range(20):
        for step in range(int(rng.integers(3, 7))):
            book = books[(account + step) % len(books)]
            rows.append((book, reviews.n_reviewers + account, int(rng.choice([4, 5]))))
    extra = np.array(rows, dtype=np.int64)
    injected = table(
        np.concatenate([reviews.product, extra[:, 0]]),
        np.concatenate([reviews.reviewer, extra[:, 1]]),
        np.concatenate([reviews.rating, extra[:, 2]]),
        np.concatenate([reviews.time, np.full(len(extra), reviews.time.max())]),
    )
    return injected, np.arange(len(injected)) >= len(reviews)


@needs_data
@pytest.mark.parametrize("seed", [0, 1])
def test_injected_pool_on_real_books_is_mostly_flagged(seed: int) -> None:
    reviews, fake = injected_pool(real_data.amazon_books().trust_reviews(), seed)
    out = dense_blocks(reviews)
    flag = out.flags[CODE]
    assert flag[fake].mean() >= 0.6
    assert flag[~fake].mean() < 0.01
    assert (out.numbers[CODE][flag] >= 15).all()
    assert (out.features[FACTOR][flag] <= 0.1).all()
