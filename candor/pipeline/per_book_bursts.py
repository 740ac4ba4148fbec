"""Stage B of trust on the engine: review bursts (`candor.trust.bursts`) in batches of
whole books (`candor.pipeline.per_book`).

What the test of one book needs from the rest of the corpus is `bursts.Context`:

- the priors and the overdispersion: each batch gives one row per book
  (`bursts.product_summaries`: its review rate, overdispersion and number of windows),
  the engine counts the stars, and `bursts.corpus_context` takes the medians and the
  family size of those rows here;
- the Benjamini-Hochberg q-values of the family of every window's two tests. They are
  every window's, not only the significant ones' (the combiner reads the smallest q of
  the windows containing a review), so they must be BH's to the bit: a second pass gives
  each batch's p-values (`bursts.window_p_values`) as rows on the engine, counted per
  distinct value (cached); the engine counts those in 65,536 equal ranges of p, which
  are cut here into contiguous parts of at most `VALUES_PER_PART` distinct values; a
  UDF computes each part's `bursts.bh_steps` with the number of p-values before it, and
  only the steps (right-to-left minima below 1, far fewer than the p-values) reach
  this process, where `bursts.joined_steps` puts them together.

A third pass runs `bursts` on each batch with that context; its output per review comes
back as rows keyed by ``_source, _line``.
"""

import dataclasses
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
from candor.trust.bursts import (
    Context,
    Steps,
    bh_steps,
    bursts,
    corpus_context,
    joined_steps,
    product_summaries,
    window_p_values,
)
from candor.trust.changepoint import STARS
from candor.trust.table import Reviews

COLUMNS = (*KEY, "product", "star", "created_us")
BINS = 1 << 16  # equal ranges of p the engine counts the distinct p-values in
VALUES_PER_PART = 200_000  # distinct p-values a part's UDF call sorts at most
SUMMARY = dt.Struct({"rate": dt.float64, "phi": dt.float64, "windows": dt.float64})


def summaries_of_books(columns: dict[str, list[Any]]) -> Rows:
    """One `SUMMARY` row per book of the batch."""
    summaries = product_summaries(books_reviews(columns)[0])
    names = list(SUMMARY.names)
    listed = [summaries[name].tolist() for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*listed, strict=True)]


def star_counts(reviews: ir.Table) -> np.ndarray:
    """The corpus' reviews of each star 1..5 (counted on the engine)."""
    counts = reviews.group_by("star").aggregate(n=reviews.count()).to_pyarrow()
    per_star = np.zeros(STARS + 1, dtype=np.int64)
    per_star[np.asarray(counts["star"].to_pylist())] = counts["n"].to_pylist()
    result: np.ndarray = per_star[1:]
    return result


def priors_context(reviews: ir.Table, grouped: ir.Table) -> Context:
    """`bursts.corpus_context` from one summary row per book (computed on the engine)."""
    rows = on_batches(grouped, summaries_of_books, COLUMNS, SUMMARY).to_pyarrow()
    summaries = {name: rows[name].to_numpy().astype(np.float64) for name in SUMMARY.names}
    return corpus_context(summaries, star_counts(reviews))


def parts_of(values: ir.Table) -> tuple[ir.Table, list[int]]:
    """``values`` (distinct ``p`` with their count ``n``) with the contiguous part of p
    each belongs to (``part``), and the number of p-values before each part."""
    bin_of = (values.p * BINS).floor().clip(upper=BINS - 1)
    counted = values.group_by(bin=bin_of).aggregate(values=values.count(), n=int64(values.n.sum()))
    histogram = counted.to_pyarrow()
    order = np.argsort(histogram["bin"].to_numpy())
    bins = histogram["bin"].to_numpy()[order]
    distinct, tests = histogram["values"].to_numpy()[order], histogram["n"].to_numpy()[order]
    starts, filled = [0], 0  # bins' indices where a part starts
    for i, size in enumerate(distinct.tolist()):
        if filled and filled + size > VALUES_PER_PART:
            starts.append(i)
            filled = 0
        filled += size
    before = [int(tests[:start].sum()) for start in starts]
    part: ir.IntegerValue = ibis.literal(0)
    for first in starts[1:]:
        part = part + (bin_of >= int(bins[first])).cast("int64")
    return values.mutate(part=part), before


def bh_context(context: Context, grouped: ir.Table) -> Context:
    """``context`` with the `bursts.Steps` of the corpus' BH family (module docstring)."""

    def p_values_of_books(columns: dict[str, list[Any]]) -> Rows:
        p = window_p_values(books_reviews(columns)[0], context)
        values, counts = np.unique(p, return_counts=True)
        return [{"p": v, "n": c} for v, c in zip(values.tolist(), counts.tolist(), strict=True)]

    counted = dt.Struct({"p": dt.float64, "n": dt.int64})
    rows = on_batches(grouped, p_values_of_books, COLUMNS, counted)
    distinct = rows.group_by("p").aggregate(n=int64(rows.n.sum()))
    with cached(distinct) as values:
        with_part, before = parts_of(values)
        steps = _part_steps(with_part, before, context.family)
    return dataclasses.replace(context, steps=steps)


def _part_steps(values: ir.Table, before: list[int], family: int) -> Steps:
    """`bursts.bh_steps` of each part of ``values`` (on the engine), joined here."""
    found = dt.Struct({"part": dt.int64, "value": dt.float64, "q": dt.float64})

    def steps_of_part(part: list[int], p: list[float], n: list[int]) -> Rows:
        order = np.argsort(np.asarray(p))
        values = np.asarray(p, dtype=np.float64)[order]
        counts = np.asarray(n, dtype=np.int64)[order]
        steps = bh_steps(values, counts, family, before[part[0]])
        return [
            {"part": part[0], "value": v, "q": q}
            for v, q in zip(steps.value.tolist(), steps.q.tolist(), strict=True)
        ]

    grouped = values.group_by(_part=values.part).aggregate(
        part=values.part.collect(), p=values.p.collect(), n=values.n.collect()
    )
    run = ibis.udf.scalar.python(
        steps_of_part,
        signature=((dt.Array(dt.int64), dt.Array(dt.float64), dt.Array(dt.int64)), dt.Array(found)),
    )
    steps = grouped.select(_rows=run(grouped.part, grouped.p, grouped.n))
    table = steps.unnest("_rows").unpack("_rows").to_pyarrow()
    part = table["part"].to_numpy()
    value, q = table["value"].to_numpy(), table["q"].to_numpy()
    parts = []
    for k in range(len(before)):
        mine = part == k
        order = np.argsort(value[mine])
        parts.append(Steps(value=value[mine][order], q=q[mine][order]))
    return joined_steps(parts)


def bursts_type() -> dt.Struct:
    """The `fields_of` columns of `bursts`, read off one run of it."""
    return field_types(fields_of(bursts(Reviews.of_texts(["a text"]))))


def bursts_rows(reviews: ir.Table) -> ir.Table:
    """``_source, _line`` and the `bursts_type` columns of every review, computed on the
    engine in batches of whole books with the corpus' context."""
    grouped = book_batches(reviews, COLUMNS)
    context = bh_context(priors_context(reviews, grouped), grouped)
    keyed = dt.Struct({"_source": dt.int64, "_line": dt.int64, **bursts_type().fields})

    def bursts_of_books(columns: dict[str, list[Any]]) -> Rows:
        books, column = books_reviews(columns)
        return as_rows(column, fields_of(bursts(books, context=context)))

    return on_batches(grouped, bursts_of_books, COLUMNS, keyed)
