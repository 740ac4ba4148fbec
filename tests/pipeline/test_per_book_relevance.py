"""The engine's order statistics (`per_book_relevance.order_statistic`), which give
relevance's pooled median and MAD, are the sorted values' own, ties and all."""

import ibis
import numpy as np
import pyarrow as pa
import pytest

from candor.pipeline import per_book_relevance
from candor.pipeline.per_book_relevance import engine_median, order_statistic


@pytest.mark.parametrize("seed", range(2))
def test_order_statistics_are_the_sorted_values(monkeypatch: pytest.MonkeyPatch, seed: int):
    monkeypatch.setattr(per_book_relevance, "FETCH_ROWS", 7)  # narrow several times
    monkeypatch.setattr(per_book_relevance, "BUCKETS", 4)
    rng = np.random.default_rng(seed)
    values = np.concatenate(
        (rng.normal(size=200), np.full(40, -4.605170185988091), rng.exponential(size=30) * 1e-9)
    )
    rng.shuffle(values)
    table = ibis.memtable(pa.table({"value": values}))
    expected = np.sort(values)
    for rank in (0, 1, 17, 100, 120, 239, 269):
        assert order_statistic(table, rank) == expected[rank]
    assert engine_median(table) == np.median(values)
    assert engine_median(ibis.memtable(pa.table({"value": values[:11]}))) == np.median(values[:11])
    assert engine_median(table.filter(table.value > 100)) is None
