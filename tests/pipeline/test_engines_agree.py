"""Same answers on both engines: `candor score` on DuckDB and on Spark gives every review
the same trust (to 1e-6) and the same reasons, word for word, and every product the same
rating, interval and effective count (to 1e-6). Checked on the corpus the pipeline tests
score and on 100,000 generated reviews with realistic texts (`bench.generate`)."""

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from test_score_cli import candor, lines

from candor.trust.score import ALL_SIGNALS
from research.synthetic import write

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:  # bench/ is not an installed package
    sys.path.insert(0, ROOT)

from bench.generate import generate  # noqa: E402

TOLERANCE = 1e-6
ENGINES = ("duckdb", "spark")


def score_on_both(data: Path, tmp_path: Path) -> dict[str, Path]:
    """`candor score DATA` with each engine (the installed command); the output folders."""
    outputs = {}
    for engine in ENGINES:
        out = tmp_path / engine
        done = candor("score", data, "--out", out, "--engine", engine, "--threads", "2")
        assert done.returncode == 0, done.stderr[-3000:]
        # Every signal ran, the text ones included: agreement is not for want of trust.
        assert f"reviews analysed ({', '.join(ALL_SIGNALS)})" in done.stderr
        outputs[engine] = out
    return outputs


def largest_gap(mine: list[dict], theirs: list[dict], field: str) -> float:
    return float(np.max(np.abs(column(mine, field) - column(theirs, field)), initial=0.0))


def column(rows: list[dict], field: str) -> np.ndarray:
    return np.array([row[field] for row in rows], dtype=np.float64)


def assert_reviews_agree(duckdb: Path, spark: Path) -> None:
    mine, theirs = lines(duckdb / "reviews.jsonl"), lines(spark / "reviews.jsonl")
    keys = ("review_id", "product_id", "reviewer_id")
    assert [[row[k] for k in keys] for row in mine] == [[row[k] for k in keys] for row in theirs]
    assert largest_gap(mine, theirs, "trust") <= TOLERANCE
    assert largest_gap(mine, theirs, "weight") <= TOLERANCE
    differ = [
        a["review_id"] for a, b in zip(mine, theirs, strict=True) if a["reasons"] != b["reasons"]
    ]
    assert not differ, f"{len(differ)} reviews with other reasons, e.g. {differ[:5]}"
    # The corpus gives trust something to find, or agreeing would prove little.
    assert any(row["trust"] < 1.0 and row["reasons"] for row in mine)


def assert_products_agree(duckdb: Path, spark: Path) -> None:
    mine, theirs = lines(duckdb / "products.jsonl"), lines(spark / "products.jsonl")
    keys = ("product_id", "count", "stars")
    assert [[row[k] for k in keys] for row in mine] == [[row[k] for k in keys] for row in theirs]
    assert largest_gap(mine, theirs, "rating") <= TOLERANCE
    assert largest_gap(mine, theirs, "effective_count") <= TOLERANCE
    low, high = np.array([row["interval"] for row in mine]).T
    other_low, other_high = np.array([row["interval"] for row in theirs]).T
    assert float(np.max(np.abs(low - other_low))) <= TOLERANCE
    assert float(np.max(np.abs(high - other_high))) <= TOLERANCE


def assert_engines_agree(outputs: dict[str, Path]) -> None:
    duckdb, spark = outputs["duckdb"], outputs["spark"]
    assert_reviews_agree(duckdb, spark)
    assert_products_agree(duckdb, spark)
    assert lines(duckdb / "rejects.jsonl") == lines(spark / "rejects.jsonl")


@pytest.mark.spark
def test_engines_agree_on_the_pipeline_tests_corpus(tmp_path: Path, corpus: pa.Table):
    data = write(corpus, tmp_path / "in.parquet")
    outputs = score_on_both(data, tmp_path)
    assert len(lines(outputs["duckdb"] / "reviews.jsonl")) == corpus.num_rows
    assert_engines_agree(outputs)


@pytest.mark.spark
def test_engines_agree_on_100k_generated_reviews(tmp_path: Path):
    """100,000 reviews of 10,000 products by 20,000 reviewers (the proportions of the
    10-million benchmark file), seeded: long-tailed popularity, texts of a realistic
    length with copies among them."""
    data = tmp_path / "reviews-100k.parquet"
    generate(data, reviews=100_000, products=10_000, reviewers=20_000, seed=16, verbose=False)
    outputs = score_on_both(data, tmp_path)
    assert len(lines(outputs["duckdb"] / "reviews.jsonl")) == 100_000
    assert_engines_agree(outputs)
