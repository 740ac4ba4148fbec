"""Checks a Parquet file's statistics prove are skipped; every other check still runs."""

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from candor.pipeline.statistics import summarize
from tests.pipeline.pipeline_helpers import assert_rows_close, run_score

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def with_column(table: pa.Table, name: str, values: list[object]) -> pa.Table:
    index = table.schema.get_field_index(name)
    return table.set_column(index, name, pa.array(values, table.schema.field(name).type))


def test_the_same_numbers_with_and_without_statistics(tmp_path: Path, corpus: pa.Table):
    pq.write_table(corpus, tmp_path / "with.parquet")
    pq.write_table(corpus, tmp_path / "without.parquet", write_statistics=False)
    assert summarize(tmp_path / "with.parquet")["rating"].within(1, 5)
    assert not summarize(tmp_path / "without.parquet")["rating"].within(1, 5)
    proven = run_score(tmp_path / "with.parquet", tmp_path / "a", now=NOW)
    checked = run_score(tmp_path / "without.parquet", tmp_path / "b", now=NOW)
    assert proven.products == checked.products
    assert_rows_close(proven.reviews, checked.reviews)
    assert proven.rejects == checked.rejects == []


@pytest.mark.parametrize("statistics", [True, False])
@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("rating", 6, "rating: not a whole number of stars 1..5"),
        ("rating", None, "rating: missing"),
        ("product_id", None, "product_id: missing"),
        ("review_id", None, "review_id: missing"),
        ("created_at", datetime(1850, 1, 1, tzinfo=UTC), "created_at: not between the years"),
        ("created_at", None, "created_at: missing"),
        ("helpful_votes", -3, "helpful_votes: not a whole number >= 0"),
    ],
)
def test_a_bad_value_is_reported_whether_or_not_the_file_has_statistics(
    tmp_path: Path,
    corpus: pa.Table,
    statistics: bool,
    column: str,
    value: object,
    reason: str,
):
    table = corpus.slice(0, 50)
    values = table[column].to_pylist()
    values[17] = value
    path = tmp_path / "in.parquet"
    # Small row groups: the bad value sits in one of several, each with statistics.
    pq.write_table(
        with_column(table, column, values), path, row_group_size=10, write_statistics=statistics
    )
    result = run_score(path, tmp_path / "out", now=NOW)
    assert [(r["line"], r["reason"][: len(reason)]) for r in result.rejects] == [(18, reason)]
    assert len(result.reviews) == 49


def test_summaries_add_up_row_groups_and_know_what_they_do_not_know(tmp_path: Path):
    table = pa.table(
        {
            "n": pa.array([3, None, 7, 1], pa.int64()),
            "s": pa.array(["b", "a", "", "c"]),
            "t": pa.array([datetime(2001, 1, 1, tzinfo=UTC)] * 4, pa.timestamp("us", "UTC")),
        }
    )
    pq.write_table(table, tmp_path / "x.parquet", row_group_size=2)
    summary = summarize(tmp_path / "x.parquet")
    assert (summary["n"].nulls, summary["n"].low, summary["n"].high) == (1, 1, 7)
    assert not summary["n"].complete
    assert summary["s"].complete and not summary["s"].never_empty()
    assert summary["t"].microseconds_within(978_307_200_000_000, 978_307_200_000_000)
    assert not summary["t"].microseconds_within(0, 978_307_199_999_999)
    assert not summary["s"].within(0, 10)  # text is not a number: nothing proven
    pq.write_table(table, tmp_path / "y.parquet", write_statistics=False)
    unknown = summarize(tmp_path / "y.parquet")["n"]
    assert not unknown.complete and not unknown.within(0, 10)
