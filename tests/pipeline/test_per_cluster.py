"""Copied text on the engine (`candor.pipeline.per_cluster`): its candidate pairs are
`band_pairs`' exactly, big buckets included, and label propagation finds connected
components. The conformance test against `analyse` is in test_score_stages.py."""

import ibis
import numpy as np
import pyarrow as pa

from candor.pipeline.per_cluster import BANDS, ROWS, Kept, candidates, components
from candor.trust.duplicates import WINDOW, band_keys, band_pairs, groups, row_keys


def test_candidates_are_band_pairs_in_buckets_bigger_than_the_window() -> None:
    rng = np.random.default_rng(3)
    # values 0 and 1 only: every band has 16 buckets, so ~2,000 signatures make buckets
    # of ~125, twice WINDOW
    sig = rng.integers(0, 2, (2_000, BANDS * ROWS)).astype(np.uint32)
    keys, first, _ = groups(row_keys(sig))
    reps = sig[first]  # in key order, as `clusters` has them
    rep = (keys ^ np.uint64(1 << 63)).view(np.int64)
    bands = band_keys(reps, BANDS, ROWS).view(np.int64)
    sizes = [np.unique(bands[:, band], return_counts=True)[1].max() for band in range(BANDS)]
    assert max(sizes) > 2 * WINDOW
    want = set()
    for band in range(BANDS):
        i, j = band_pairs(reps, band, ROWS)
        want |= set(zip(rep[i].tolist(), rep[j].tolist(), strict=True))
    table = ibis.memtable(pa.table({"rep": rep, "bands": list(bands)}))
    got = candidates(table).to_pyarrow()
    pairs = list(zip(got["a"].to_pylist(), got["b"].to_pylist(), strict=True))
    assert len(pairs) == len(set(pairs)) and set(pairs) == want


def test_label_propagation_finds_connected_components() -> None:
    """A chain of 100 edges numbered at random, a star and a pair: three labels, in at
    most one pass per edge of the longest path, plus one that changes nothing."""
    rng = np.random.default_rng(5)
    nodes = rng.permutation(1_000).astype(np.int64) * 7919 - 3_000_000
    chain = list(zip(nodes[:100].tolist(), nodes[1:101].tolist(), strict=False))
    star = [(int(nodes[700]), int(n)) for n in nodes[701:760]]
    pairs = [*chain, *star, (int(nodes[800]), int(nodes[801]))]
    edges = ibis.memtable(pa.table({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]}))
    keep = Kept()
    labels, passes = components(edges, keep)
    found = labels.to_pyarrow()
    label = dict(zip(found["node"].to_pylist(), found["label"].to_pylist(), strict=True))
    assert len(label) == 101 + 60 + 2
    assert len({label[int(n)] for n in nodes[:101]}) == 1
    assert len({label[int(n)] for n in nodes[700:760]}) == 1
    assert label[int(nodes[800])] == label[int(nodes[801])]
    assert len(set(label.values())) == 3
    assert passes <= 100 + 1
    keep.release(*keep.tables)
