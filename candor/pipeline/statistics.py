"""What a Parquet file's own statistics prove about every value of a column.

A Parquet writer records, per row group and column, how many values are null and the
smallest and largest value. When every row group has them, a check that no value can
fail (no nulls; every star between 1 and 5; every date in range) needs no work per
row, and `candor.pipeline.expressions.normalize` leaves it out: the rows are the same,
the pass over them is cheaper. Files without statistics are checked row by row.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq


@dataclass(frozen=True)
class ColumnSummary:
    """One column over the whole file: its null count, and its smallest and largest
    value (None when some row group does not record them, or every value is null)."""

    nulls: int
    low: Any = None
    high: Any = None

    @property
    def complete(self) -> bool:
        return self.nulls == 0

    def within(self, low: float, high: float) -> bool:
        """Every value lies in [low, high] (nulls aside)."""
        if self.low is None:
            return False
        try:
            return bool(low <= self.low and self.high <= high)
        except TypeError:
            return False  # not numbers (text, say): not proven

    def never_empty(self) -> bool:
        """No value is null or the empty text ("" is the smallest text there is)."""
        return self.complete and self.low is not None and self.low not in ("", b"")

    def microseconds_within(self, low_us: int, high_us: int) -> bool:
        """Every timestamp or date lies in [low_us, high_us] (microseconds since 1970)."""
        if self.low is None:
            return False
        try:
            return low_us <= _microseconds(self.low) and _microseconds(self.high) <= high_us
        except TypeError:
            return False  # a kind of value this module does not read: not proven


def summarize(path: Path) -> dict[str, ColumnSummary]:
    """Each top-level column of a Parquet file, from its footer alone."""
    metadata = pq.ParquetFile(path).metadata
    summaries: dict[str, ColumnSummary] = {}
    for index in range(metadata.num_columns):
        name = metadata.schema.column(index).path
        if "." in name:
            continue  # a nested field: never one of the columns the pipeline checks
        summaries[name] = _column(metadata, index)
    return summaries


def _column(metadata: pq.FileMetaData, index: int) -> ColumnSummary:
    nulls, low, high, bounded = 0, None, None, True
    for group in range(metadata.num_row_groups):
        chunk = metadata.row_group(group).column(index)
        stats = chunk.statistics
        if stats is None or not stats.has_null_count:
            return ColumnSummary(nulls=-1)  # unknown: nothing is proven
        nulls += stats.null_count
        if stats.null_count == chunk.num_values:
            continue  # all null: no bounds, and none needed
        if not stats.has_min_max:
            bounded = False
            continue
        low = stats.min if low is None else min(low, stats.min)
        high = stats.max if high is None else max(high, stats.max)
    if not bounded:
        return ColumnSummary(nulls)
    return ColumnSummary(nulls, low, high)


def _microseconds(value: Any) -> int:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, date):
        return (value - date(1970, 1, 1)).days * 86_400_000_000
    raise TypeError(f"not a date or timestamp: {value!r}")
