"""Dense groups: accounts that together review the same products against everyone else's opinion.

Method: FRAUDAR (Hooi, Song, Beutel, Shah, Shin, Faloutsos. *FRAUDAR: Bounding Graph Fraud
in the Face of Camouflage.* KDD 2016, doi:10.1145/2939672.2939747) on the whole reviewer x
product graph, with edges weighted by how far a review is from the product's consensus,
and a permutation test so that only blocks far denser than chance are reported. Time plays
no part, so a campaign spread over months is found as well as one posted in a week.

Edge weights
    One edge per (account, product) the account reviewed, with the mean stars of its
    reviews of it. An edge's *deviation* is its stars minus the product's consensus: the
    mean of the other accounts' stars plus ``SHRINK`` pseudo-reviews at the corpus mean (so
    a product with one other review has no extreme consensus). Its suspicion is
    ``FLOOR + (1 - FLOOR) * min(|deviation| / FULL_DEVIATION, 1) ** POWER``: an edge that
    agrees with the consensus still counts ``FLOOR`` (accounts that all review the same
    books are a block even when they agree), ``FULL_DEVIATION`` stars or more count 1, and
    the square keeps the many half-star differences of honest taste cheap. Its weight is
    suspicion times FRAUDAR's column weight ``1 / log(CAMOUFLAGE_C + d_p)`` (``d_p`` =
    accounts that reviewed the product): edges into popular products are cheap, so
    "camouflage" reviews of bestsellers neither hide a block nor form one. The price: a
    campaign *on* bestsellers is cheap too and is mostly missed here (other signals see
    it move a rating).

    A campaign that swamps a product *is* that product's consensus, so its reviews do not
    look deviant. Hence two peelings per block: plain FRAUDAR (suspicion 1 for every edge:
    who reviews the same products) proposes suspects, the consensus is recomputed without
    the suspects' edges (each other account's own edge is left out of it too), and the
    second peeling uses those deviations. If the structural block is honest, the consensus
    barely moves.

Peeling (FRAUDAR's greedy)
    Start from every account and product with an edge; repeatedly remove the node whose
    remaining weighted degree is smallest (whose removal lowers the total suspicion
    ``f(S)`` least) and keep the prefix with the highest density ``g(S) = f(S) / |S|``,
    ``|S|`` = accounts + products, among prefixes with at least ``MIN_ACCOUNTS`` accounts
    and ``MIN_PRODUCTS`` products (without that floor the densest "block" of a sparse
    corpus is one very deviant review of an obscure book, and it would set the bar). A
    binary heap of the alive nodes, each moved up when its degree falls, makes a peeling
    ``O(E log V)`` (`candor.trust.peeling`). FRAUDAR's greedy is within a
    factor 2 of the densest subgraph (its Theorem 1), not exact; no node priors are used.
    ``MAX_BLOCKS`` blocks are taken in turn, the edges of each removed before looking for
    the next; each is judged on its own.

Significance (why a permutation test)
    Every graph has a densest block, and how dense it is depends on how many heavy
    accounts and popular products the corpus has, so a fixed cut would be blind on one
    corpus and trigger-happy on another. The null is the same graph rewired: the product
    ends of the edges shuffled, so every account keeps its number of reviews and every
    product its number of reviewers (its column weight); only *who reviewed what together*
    is random: the configuration model of honest reviewing given who is active and what is
    popular. An edge carries its leave-one-out deviation rather than its stars into the
    null (as the corpus mean plus the deviation), so a harsh account stays harsh but a
    3-star book's level is not carried onto a random 5-star book. Edges the shuffle puts
    on an already used (account, product) pair trade products with random other edges for
    up to ``REWIRE_ROUNDS`` rounds and the rest are dropped, so the null is a simple graph
    like the real one. Each of ``NULL_RUNS`` rewired graphs (fixed seed: the same answer
    every run) goes through the same two peelings, and a block is significant when its
    density exceeds ``threshold = MARGIN * densest null block``. Over 128 honest graphs (the
    three real Amazon samples, 45 random subsamples of them, 80 random sparse graphs) the
    densest real block was 0.97 to 1.0 times the densest of four nulls at the median and
    at most 1.18 times, so ``MARGIN = 1.25`` is beyond every honest graph seen. A planted
    15 x 8 campaign, or a pool of 20 accounts each on 3 to 6 of 10 books, comes out 1.8 to
    2.6 times; a 15 x 8 block only 60 % written, or 10 x 5, 1.3 to 1.9 times; 30 accounts
    on the same 3 books only 1.0 to 1.5 times (a shallow block has a low average degree,
    which is what FRAUDAR's density measures), so it is often missed. The null runs stop
    early once the threshold is above every real block.

Which reviews are penalised
    A significant block is a set of accounts and products; the penalty goes only to its
    edges that push: reviews by block accounts of block products. Deviations are now from
    the consensus of the accounts *outside* the block (plus ``SHRINK`` pseudo-reviews at
    their mean). On each block product with at least two block reviews the *push* is
    their mean deviation, with standard error ``spread * sqrt(1 / n_block + 1 / (n_outside
    + SHRINK))`` (``spread`` = root-mean-square leave-one-out deviation of the corpus).
    Two tests, both needed:

    * the block as a whole: the sum of squared ``push / standard error`` over those
      products exceeds the ``1 - ALPHA`` quantile of chi-squared with one degree of
      freedom per product. A reading club whose members rate like everyone else fails
      it, however dense; on products with few outside reviews (the consensus is then
      mostly the corpus mean) the push must be larger to count;
    * per product: the push is at least ``MIN_PUSH`` stars and at least ``MIN_AGREEMENT``
      of the block's reviews of it deviate in the push's direction by at least
      ``MIN_DEVIATION`` stars: the accounts agree with each other, not only on average.

    The reviews penalised are the block's reviews of pushed products in the push's
    direction (so 5 stars pushing up one book and 1 star pushing down another are both
    caught). The group is kept only if they span at least ``MIN_ACCOUNTS`` accounts and
    ``MIN_PRODUCTS`` products. A block member's review of an unrelated bestseller
    (camouflage) is not on a block product and keeps its trust.

Speed (one core): the peeling's heap loop is compiled (`candor.trust.peeling`, Numba):
it removes the same nodes in the same order with the same float64 arithmetic as the Python
loop it replaced, so the blocks and densities are the same to the last bit, and the stage
went from about 35,000 to 190,000-250,000 reviews/s on 1,000,000 generated reviews
(``bench.trust_speed``; the first compiled stage of a process also pays Numba's start,
about half a second). Two peelings per candidate block and per null run, each over
(nearly) every edge.

Output: ``features["dense_factor"]`` is the most trust a review can keep: 1.0 outside any
group; for a penalised review
``clip(FACTOR_AT_THRESHOLD * threshold / density, MIN_FACTOR, FACTOR_AT_THRESHOLD)``:
0.1 for a block just at the threshold, lower for denser blocks (more accounts on more
products, more deviant), 0.02 from five times the threshold on. Flag ``dense_group`` on
penalised reviews with ``numbers["dense_group"]`` = accounts and
``numbers["dense_group_products"]`` = products of the group: "part of a group of 12
accounts that reviewed the same 9 books".
"""

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from candor.trust.peeling import peeling_order
from candor.trust.table import BoolArray, FloatArray, IntArray, Reviews, SignalOutput

NAME = "dense"
FACTOR = "dense_factor"
CODE = "dense_group"
CODE_PRODUCTS = "dense_group_products"

CAMOUFLAGE_C = 5.0
SHRINK = 2.0
FLOOR = 0.15
FULL_DEVIATION = 1.5
POWER = 2.0
MAX_BLOCKS = 3
NULL_RUNS = 4
REWIRE_ROUNDS = 10
MARGIN = 1.25
SEED = 20160813  # KDD 2016; any fixed value: the test must give the same answer every run
MIN_PUSH = 0.5
MIN_DEVIATION = 0.25
MIN_AGREEMENT = 0.8
MIN_OUTSIDE = 2  # readers outside the block a product needs before it can be pushed
ALPHA = 0.01
MIN_ACCOUNTS = 3
MIN_PRODUCTS = 2
FACTOR_AT_THRESHOLD = 0.1
MIN_FACTOR = 0.02


@dataclass(frozen=True)
class Graph:
    """The reviewer x product graph: one edge per (account, product) pair."""

    reviewer: IntArray
    product: IntArray
    rating: FloatArray  # mean stars of the account's reviews of the product
    column_weight: FloatArray  # per product: 1 / log(CAMOUFLAGE_C + accounts that reviewed it)
    n_reviewers: int
    n_products: int


@dataclass(frozen=True)
class Block:
    """The densest prefix of one peeling: its accounts, products and density f(S) / |S|."""

    reviewers: IntArray
    products: IntArray
    density: float


def build_graph(reviews: Reviews) -> Graph:
    """Merge an account's reviews of one product into one edge; FRAUDAR's column weights."""
    n_products = reviews.n_products
    pair = reviews.reviewer * n_products + reviews.product
    unique_pair, edge_of_review = np.unique(pair, return_inverse=True)
    edge_of_review = edge_of_review.ravel()
    reviews_per_edge = np.bincount(edge_of_review, minlength=len(unique_pair))
    stars = np.bincount(edge_of_review, weights=reviews.rating, minlength=len(unique_pair))
    return graph_of(
        unique_pair // n_products,
        unique_pair % n_products,
        stars,
        reviews_per_edge,
        (reviews.n_reviewers, n_products),
    )


def graph_of(
    reviewer: IntArray,
    product: IntArray,
    stars: np.ndarray,
    reviews_per_edge: IntArray,
    shape: tuple[int, int],
) -> Graph:
    """The graph of edges sorted by (account, product), given each edge's total stars and
    number of reviews; ``shape``: the numbers of accounts and of products."""
    n_reviewers, n_products = shape
    product = product.astype(np.int64)
    degree = np.bincount(product, minlength=n_products)
    return Graph(
        reviewer=reviewer.astype(np.int64),
        product=product,
        rating=stars.astype(np.float64) / reviews_per_edge,
        column_weight=1.0 / np.log(CAMOUFLAGE_C + degree),
        n_reviewers=n_reviewers,
        n_products=n_products,
    )


def consensus_deviation(
    product: IntArray,
    rating: FloatArray,
    voting: BoolArray,
    n_products: int,
    weight: FloatArray | None = None,
    prior: float | None = None,
) -> FloatArray:
    """Each rating minus its product's consensus: the (``weight``-ed) mean of the
    *other* voting ratings.

    ``SHRINK`` pseudo-ratings at ``prior`` (default: the voters' mean) are added to every
    consensus, so that a product with one or two other ratings does not get an extreme
    one.
    """
    votes = voting * (np.ones(len(rating)) if weight is None else weight)
    if prior is None:
        prior = float(rating[voting].mean()) if voting.any() else float(rating.mean())
    total = np.bincount(product, weights=rating * votes, minlength=n_products)
    count = np.bincount(product, weights=votes, minlength=n_products)
    own = rating * votes  # a voter is left out of its own consensus
    others_total = total[product] - own
    others_count = count[product] - votes
    consensus: FloatArray = (others_total + SHRINK * prior) / (others_count + SHRINK)
    return rating - consensus


def edge_deviation(graph: Graph, keep: BoolArray, suspects: BoolArray) -> FloatArray:
    """Each edge's deviation from the consensus of the other kept edges, suspects left out."""
    voting = keep & ~suspects[graph.reviewer]
    return consensus_deviation(graph.product, graph.rating, voting, graph.n_products)


def suspicion(deviation: FloatArray) -> FloatArray:
    """``FLOOR`` for agreeing with the consensus, rising to 1 at ``FULL_DEVIATION`` stars."""
    scaled = np.minimum(np.abs(deviation) / FULL_DEVIATION, 1.0)
    return FLOOR + (1.0 - FLOOR) * scaled**POWER


@dataclass(frozen=True)
class _Adjacency:
    """Every edge from both of its ends, grouped by node: node i's neighbours and the
    edges' weights are ``neighbour[start[i]:start[i + 1]]`` and the same slice of
    ``neighbour_weight``."""

    start: IntArray
    neighbour: IntArray
    neighbour_weight: FloatArray
    degree: FloatArray  # per node, the weight of its edges
    edge_count: IntArray  # per node

    @classmethod
    def of(
        cls, rows: IntArray, cols: IntArray, weights: FloatArray, n_rows: int, n_cols: int
    ) -> "_Adjacency":
        n_nodes = n_rows + n_cols
        end = np.concatenate((rows, cols + n_rows))
        other_end = np.concatenate((cols + n_rows, rows))
        both_weights = np.concatenate((weights, weights)).astype(np.float64, copy=False)
        by_end = np.argsort(end, kind="stable")
        edge_count = np.bincount(end, minlength=n_nodes)
        return cls(
            start=np.concatenate(([0], np.cumsum(edge_count))).astype(np.int64),
            neighbour=other_end[by_end].astype(np.int64, copy=False),
            neighbour_weight=both_weights[by_end],
            degree=np.bincount(end, weights=both_weights, minlength=n_nodes).astype(
                np.float64, copy=False
            ),
            edge_count=edge_count,
        )


def peel(
    rows: IntArray,
    cols: IntArray,
    weights: FloatArray,
    n_rows: int,
    n_cols: int,
    min_rows: int = 1,
    min_cols: int = 1,
) -> Block:
    """FRAUDAR's greedy peeling of a weighted bipartite graph; the densest prefix.

    Nodes are rows ``0..n_rows-1`` and columns ``n_rows..n_rows+n_cols-1``; nodes without edges
    are left out. Only prefixes with at least ``min_rows`` rows and ``min_cols`` columns count
    (an empty block of density 0 if none has). Ties go to the lower node number, and among
    equally dense prefixes the largest is kept. Weights must be non-negative.
    """
    n_nodes = n_rows + n_cols
    adjacency = _Adjacency.of(rows, cols, weights, n_rows, n_cols)
    present = np.flatnonzero(adjacency.edge_count).astype(np.int64)
    alive_rows = int(np.count_nonzero(present < n_rows))
    if alive_rows < min_rows or len(present) - alive_rows < min_cols:
        return Block(np.zeros(0, np.int64), np.zeros(0, np.int64), 0.0)
    removed, best_removed, best_density = peeling_order(
        adjacency.start,
        adjacency.neighbour,
        adjacency.neighbour_weight,
        adjacency.degree.copy(),
        present,
        n_rows,
        min_rows,
        min_cols,
        float(weights.sum()),
    )
    return _block_without(present, removed[:best_removed], n_rows, n_nodes, best_density)


def _block_without(
    nodes: IntArray, peeled: IntArray, n_rows: int, n_nodes: int, density: float
) -> Block:
    """The block of ``nodes`` that are not in ``peeled``."""
    in_block = np.zeros(n_nodes, bool)
    in_block[nodes] = True
    in_block[peeled] = False
    return Block(
        reviewers=np.flatnonzero(in_block[:n_rows]).astype(np.int64),
        products=np.flatnonzero(in_block[n_rows:]).astype(np.int64),
        density=density,
    )


def peel_graph(graph: Graph, keep: BoolArray, edge_suspicion: FloatArray) -> Block:
    """The densest block among the ``keep`` edges, weighted ``suspicion * column weight``."""
    weights = edge_suspicion[keep] * graph.column_weight[graph.product[keep]]
    return peel(
        graph.reviewer[keep],
        graph.product[keep],
        weights,
        graph.n_reviewers,
        graph.n_products,
        min_rows=MIN_ACCOUNTS,
        min_cols=MIN_PRODUCTS,
    )


def densest_block(graph: Graph, keep: BoolArray) -> Block:
    """The densest block when the consensus is taken without the accounts of a dense block.

    A campaign that swamps its products is those products' leave-one-out consensus, so
    its reviews do not look deviant at first. Plain FRAUDAR (every edge suspicion 1: who
    reviews the same products) proposes the suspects; the consensus is recomputed without
    them and the final peeling weighs edges by those deviations. If the structural block
    is an honest one, the consensus barely changes, and a campaign hidden behind it is
    found once that block's edges are removed (``MAX_BLOCKS``).
    """
    structural = peel_graph(graph, keep, np.ones(len(graph.product)))
    suspects = np.zeros(graph.n_reviewers, bool)
    suspects[structural.reviewers] = True
    return peel_graph(graph, keep, suspicion(edge_deviation(graph, keep, suspects)))


def repeated_pairs(reviewer: IntArray, product: IntArray, n_products: int) -> BoolArray:
    """Edges whose (account, product) pair already occurred earlier in the arrays."""
    _, first = np.unique(reviewer * n_products + product, return_index=True)
    repeated = np.ones(len(reviewer), bool)
    repeated[first] = False
    return repeated


def rewired(graph: Graph, rng: np.random.Generator) -> Graph:
    """The graph with the product ends of its edges shuffled, as a simple graph.

    Every account keeps its edges and their stars, every product its number of edges (so
    its column weight). A shuffle puts some edges on a pair that already has one; those
    swap products with random other edges for up to ``REWIRE_ROUNDS`` rounds, and the few
    left are dropped (a heavy account reviewing a popular product twice would otherwise
    make the null denser than any real graph can be).
    """
    product = rng.permutation(graph.product)
    repeated = repeated_pairs(graph.reviewer, product, graph.n_products)
    for _ in range(REWIRE_ROUNDS):
        moving = np.flatnonzero(repeated)
        partners = np.flatnonzero(~repeated)
        if len(moving) == 0 or len(partners) < len(moving):
            break
        # disjoint pairs of edges trade products, so every product keeps its degree
        partner = rng.choice(partners, size=len(moving), replace=False)
        product[moving], product[partner] = product[partner], product[moving].copy()
        repeated = repeated_pairs(graph.reviewer, product, graph.n_products)
    simple = ~repeated
    return replace(
        graph,
        reviewer=graph.reviewer[simple],
        product=product[simple],
        rating=graph.rating[simple],
    )


def null_threshold(graph: Graph, densest_real: float) -> float:
    """``MARGIN`` times the densest block of ``NULL_RUNS`` rewired graphs.

    An edge's stars are replaced by its leave-one-out deviation plus the corpus mean
    before rewiring, so an account keeps how far it disagrees with the consensus and
    not the quality of the products it happened to read (a raw star would bring its
    product's level into a random product and look deviant there). Each rewired graph
    goes through the same ``densest_block`` as the real one. The runs stop as soon as
    the threshold reaches ``densest_real``: no block can pass it any more, and on an
    honest corpus that saves most of the work.
    """
    everyone = np.ones(len(graph.product), bool)
    nobody = np.zeros(graph.n_reviewers, bool)
    residual = edge_deviation(graph, everyone, nobody)
    centred = replace(graph, rating=float(graph.rating.mean()) + residual)
    rng = np.random.default_rng(SEED)
    densest = 0.0
    for _ in range(NULL_RUNS):
        null = rewired(centred, rng)
        densest = max(densest, densest_block(null, np.ones(len(null.product), bool)).density)
        if MARGIN * densest >= densest_real:
            break
    return MARGIN * densest


def candidate_blocks(graph: Graph) -> list[Block]:
    """Up to ``MAX_BLOCKS`` densest blocks, each found after removing the edges of the last."""
    keep = np.ones(len(graph.product), bool)
    blocks: list[Block] = []
    while len(blocks) < MAX_BLOCKS and keep.any():
        block = densest_block(graph, keep)
        if len(block.reviewers) == 0:
            break  # no block of MIN_ACCOUNTS accounts and MIN_PRODUCTS products is left
        blocks.append(block)
        is_reviewer, is_product = members(block, graph.n_reviewers, graph.n_products)
        keep &= ~(is_reviewer[graph.reviewer] & is_product[graph.product])
    return blocks


def members(block: Block, n_reviewers: int, n_products: int) -> tuple[BoolArray, BoolArray]:
    """Boolean masks of the block's accounts and products."""
    is_reviewer = np.zeros(n_reviewers, bool)
    is_reviewer[block.reviewers] = True
    is_product = np.zeros(n_products, bool)
    is_product[block.products] = True
    return is_reviewer, is_product


def rating_spread(reviews: Reviews) -> float:
    """Root-mean-square leave-one-out deviation: how far one review strays by itself."""
    rating = reviews.rating.astype(np.float64)
    everyone = np.ones(len(reviews), bool)
    deviation = consensus_deviation(reviews.product, rating, everyone, reviews.n_products)
    return max(float(np.sqrt(np.mean(deviation**2))), 0.1)


def product_push(
    reviews: Reviews, inside: BoolArray, deviation: FloatArray, by_member: BoolArray
) -> tuple[FloatArray, FloatArray]:
    """Per product, the block's mean deviation (its push) and that mean's standard error
    in units of one review's spread: ``sqrt(1 / n_block + 1 / (n_outside + SHRINK))``, as
    the block's mean and the outside consensus both vary."""
    n_products = reviews.n_products
    block_count = np.bincount(reviews.product[inside], minlength=n_products)
    outside_count = np.bincount(reviews.product[~by_member], minlength=n_products)
    total = np.bincount(reviews.product[inside], weights=deviation[inside], minlength=n_products)
    push = np.divide(total, block_count, out=np.zeros(n_products), where=block_count > 0)
    unit_error = np.sqrt(1.0 / np.maximum(block_count, 1) + 1.0 / (outside_count + SHRINK))
    return push, unit_error


def pushed_reviews(
    reviews: Reviews,
    block: Block,
    spread: float,
    weight: FloatArray | None = None,
    outside_mean: float | None = None,
) -> BoolArray:
    """The block's reviews that push its products against the outside consensus.

    ``outside_mean``: the mean stars of the corpus's reviews by accounts outside the
    block (default: of ``reviews``, then the whole corpus). Given it, ``reviews`` need
    only hold every review of the block's products, numbered as in the corpus: the
    verdict on each of them is the same, and no other review can push.

    Deviations are from the consensus of accounts outside the block. Products with at
    least two block reviews and ``MIN_OUTSIDE`` reviews from outside it are judged. The
    block pushes at all when the sum of squared ``push / standard error`` over them
    exceeds the ``1 - ALPHA`` quantile of chi-squared with one degree per product. It
    then pushes a product when the push is at least ``MIN_PUSH`` stars and at least
    ``MIN_AGREEMENT`` of the block's reviews of it deviate in the push's direction by at
    least ``MIN_DEVIATION`` stars; when it pushes at least ``MIN_PRODUCTS`` products,
    those reviews are returned.
    """
    by_member = np.isin(reviews.reviewer, block.reviewers)
    inside = by_member & np.isin(reviews.product, block.products)
    rating = reviews.rating.astype(np.float64)
    deviation = consensus_deviation(
        reviews.product, rating, ~by_member, reviews.n_products, weight, outside_mean
    )
    push, unit_error = product_push(reviews, inside, deviation, by_member)
    block_count = np.bincount(reviews.product[inside], minlength=reviews.n_products)
    # A product with no readers outside the block has no consensus to push against: a
    # reading club that reviewed the same books is not a campaign for it.
    outside = np.bincount(reviews.product[~by_member], minlength=reviews.n_products)
    judged = (block_count >= 2) & (outside >= MIN_OUTSIDE)
    chi_square = float(np.sum((push[judged] / (spread * unit_error[judged])) ** 2))
    if not judged.any() or chi_square <= stats.chi2.ppf(1.0 - ALPHA, int(judged.sum())):
        return np.zeros(len(reviews), bool)
    with_push = (
        inside
        & (np.sign(deviation) == np.sign(push)[reviews.product])
        & (np.abs(deviation) >= MIN_DEVIATION)
    )
    agreeing = np.bincount(reviews.product[with_push], minlength=reviews.n_products)
    pushed_product = judged & (np.abs(push) >= MIN_PUSH) & (agreeing >= MIN_AGREEMENT * block_count)
    if pushed_product.sum() < MIN_PRODUCTS:  # a group pushing one book is that book's readers
        return np.zeros(len(reviews), bool)
    pushing: BoolArray = with_push & pushed_product[reviews.product]
    return pushing


def significant_blocks(graph: Graph) -> tuple[list[Block], float]:
    """The candidate blocks denser than the null threshold, and the threshold (0.0 when
    there is no candidate): all of the signal that needs the whole graph."""
    blocks = candidate_blocks(graph)
    if not blocks:
        return [], 0.0
    threshold = null_threshold(graph, max(block.density for block in blocks))
    return [block for block in blocks if block.density > threshold], threshold


def block_factor(density: float, threshold: float) -> float:
    """Trust a pushing review keeps: 0.1 at the threshold, less for denser blocks."""
    return float(
        np.clip(FACTOR_AT_THRESHOLD * threshold / density, MIN_FACTOR, FACTOR_AT_THRESHOLD)
    )


def empty_output(n: int) -> SignalOutput:
    return SignalOutput(
        name=NAME,
        features={FACTOR: np.ones(n)},
        flags={CODE: np.zeros(n, bool)},
        numbers={CODE: np.zeros(n), CODE_PRODUCTS: np.zeros(n)},
    )


def dense_blocks(reviews: Reviews, consensus_weight: FloatArray | None = None) -> SignalOutput:
    """The ``dense_factor`` feature and ``dense_group`` flag of every review (module
    docstring). ``consensus_weight``: how much each review counts in the consensus a
    block is judged against (`candor.trust.score` passes the burst signal's explained
    share, so a burst of fakes on a book is not the consensus its readers deviate from)."""
    out = empty_output(len(reviews))
    if len(reviews) == 0:
        return out
    blocks, threshold = significant_blocks(build_graph(reviews))
    if not blocks:
        return out
    spread = rating_spread(reviews)
    factor, flag = out.features[FACTOR], out.flags[CODE]
    accounts, products = out.numbers[CODE], out.numbers[CODE_PRODUCTS]
    for block in blocks:
        pushed = pushed_reviews(reviews, block, spread, consensus_weight) & ~flag
        group_accounts = len(np.unique(reviews.reviewer[pushed]))
        group_products = len(np.unique(reviews.product[pushed]))
        if group_accounts >= MIN_ACCOUNTS and group_products >= MIN_PRODUCTS:
            factor[pushed] = block_factor(block.density, threshold)
            flag[pushed] = True
            accounts[pushed] = group_accounts
            products[pushed] = group_products
    return out
