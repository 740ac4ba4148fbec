"""FRAUDAR's greedy peeling loop (`candor.trust.dense`), compiled with Numba.

The loop removes one node at a time, the alive node of least remaining weighted degree
(ties: the lower node number), and lowers its neighbours' degrees: millions of heap
operations on a large corpus, and as a Python loop over ``heapq`` it was nearly all of the
dense-group stage's time. Here the heap holds one entry per alive node, ordered by
(degree, node), and a node's entry moves up when its degree falls (decrease-key), so the
heap stays as small as the graph's node count instead of growing by an entry per edge. The
node removed at each step is the same as with ``heapq`` and stale entries (the least
(degree, node) among the alive nodes), and the degrees and the density are computed with
the same float64 subtractions and divisions in the same order, so the block and its density
are the same to the last bit. The dense-group stage went from 27 to 4-5 CPU-seconds on
1,000,000 generated reviews (``bench.trust_speed``).

`candor.trust.compiled` keeps the compiled code next to this file (or in Numba's cache
directory), so only the first run on a machine pays the compilation, about a second.
"""

import numpy as np

from candor.trust.compiled import compiled
from candor.trust.table import FloatArray, IntArray


@compiled
def _before(key: FloatArray, node: IntArray, a: int, b: int) -> bool:
    """Heap entry ``a`` comes out before entry ``b``: lower degree, then lower node."""
    return bool(key[a] < key[b] or (key[a] == key[b] and node[a] < node[b]))


@compiled
def _swap(key: FloatArray, node: IntArray, slot: IntArray, a: int, b: int) -> None:
    key[a], key[b] = key[b], key[a]
    node[a], node[b] = node[b], node[a]
    slot[node[a]], slot[node[b]] = a, b


@compiled
def _sift_up(key: FloatArray, node: IntArray, slot: IntArray, at: int) -> None:
    while at > 0:
        parent = (at - 1) >> 1
        if not _before(key, node, at, parent):
            return
        _swap(key, node, slot, at, parent)
        at = parent


@compiled
def _sift_down(key: FloatArray, node: IntArray, slot: IntArray, size: int, at: int) -> None:
    while True:
        least = at
        for child in (2 * at + 1, 2 * at + 2):
            if child < size and _before(key, node, child, least):
                least = child
        if least == at:
            return
        _swap(key, node, slot, at, least)
        at = least


@compiled
def _heap_of(degree: FloatArray, present: IntArray) -> tuple[FloatArray, IntArray, IntArray]:
    """A heap of the nodes ``present`` by (degree, node): keys, nodes, and each node's
    slot in them."""
    key = degree[present].copy()
    node = present.copy()
    slot = np.full(len(degree), -1, np.int64)
    slot[present] = np.arange(len(present))
    for at in range((len(present) >> 1) - 1, -1, -1):
        _sift_down(key, node, slot, len(present), at)
    return key, node, slot


@compiled
def peeling_order(
    start: IntArray,
    neighbour: IntArray,
    neighbour_weight: FloatArray,
    degree: FloatArray,
    present: IntArray,
    n_rows: int,
    min_rows: int,
    min_cols: int,
    total: float,
) -> tuple[IntArray, int, float]:
    """Peel the nodes ``present`` (sorted, each with an edge) while at least ``min_rows``
    rows and ``min_cols`` columns are alive. Returns the nodes in the order removed, how
    many of them the densest prefix had removed, and its density. ``degree`` (per node,
    the weight of its edges) is used up; ``total`` is the weight of all edges."""
    key, node, slot = _heap_of(degree, present)
    size = len(present)
    alive_rows = int(np.sum(present < n_rows))
    alive_cols = len(present) - alive_rows
    removed = np.empty(len(present), np.int64)
    n_removed, best_removed, best_density = 0, 0, total / len(present)
    while size > 0 and alive_rows >= min_rows and alive_cols >= min_cols:
        v = node[0]
        size -= 1
        _swap(key, node, slot, 0, size)
        slot[v] = -1  # no longer in the heap: removed
        _sift_down(key, node, slot, size, 0)
        removed[n_removed] = v
        n_removed += 1
        total -= degree[v]  # its remaining edges all leave the block with it
        if v < n_rows:
            alive_rows -= 1
        else:
            alive_cols -= 1
        for e in range(start[v], start[v + 1]):
            other = neighbour[e]
            if slot[other] >= 0:
                degree[other] -= neighbour_weight[e]
                key[slot[other]] = degree[other]
                _sift_up(key, node, slot, slot[other])
        large_enough = alive_rows >= min_rows and alive_cols >= min_cols
        if large_enough and total / (alive_rows + alive_cols) > best_density:
            best_density = total / (alive_rows + alive_cols)
            best_removed = n_removed
    return removed[:n_removed], best_removed, best_density
