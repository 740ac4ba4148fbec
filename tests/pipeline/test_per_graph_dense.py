"""The dense signal's graph aggregated on the engine (`candor.pipeline.per_graph_dense`)
is the one `dense.build_graph` builds from the collected reviews, bit for bit, on DuckDB
and on Spark, so the blocks, densities and threshold found from it are the same."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from pipeline_helpers import run_score

from candor.pipeline.per_graph_dense import dense_graph
from candor.pipeline.trust import collect, reviews_table
from candor.trust.dense import Graph, build_graph, dense_blocks, significant_blocks
from research.synthetic import candor_table, write

DAY_US = 86_400 * 1_000_000


def with_campaign(table: pa.Table, seed: int) -> pa.Table:
    """``table``, 12 new accounts giving one star to the same 8 of its most reviewed books
    over a year (two of them twice), and 30 anonymous reviews."""
    rng = np.random.default_rng(seed)
    start = int(table["created_at"].cast(pa.int64()).to_numpy().min())
    counts = pa.compute.value_counts(table["product_id"]).to_pylist()
    books = [row["values"] for row in sorted(counts, key=lambda row: -row["counts"])][2:10]
    pairs = [(f"camp{a}", book) for a in range(12) for book in books]
    pairs += [("camp0", books[0]), ("camp1", books[1])]
    pairs += [(None, books[i % 8]) for i in range(30)]
    n = len(pairs)
    extra = pa.table(
        {
            "review_id": [f"camp{i}" for i in range(n)],
            "product_id": [book for _, book in pairs],
            "reviewer_id": pa.array([account for account, _ in pairs], pa.string()),
            "rating": [1 if account else int(rng.integers(1, 6)) for account, _ in pairs],
            "created_at": pa.array(start + rng.integers(0, 365 * DAY_US, n))
            .cast(pa.timestamp("us"))
            .cast(pa.timestamp("us", tz="UTC")),
            "verified_purchase": [True] * n,
            "helpful_votes": [0] * n,
            "title": [None] * n,
            "text": [None] * n,
        }
    )
    return pa.concat_tables([table, extra.cast(table.schema)])


class BothGraphs:
    """A trust source that builds the dense graph on the engine and from the collected
    reviews (trust 1 everywhere for the run itself)."""

    def __call__(self, reviews: object) -> None:
        self.on_engine = dense_graph(reviews)  # type: ignore[arg-type]
        self.table = reviews_table(collect(reviews))  # type: ignore[arg-type]
        self.here = build_graph(self.table)


def assert_same_graph(mine: Graph, theirs: Graph) -> None:
    assert (mine.n_reviewers, mine.n_products) == (theirs.n_reviewers, theirs.n_products)
    for name in ("reviewer", "product", "rating", "column_weight"):
        a, b = getattr(mine, name), getattr(theirs, name)
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)  # bit for bit: no tolerance


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_the_engine_builds_the_dense_graph_exactly(tmp_path: Path, engine: str):
    table = with_campaign(candor_table(1500, 60, seed=4), seed=9)
    both = BothGraphs()
    run_score(write(table, tmp_path / "in.parquet"), tmp_path / "out", engine=engine, trust=both)
    assert_same_graph(both.on_engine, both.here)
    # accounts with several reviews of one product, and anonymous reviews: edges merged
    assert len(both.here.product) < len(both.table)
    mine, theirs = significant_blocks(both.on_engine), significant_blocks(both.here)
    assert mine[1] == theirs[1] > 0
    assert [(b.reviewers.tolist(), b.products.tolist(), b.density) for b in mine[0]] == [
        (b.reviewers.tolist(), b.products.tolist(), b.density) for b in theirs[0]
    ]
    # the corpus has a real dense block: the campaign's reviews are penalised
    flagged = dense_blocks(both.table).flags["dense_group"]
    campaign = np.char.startswith(np.asarray(both.table.review_id, str), "camp")
    assert flagged[campaign].sum() >= 80 and not flagged[~campaign].any()
