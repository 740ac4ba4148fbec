"""`candor score --format parquet`: the same rows and values as JSON Lines, on both engines."""

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pipeline_helpers import assert_rows_close, run_score

from candor.pipeline import cli
from candor.pipeline.trust import CorpusTrust
from research.synthetic import write

BAD_ROW = "r-bad,p1,u1,9,2024-05-01,true,0,,\n"
KEYS = {"products": "product_id", "reviews": "review_id", "rejects": "line"}


def parquet_rows(path: Path) -> list[dict[str, Any]]:
    """A Parquet output (DuckDB's file or Spark's folder of parts) as JSON-like rows."""
    assert path.exists(), path
    return pq.read_table(path).to_pylist()


def by_key(rows: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: row[KEYS[kind]])


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_parquet_holds_the_jsonl_rows(tmp_path: Path, corpus: pa.Table, engine: str):
    data = write(corpus, tmp_path / "in.csv")
    with data.open("a") as out:
        out.write(BAD_ROW)
    options: dict[str, Any] = {"engine": engine, "threads": 2, "now": None}
    jsonl = run_score(data, tmp_path / "jsonl", trust=CorpusTrust(), **options)
    parquet = run_score(
        data, tmp_path / "parquet", trust=CorpusTrust(), format="parquet", **options
    )
    assert parquet.summary.reviews == jsonl.summary.reviews == corpus.num_rows
    assert not list((tmp_path / "parquet").glob("*.jsonl"))
    for kind in ("products", "reviews", "rejects"):
        expected = by_key(jsonl.lines(f"{kind}.jsonl"), kind)
        written = by_key(parquet_rows(tmp_path / "parquet" / f"{kind}.parquet"), kind)
        assert [list(row) for row in written] == [list(row) for row in expected]  # fields
        assert_rows_close(written, expected)
    reviews = parquet_rows(tmp_path / "parquet/reviews.parquet")
    # Trust ran: some reasons, as {code, text} structs, and [] (not null) elsewhere.
    assert any(row["reasons"] and row["reasons"][0]["code"] for row in reviews)
    assert all(row["reasons"] is not None for row in reviews)
    assert len(parquet_rows(tmp_path / "parquet/rejects.parquet")) == 1


def test_jsonl_output_needs_a_local_folder(
    tmp_path: Path, corpus: pa.Table, capsys: pytest.CaptureFixture[str]
):
    data = write(corpus.slice(0, 20), tmp_path / "in.parquet")
    status = cli.main([str(data), "--out", "s3a://bucket/run", "--no-trust"])
    assert status == 2
    assert "a URI needs --format parquet" in capsys.readouterr().err
