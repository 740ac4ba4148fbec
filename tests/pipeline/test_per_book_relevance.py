"""The engine's order statistics (`per_book_relevance.order_statistic`), which give
relevance's pooled median and MAD, are the sorted values' own, ties and all."""

from collections.abc import Callable, Iterator

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pytest

from candor.pipeline import per_book_relevance
from candor.pipeline.engines import connect
from candor.pipeline.per_book_relevance import (
    engine_median,
    order_statistic,
    pooled_median_and_mad,
)
from candor.trust.relevance import median_and_mad

Tables = Callable[[pa.Table], ir.Table]


@pytest.fixture(scope="module", params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def tables(request: pytest.FixtureRequest) -> Iterator[Tables]:
    """Arrow tables made tables of the engine the test runs on."""
    if request.param == "duckdb":
        yield ibis.memtable
        return
    engine = connect("spark", threads=2)
    yield engine.from_arrow
    engine.close()


@pytest.mark.parametrize("seed", range(2))
def test_order_statistics_are_the_sorted_values(
    monkeypatch: pytest.MonkeyPatch, seed: int, tables: Tables
):
    monkeypatch.setattr(per_book_relevance, "FETCH_ROWS", 7)  # narrow several times
    monkeypatch.setattr(per_book_relevance, "BUCKETS", 4)
    rng = np.random.default_rng(seed)
    values = np.concatenate(
        (rng.normal(size=200), np.full(40, -4.605170185988091), rng.exponential(size=30) * 1e-9)
    )
    rng.shuffle(values)
    table = tables(pa.table({"value": values}))
    expected = np.sort(values)
    for rank in (0, 1, 17, 100, 120, 239, 269):
        assert order_statistic(table, rank) == expected[rank]
    assert engine_median(table) == np.median(values)
    assert engine_median(tables(pa.table({"value": values[:11]}))) == np.median(values[:11])
    assert engine_median(table.filter(table.value > 100)) is None
    assert pooled_median_and_mad(table) == median_and_mad(values)  # narrowed
    monkeypatch.setattr(per_book_relevance, "FETCH_ROWS", 1 << 16)
    assert pooled_median_and_mad(table) == median_and_mad(values)  # fetched
    assert pooled_median_and_mad(table.filter(table.value > 100)) is None
