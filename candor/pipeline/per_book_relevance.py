"""Stage B of trust on the engine: off-topic text (`candor.trust.relevance`) in batches of
whole books (`candor.pipeline.per_book`).

What the test of one book needs from the rest of the corpus is `relevance.Context`:

- the document frequency of every hashed term, for the idf: each batch of books counts
  its texts' terms (`relevance.document_frequency`, at most one row per hashed term and
  batch) and the engine sums them per term; the sum (at most `HASH_FEATURES` rows,
  whatever the corpus) and the number of texts (reviews plus products) reach the
  driver;
- the pooled median and MAD of the judged reviews' log similarity, against which a book
  with few judged reviews is scored: a second pass over the batches gives those values
  as rows on the engine (`relevance.scored_log_similarity`), and the engine sorts them
  and hands over only the middle two (`engine_median`), then again for the absolute
  deviations.

A third pass runs `relevance` on each batch with that context; its output per review
comes back as rows keyed by ``_source, _line``.
"""

from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np

from candor.pipeline.engines import int64
from candor.pipeline.per_book import (
    KEY,
    Rows,
    book_batches,
    books_reviews,
    cached,
    on_batches,
)
from candor.pipeline.per_reviewer import as_rows
from candor.pipeline.stages import field_types, fields_of
from candor.trust.relevance import (
    Context,
    document_frequency,
    median_and_mad,
    relevance,
    scored_log_similarity,
)
from candor.trust.table import Reviews

COLUMNS = (*KEY, "product", "text")


def frequency_of_books(columns: dict[str, list[Any]]) -> Rows:
    """``{slot, n}`` rows: the texts of the batch that have each hashed term."""
    slots, frequency = document_frequency([text or "" for text in columns["text"]])
    return [{"slot": s, "n": f} for s, f in zip(slots.tolist(), frequency.tolist(), strict=True)]


FETCH_ROWS = 1 << 16  # values fetched at once when narrowing to an order statistic
BUCKETS = 1024  # ranges a narrowing step splits the candidate values into


def order_statistic(values: ir.Table, rank: int) -> float:
    """The value at 0-based ``rank`` of the column ``value`` of ``values`` sorted
    ascending, found on the engine: while more than `FETCH_ROWS` values (not all equal)
    are candidates, the engine counts them in `BUCKETS` equal ranges between their
    minimum and maximum (a monotone function of the value, so each range is a run of
    the sorted values) and only the range holding the rank stays a candidate; then the
    candidates are fetched and sorted here. Engines without an exact distributed
    quantile thus hand over a few numbers and at most `FETCH_ROWS` values."""
    keep: ir.BooleanValue = ibis.literal(True)
    while True:
        part = values.filter(keep)
        found = part.aggregate(
            n=part.count(), low=part.value.min(), high=part.value.max()
        ).to_pyarrow()
        size, low, high = (found[name][0].as_py() for name in ("n", "low", "high"))
        if low == high:
            return float(low)
        if size <= FETCH_ROWS:
            fetched = np.sort(part.value.to_pyarrow().to_numpy())
            return float(fetched[rank])

        def bucket(value: ir.FloatingValue, low: float = low, high: float = high) -> ir.Value:
            return ((value - low) / (high - low) * BUCKETS).floor().clip(upper=BUCKETS - 1)

        counts = part.group_by(b=bucket(part.value)).aggregate(n=part.count()).to_pyarrow()
        order = np.argsort(counts["b"].to_numpy())
        ranges, count = counts["b"].to_numpy()[order], counts["n"].to_numpy()[order]
        ends = np.cumsum(count)
        chosen = int(np.searchsorted(ends, rank, side="right"))
        rank -= int(ends[chosen] - count[chosen])
        keep = keep & (bucket(values.value) == int(ranges[chosen]))


def engine_median(values: ir.Table) -> float | None:
    """The median (`np.median`) of the column ``value`` of ``values``: that of its middle
    two values (`order_statistic`; the median depends on nothing else); None for no
    rows."""
    count = int(values.count().to_pyarrow().as_py())
    if count == 0:
        return None
    middle = [order_statistic(values, rank) for rank in ((count - 1) // 2, count // 2)]
    return float(np.median(np.asarray(middle, dtype=np.float64)))


def pooled_median_and_mad(values: ir.Table) -> tuple[float, float] | None:
    """`relevance.median_and_mad` of the column ``value`` of ``values``: of the values
    themselves when there are at most `FETCH_ROWS` of them (one query), else narrowed
    on the engine (`engine_median`); None for no values."""
    count = int(values.count().to_pyarrow().as_py())
    if count == 0:
        return None
    if count <= FETCH_ROWS:
        return median_and_mad(values.value.to_pyarrow().to_numpy())
    median = engine_median(values)
    assert median is not None
    with cached(values.select(value=(values.value - median).abs())) as deviation:
        mad = engine_median(deviation)
    assert mad is not None
    return median, mad


def relevance_context(reviews: ir.Table, grouped: ir.Table) -> Context:
    """The corpus' `relevance.Context`, from ``grouped`` (`book_batches` of `COLUMNS`)."""
    counted = dt.Struct({"slot": dt.int64, "n": dt.int64})
    rows = on_batches(grouped, frequency_of_books, COLUMNS, counted)
    summed = rows.group_by("slot").aggregate(n=int64(rows.n.sum())).to_pyarrow()
    order = np.argsort(summed["slot"].to_numpy())
    sizes = reviews.aggregate(
        reviews=reviews.count(), products=reviews.product.cast("string").nunique()
    ).to_pyarrow()
    texts = int(sizes["reviews"][0].as_py()) + int(sizes["products"][0].as_py())
    partial = Context(
        texts=texts,
        slots=summed["slot"].to_numpy()[order].astype(np.int64),
        document_frequency=summed["n"].to_numpy()[order].astype(np.int64),
        pooled=None,
    )

    def similarity_of_books(columns: dict[str, list[Any]]) -> Rows:
        values = scored_log_similarity(books_reviews(columns)[0], partial)
        return [{"value": v} for v in values[np.isfinite(values)].tolist()]

    scored = on_batches(grouped, similarity_of_books, COLUMNS, dt.Struct({"value": dt.float64}))
    with cached(scored) as values:  # read by several queries: the batches run once
        pooled = pooled_median_and_mad(values)
    return Context(
        texts=texts,
        slots=partial.slots,
        document_frequency=partial.document_frequency,
        pooled=pooled,
    )


def relevance_type() -> dt.Struct:
    """The `fields_of` columns of `relevance`, read off one run of it."""
    return field_types(fields_of(relevance(Reviews.of_texts(["a text"]))))


def relevance_rows(reviews: ir.Table) -> ir.Table:
    """``_source, _line`` and the `relevance_type` columns of every review, computed on
    the engine in batches of whole books with the corpus' context."""
    grouped = book_batches(reviews, COLUMNS)
    context = relevance_context(reviews, grouped)
    keyed = dt.Struct({"_source": dt.int64, "_line": dt.int64, **relevance_type().fields})

    def relevance_of_books(columns: dict[str, list[Any]]) -> Rows:
        books, column = books_reviews(columns)
        return as_rows(column, fields_of(relevance(books, context=context)))

    return on_batches(grouped, relevance_of_books, COLUMNS, keyed)
