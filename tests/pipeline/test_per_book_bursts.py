"""Bursts on the engine (`candor.pipeline.per_book_bursts`) give what `bursts` gives on
the whole collected corpus, bit for bit, on DuckDB and on Spark: the priors from one row
per book, and every window's Benjamini-Hochberg q-value from steps computed per part of
the family's p-values."""

from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pytest
from pipeline_helpers import run_score

from candor.pipeline import per_book, per_book_bursts
from candor.pipeline.per_book_bursts import _part_steps, bursts_rows, parts_of
from candor.pipeline.stages import output_of
from candor.pipeline.trust import collect, reviews_table
from candor.trust.bursts import benjamini_hochberg, bh_steps, bursts
from candor.trust.table import SignalOutput
from research.synthetic import candor_table, write

DAY_US = 86_400 * 1_000_000


def burst_book(table: pa.Table, seed: int) -> pa.Table:
    """``table`` and a book with 60 reviews of every star over a year, then 25 five-star
    reviews in two days; and a book with a single review."""
    rng = np.random.default_rng(seed)
    start = int(table["created_at"].cast(pa.int64()).to_numpy().min())
    at = np.concatenate(
        (
            start + np.sort(rng.uniform(0, 365, 60)) * DAY_US,
            start + (400 + rng.uniform(0, 2, 25)) * DAY_US,
        )
    ).astype(np.int64)
    at = np.append(at, start)
    n = len(at)
    book = pa.table(
        {
            "review_id": [f"burst{i}" for i in range(n)],
            "product_id": ["bursty"] * 85 + ["lonely"],
            "reviewer_id": [f"b{i}" for i in range(n)],
            "rating": [*rng.integers(1, 6, 60).tolist(), *[5] * 25, 3],
            "created_at": pa.array(at).cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC")),
            "verified_purchase": [True] * n,
            "helpful_votes": [0] * n,
            "title": ["A title"] * n,
            "text": ["Some words."] * n,
        }
    )
    return pa.concat_tables([table, book.cast(table.schema)])


class BothWays:
    """Collects the valid reviews with bursts computed on the engine, and runs `bursts`
    on them here (trust 1 everywhere for the run itself)."""

    def __call__(self, reviews: object) -> None:
        engine = bursts_rows(reviews).to_pyarrow()  # type: ignore[arg-type]
        order = np.lexsort((engine["_line"].to_numpy(), engine["_source"].to_numpy()))
        self.engine = output_of("bursts", engine.take(order))
        self.here = bursts(reviews_table(collect(reviews)))  # type: ignore[arg-type]


def assert_identical(mine: SignalOutput, theirs: SignalOutput) -> None:
    for part in ("features", "flags", "numbers"):
        a, b = getattr(mine, part), getattr(theirs, part)
        assert sorted(a) == sorted(b), part
        for name in a:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_bursts_on_the_engine_are_the_whole_corpus_ones(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(per_book, "ROWS_PER_BATCH", 97)  # several batches of books
    monkeypatch.setattr(per_book_bursts, "VALUES_PER_PART", 150)  # several parts of p
    table = burst_book(candor_table(700, 25, seed=2), seed=6)
    both = BothWays()
    run_score(write(table, tmp_path / "in.parquet"), tmp_path / "out", engine=engine, trust=both)
    assert both.here.flags["burst"].sum() >= 20  # the five-star burst is found
    assert (both.here.features["burst_log10_q"] > 0).sum() > 100
    assert_identical(both.engine, both.here)


@pytest.mark.parametrize("seed", range(3))
def test_bh_steps_from_parts_on_the_engine_are_the_whole_familys(
    monkeypatch: pytest.MonkeyPatch, seed: int
):
    monkeypatch.setattr(per_book_bursts, "BINS", 64)
    monkeypatch.setattr(per_book_bursts, "VALUES_PER_PART", 40)
    rng = np.random.default_rng(seed)
    p = np.concatenate(
        (rng.uniform(size=300), rng.uniform(size=100) ** 8, np.ones(50), np.full(30, 0.25))
    )
    p = np.concatenate((p, rng.choice(p, 100)))  # ties
    values, counts = np.unique(p, return_counts=True)
    table = ibis.memtable(pa.table({"p": values, "n": counts}))
    with_part, before = parts_of(table)
    assert len(before) > 3
    family = 2 * len(p)
    steps = _part_steps(with_part, before, family)
    whole = bh_steps(values, counts, family)
    np.testing.assert_array_equal(steps.value, whole.value)
    np.testing.assert_array_equal(steps.q, whole.q)
    np.testing.assert_array_equal(steps.of(p), benjamini_hochberg(p, family))
