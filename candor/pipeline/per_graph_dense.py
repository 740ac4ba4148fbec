"""Stage D of trust on the engine (docs/score.md, "Trust on the engine"): the graph of the
dense signal (`candor.trust.dense`) aggregated on the engine, its blocks found in one
process.

The dense signal's permutation test rewires every (account, product) edge of the whole
graph, and its peelings run over (nearly) every edge, so no edge can be left out: the
whole edge list reaches this process. The engine merges an account's reviews of one
product into one edge (its total stars and number of reviews), each account and product
keyed by its first review's position (`candor.pipeline.per_graph.positions`), so the
numbering is the one `candor.pipeline.trust.reviews_table` gives them on the collected
corpus. Sorted by (account, product) as `dense.build_graph` sorts them, the edges give
the same `dense.Graph` bit for bit (integer star totals are exact in float64, and each
edge's mean is the same division), so `dense.significant_blocks` finds the same blocks,
densities and threshold, and its seeded shuffles draw the same null graphs.

Bound: what reaches one process is four integers per edge, at most one edge a review,
no texts. What is not moved yet: judging the blocks (`dense.pushed_reviews`) still
reads the collected reviews. It needs only the reviews of a significant block's
products, with their burst weights, given the corpus's mean stars outside the block
(``outside_mean``; exact from the engine's integer sums) and its rating spread (a mean
over every review, whose summation order only the collected reviews give).
"""

import ibis.expr.types as ir
import numpy as np

from candor.pipeline.per_graph import positions
from candor.trust.dense import Graph, graph_of


def edge_rows(reviews: ir.Table) -> ir.Table:
    """One row per (account, product): ``_account, _product, _stars, _reviews``."""
    rows = positions(reviews)
    return rows.group_by(["_account", "_product"]).aggregate(
        _stars=rows.star.sum(), _reviews=rows.count()
    )


def dense_graph(reviews: ir.Table) -> Graph:
    """`dense.build_graph` of the corpus, from its edges aggregated on the engine."""
    table = edge_rows(reviews).to_pyarrow()
    account_key, reviewer = np.unique(table["_account"].to_numpy(), return_inverse=True)
    product_key, product = np.unique(table["_product"].to_numpy(), return_inverse=True)
    reviewer, product = reviewer.ravel(), product.ravel()
    order = np.lexsort((product, reviewer))
    return graph_of(
        reviewer[order],
        product[order],
        table["_stars"].to_numpy()[order].astype(np.float64),
        table["_reviews"].to_numpy()[order],
        (len(account_key), len(product_key)),
    )
