"""The bulk data generator writes the requested rows in Candor's schema."""

from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from bench.generate import SCHEMA, generate  # noqa: E402


def test_writes_the_requested_rows_in_the_schema(tmp_path: Path) -> None:
    out = tmp_path / "reviews.parquet"
    summary = generate(
        out, reviews=5000, products=300, reviewers=800, row_group=2000, verbose=False
    )
    assert summary["rows"] == 5000
    parquet = pq.ParquetFile(out)
    assert parquet.schema_arrow == SCHEMA
    assert parquet.metadata.num_rows == 5000
    assert parquet.metadata.num_row_groups == 3
    table = parquet.read().to_pydict()
    assert table["review_id"] == list(range(1, 5001))
    assert table["created_at"] == sorted(table["created_at"])
    assert set(table["rating"]) <= {1, 2, 3, 4, 5}
    assert min(table["product_id"]) >= 1 and max(table["product_id"]) <= 300
    assert min(table["reviewer_id"]) >= 1 and max(table["reviewer_id"]) <= 800
    pairs = set(zip(table["product_id"], table["reviewer_id"], strict=True))
    assert len(pairs) == 5000  # one review per reviewer and product
    assert all(0 < len(t) <= 5000 for t in table["text"])
    assert all(len(t) <= 150 for t in table["title"])
    assert 0.5 < sum(table["verified_purchase"]) / 5000 < 0.7


def test_same_seed_same_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    generate(a, reviews=800, products=50, reviewers=200, row_group=500, verbose=False)
    generate(b, reviews=800, products=50, reviewers=200, row_group=500, verbose=False)
    assert pq.read_table(a).equals(pq.read_table(b))
