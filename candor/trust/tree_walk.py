"""The combiner's boosted trees evaluated for many reviews at once, compiled with Numba.

`candor.trust.combine.Trees` holds a few hundred trees of at most four leaves. Evaluated
with numpy, each split of each tree is a pass over every review (a comparison and a
``where``), and the recursion makes a temporary array per node. Here a tree with at most
``SPLITS`` splits, all on features that are present, is a lookup table: every review
evaluates all of the tree's splits (no branch to mispredict), the results are the bits of
an index, and the table holds the leaf that path reaches. Other trees (more splits, or a
split on an absent feature) are walked node by node. A block of ``ROWS_AT_ONCE`` reviews
goes through all trees before the next, so its features stay in the cache.

The arithmetic is the same as the numpy evaluation it replaced, in the same order (a
leaf's value; at a split on an absent feature ``share * left + (1 - share) * right``; the
trees' outputs added one tree after the other, from 0), so the sums are the same to the
last bit.
"""

import numpy as np

from candor.trust.compiled import compiled
from candor.trust.table import BoolArray, FloatArray, IntArray

Nodes = tuple[
    BoolArray, IntArray, FloatArray, IntArray, IntArray, BoolArray, FloatArray, FloatArray
]
"""Which features are present, then per node: its feature (< 0: a leaf), threshold, left
and right child, the side of missing values, its value, and the share of training reviews
that went left at it (`candor.trust.combine.Trees`)."""
Tables = tuple[BoolArray, IntArray, FloatArray, BoolArray, FloatArray]
"""Per tree: whether it is a table, and its splits' features, thresholds and missing-value
sides, and its 2^SPLITS leaf values by index (`_tables`)."""

SPLITS = 3  # a tree of four leaves has three splits (`_add_table_tree` reads three)
ROWS_AT_ONCE = 1 << 14


@compiled
def _subtree(i: int, x: FloatArray, nodes: Nodes) -> float:
    """Output of the subtree at node ``i`` for one review's features ``x``."""
    present, feature, threshold, left, right, missing_left, value, share = nodes
    j = feature[i]
    while j >= 0 and present[j]:  # walk down while the split's feature is known
        xj = x[j]
        go_left = xj <= threshold[i] or (missing_left[i] and np.isnan(xj))
        i = left[i] if go_left else right[i]
        j = feature[i]
    if j < 0:
        return float(value[i])
    # an absent feature: both branches, weighted by the training reviews that went each way
    on_left, on_right = _subtree(left[i], x, nodes), _subtree(right[i], x, nodes)
    return float(share[i] * on_left + (1.0 - share[i]) * on_right)


@compiled
def _add_table_tree(out: FloatArray, rows: FloatArray, tables: Tables, k: int) -> None:
    """Add table tree ``k``'s output to ``out``: bit ``s`` of a review's index is whether
    it goes left at the tree's split ``s``."""
    _, feature, threshold, missing_left, leaf = tables
    a, b, c = rows[feature[k, 0]], rows[feature[k, 1]], rows[feature[k, 2]]
    ta, tb, tc = threshold[k, 0], threshold[k, 1], threshold[k, 2]
    ma, mb, mc = missing_left[k, 0], missing_left[k, 1], missing_left[k, 2]
    for r in range(len(out)):
        bits = (
            np.int64((a[r] <= ta) | (ma & np.isnan(a[r])))
            | np.int64((b[r] <= tb) | (mb & np.isnan(b[r]))) << 1
            | np.int64((c[r] <= tc) | (mc & np.isnan(c[r]))) << 2
        )
        out[r] += leaf[k, bits]


@compiled
def _sums(rows: FloatArray, tables: Tables, nodes: Nodes, roots: IntArray) -> FloatArray:
    """The trees' outputs summed per review (a column of ``rows``), tree after tree."""
    out = np.zeros(rows.shape[1])
    for k in range(len(roots)):
        if tables[0][k]:
            _add_table_tree(out, rows, tables, k)
        else:
            for r in range(len(out)):
                out[r] += _subtree(roots[k], rows[:, r], nodes)
    return out


def _tables(nodes: Nodes, roots: IntArray) -> Tables:
    """Which trees are tables (at most SPLITS splits, all on present features), with their
    splits and leaf values by index; padding splits send every review left."""
    present, feature, threshold, left, right, missing_left, value, _ = nodes
    n_trees = len(roots)
    is_table = np.zeros(n_trees, np.bool_)
    split_feature = np.zeros((n_trees, SPLITS), np.int64)
    split_threshold = np.full((n_trees, SPLITS), np.inf)
    split_missing_left = np.ones((n_trees, SPLITS), np.bool_)
    leaf = np.zeros((n_trees, 1 << SPLITS))
    ends = [*roots[1:].tolist(), len(feature)]
    for k, (root, end) in enumerate(zip(roots.tolist(), ends, strict=True)):
        splits = [i for i in range(root, end) if feature[i] >= 0]
        if len(splits) > SPLITS or not all(present[feature[i]] for i in splits):
            continue
        is_table[k] = True
        split_feature[k, : len(splits)] = feature[splits]
        split_threshold[k, : len(splits)] = threshold[splits]
        split_missing_left[k, : len(splits)] = missing_left[splits]
        slot = {node: s for s, node in enumerate(splits)}
        for bits in range(1 << SPLITS):
            i = root
            while feature[i] >= 0:
                i = left[i] if bits >> slot[i] & 1 else right[i]
            leaf[k, bits] = value[i]
    return is_table, split_feature, split_threshold, split_missing_left, leaf


def tree_sums(
    columns: list[FloatArray | None],
    n: int,
    feature: IntArray,
    threshold: FloatArray,
    left: IntArray,
    right: IntArray,
    missing_left: BoolArray,
    value: FloatArray,
    share: FloatArray,
    roots: IntArray,
) -> FloatArray:
    """The sum of the trees' outputs for each of ``n`` rows; ``columns[j]`` is feature
    ``j`` (None when absent); ``share[i]``: at split ``i``, the share of training reviews
    that went left."""
    present = np.array([column is not None for column in columns], dtype=np.bool_)
    nodes = (present, feature, threshold, left, right, missing_left, value, share)
    tables = _tables(nodes, roots)
    out = np.empty(n)
    for lo in range(0, n, ROWS_AT_ONCE):
        hi = min(lo + ROWS_AT_ONCE, n)
        rows = np.zeros((max(len(columns), 1), hi - lo))  # a feature's values side by side
        for j, column in enumerate(columns):
            if column is not None:
                rows[j] = column[lo:hi]
        out[lo:hi] = _sums(rows, tables, nodes, roots)
    return out
