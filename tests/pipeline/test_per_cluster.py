"""Copied text on the engine (`candor.pipeline.per_cluster`) gives `copied_text`'s output
bit for bit, on DuckDB and Spark; its candidate pairs are `band_pairs`' exactly, big
buckets included, and label propagation finds connected components."""

from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pytest
from pipeline_helpers import run_score
from test_score_stages import (
    COPIED,
    assert_same_output,
    changed_book,
    copied_texts,
    varied_texts,
)

from candor.pipeline.per_cluster import BANDS, ROWS, Kept, candidates, components
from candor.pipeline.stages import output_of
from candor.pipeline.trust import collect, reviews_table
from candor.trust.copies import copied_text
from candor.trust.duplicates import WINDOW, band_keys, band_pairs, groups, row_keys
from research.synthetic import candor_table, write


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


class Copies:
    """A trust source that collects the valid reviews with copies computed on the engine
    and by `copied_text` on them (trust 1 everywhere for the run itself)."""

    def __call__(self, reviews: object) -> None:
        columns = collect(reviews, ("copies",))  # type: ignore[arg-type]
        self.table = reviews_table(columns)
        self.on_engine = output_of("copies", columns)
        self.here = copied_text(self.table)


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_copies_on_the_engine_are_copied_texts(tmp_path: Path, engine: str) -> None:
    """A corpus with a campaign of near-duplicates, a chain A~B~C (A and C apart), a
    doubled stock phrase, one account posting a text twice on one book, anonymous
    copies and copies posted in the same second (test_score_stages.copied_texts)."""
    table = changed_book(candor_table(300, 20, seed=11), seed=3)
    titles, texts = varied_texts(len(table), seed=5)
    table = table.set_column(table.schema.get_field_index("title"), "title", pa.array(titles))
    table = table.set_column(table.schema.get_field_index("text"), "text", pa.array(texts))
    table = copied_texts(table, seed=12)
    found = Copies()
    run_score(write(table, tmp_path / "in.parquet"), tmp_path / "out", engine=engine, trust=found)
    assert_same_output(found.on_engine, found.here)
    copied = found.here.flags["copied_text"]
    ids = np.asarray(found.table.review_id, str)
    assert sorted(ids[copied & np.char.startswith(ids, "copy")].tolist()) == sorted(COPIED)
