"""FRAUDAR's greedy peeling loop (`candor.trust.dense`), compiled with Numba.

The loop removes one node at a time, the alive node of least remaining weighted degree
(ties: the lower node number), and lowers its neighbours' degrees: one heap operation per
node and per edge, millions of them on a large corpus, and as a Python loop over
``heapq`` it was nearly all of the dense-group stage's time. Compiled, it does exactly the
same operations in the same order (the same float64 subtractions and divisions, so the
same block and the same density to the last bit), and the dense-group stage went from 27
to 6 CPU-seconds on 1,000,000 generated reviews (``bench.trust_speed``). The heap
keeps stale entries (lazy deletion): a node is pushed again each time its degree falls
and its older, higher entries are skipped once it is gone; since entries are ordered by
(degree, node), the sequence of nodes removed does not depend on how the heap is laid out.

``cache=True`` keeps the compiled code next to this file (or in Numba's cache directory),
so only the first run on a machine pays the compilation, about a second.
"""

import numba
import numpy as np

from candor.trust.table import FloatArray, IntArray


@numba.njit(cache=True, nogil=True)
def _before(key: FloatArray, node: IntArray, a: int, b: int) -> bool:
    """Heap entry ``a`` comes out before entry ``b``: lower degree, then lower node."""
    return bool(key[a] < key[b] or (key[a] == key[b] and node[a] < node[b]))


@numba.njit(cache=True, nogil=True)
def _sift_up(key: FloatArray, node: IntArray, at: int) -> None:
    while at > 0:
        parent = (at - 1) >> 1
        if not _before(key, node, at, parent):
            return
        key[at], key[parent] = key[parent], key[at]
        node[at], node[parent] = node[parent], node[at]
        at = parent


@numba.njit(cache=True, nogil=True)
def _sift_down(key: FloatArray, node: IntArray, size: int, at: int) -> None:
    while True:
        least = at
        for child in (2 * at + 1, 2 * at + 2):
            if child < size and _before(key, node, child, least):
                least = child
        if least == at:
            return
        key[at], key[least] = key[least], key[at]
        node[at], node[least] = node[least], node[at]
        at = least


@numba.njit(cache=True, nogil=True)
def _heap_of(degree: FloatArray, present: IntArray, capacity: int) -> tuple[FloatArray, IntArray]:
    """A heap of (degree, node) entries of the nodes ``present``, with room for
    ``capacity`` entries."""
    key = np.empty(capacity, np.float64)
    node = np.empty(capacity, np.int64)
    size = len(present)
    for i in range(size):
        key[i] = degree[present[i]]
        node[i] = present[i]
    for at in range((size >> 1) - 1, -1, -1):
        _sift_down(key, node, size, at)
    return key, node


@numba.njit(cache=True, nogil=True)
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
    key, node = _heap_of(degree, present, len(present) + len(neighbour))
    size = len(present)
    alive = np.zeros(len(degree), np.bool_)
    alive[present] = True
    alive_rows = int(np.sum(present < n_rows))
    alive_cols = len(present) - alive_rows
    removed = np.empty(len(present), np.int64)
    n_removed, best_removed, best_density = 0, 0, total / len(present)
    while alive_rows >= min_rows and alive_cols >= min_cols:
        v = node[0]
        size -= 1
        key[0], node[0] = key[size], node[size]
        _sift_down(key, node, size, 0)
        if not alive[v]:
            continue  # a stale entry: the node's degree fell after it was pushed
        alive[v] = False
        removed[n_removed] = v
        n_removed += 1
        total -= degree[v]  # its remaining edges all leave the block with it
        if v < n_rows:
            alive_rows -= 1
        else:
            alive_cols -= 1
        for e in range(start[v], start[v + 1]):
            other = neighbour[e]
            if alive[other]:
                degree[other] -= neighbour_weight[e]
                key[size], node[size] = degree[other], other
                size += 1
                _sift_up(key, node, size - 1)
        large_enough = alive_rows >= min_rows and alive_cols >= min_cols
        if large_enough and total / (alive_rows + alive_cols) > best_density:
            best_density = total / (alive_rows + alive_cols)
            best_removed = n_removed
    return removed[:n_removed], best_removed, best_density
