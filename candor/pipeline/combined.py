"""Stages E and F of trust on the engine (docs/score.md, "Trust on the engine"): the
signals' outputs combined into trust, bounded per book, and the reasons written, all
on the engine, so that trust and reasons never reach the driver.

Every signal's output is a set of `fields_of` columns (``SIGNAL__KIND__NAME``) keyed by
``_source, _line``. From a table holding them for every review:

- E, per review: a batch UDF rebuilds each signal's features for its batch of rows and
  calls `candor.trust.combine.review_trust` (everything `combine` does before bounded
  influence: it reads a review's own features and verified flag only);
- F, per book: that trust goes in batches of whole books (a hash of the book; collect,
  a Python UDF, unnest, as `candor.pipeline.per_book`) to `combine.bounded`, the same
  step `combine` ends with, which gives the final trust and its own flag and numbers;
- reasons, per review: a batch UDF rebuilds the merged flags and numbers of its rows
  (the signals' in their order, then bounded influence's, as `combine` merges them) and
  writes each review's reasons as JSON objects with
  `candor.trust.score.reasons_and_notes`, as `candor.pipeline.trust.trust_table` does;
- the counts of the run's summary line are an aggregate over the flags.

A review's trust and reasons depend on its own columns and its book's, and every group
is put in input order inside its UDF, so how the engine cuts rows into batches changes
nothing: the same bits as `combine` on one process.
"""

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np

from candor.pipeline.engines import batch_udf, int64
from candor.pipeline.expressions import MICROSECONDS
from candor.pipeline.stages import SEPARATOR, field_types, fields_of, output_of
from candor.trust.codes import TRUNCATED
from candor.trust.combine import REASON_ORDER, bounded, feature_table, merged_reasons, review_trust
from candor.trust.score import reasons_and_notes
from candor.trust.table import SignalOutput

KEY = ("_source", "_line")
ROWS_PER_BATCH = 200_000  # reviews per batch of books (a book larger than this is one)
INFLUENCE = "influence"  # the name bounded influence's fields go by (``influence__flag__...``)
PRODUCT_NOUN = ("product", "products")
BOOK_COLUMNS = (*KEY, "product", "created_us", "verified", "trust")


def signal_fields(
    columns: Sequence[str], signals: Sequence[str], kinds: Sequence[str]
) -> list[str]:
    """The `fields_of` columns among ``columns`` of ``signals``, of the ``kinds`` given."""
    found = []
    for name in columns:
        parts = name.split(SEPARATOR, 2)
        if len(parts) == 3 and parts[0] in signals and parts[1] in kinds:
            found.append(name)
    return found


def rebuilt(signals: Sequence[str], batch: Mapping[str, Sequence[Any]]) -> list[SignalOutput]:
    """The outputs of ``signals``, in that order, from their columns in ``batch``."""
    return [output_of(name, batch) for name in signals]


def trust_of_rows(signals: Sequence[str], batch: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """`review_trust` of a batch of reviews from their signals' features and verified
    flags."""
    verified = np.asarray(batch["verified"], dtype=bool)
    table = feature_table(rebuilt(signals, batch))
    return {"trust": review_trust(table, verified)}


def reasons_of_rows(signals: Sequence[str], batch: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """Each review's reasons as JSON text (null for none), from the flags and numbers of
    its signals and of bounded influence: `reason_texts` of the merged outputs."""
    outputs = rebuilt([*signals, INFLUENCE], batch)
    n = len(batch["verified"])
    return {"reasons": reason_texts(merged_reasons(outputs, n), n)}


def reason_texts(merged: SignalOutput, n: int) -> list[str | None]:
    """Each of ``n`` reviews' reasons and notes (`reasons_and_notes`) as a JSON list of
    ``{"code", "text"}`` objects, or None when it has none; sentences are written only
    for the reviews with a flag."""
    flagged = np.zeros(n, dtype=bool)
    for values in merged.flags.values():
        flagged |= np.asarray(values, dtype=bool)
    texts: list[str | None] = [None] * n
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for i in np.flatnonzero(flagged).tolist():
        found = reasons_and_notes(merged, i, PRODUCT_NOUN)
        if found:
            texts[i] = encode([{"code": code, "text": text} for code, text in found])
    return texts


def struct_of(table: ir.Table, names: Sequence[str]) -> ir.StructValue:
    """The columns ``names`` of ``table`` as one struct, a batch UDF's argument."""
    return ibis.struct({name: table[name] for name in names})


def input_type(table: ir.Table, names: Sequence[str]) -> dt.Struct:
    """The type of `struct_of`."""
    return dt.Struct({name: table.schema()[name] for name in names})


def with_review_trust(table: ir.Table, signals: Sequence[str]) -> ir.Table:
    """``table`` (the signals' columns, ``verified``) with ``trust``: `trust_of_rows` as a
    batch UDF."""
    names = [*signal_fields(table.columns, signals, ["feature"]), "verified"]

    def run(batch: Mapping[str, list[Any]]) -> Mapping[str, np.ndarray]:
        return trust_of_rows(signals, batch)

    output = dt.Struct({"trust": dt.float64})
    function = batch_udf(ibis.get_backend(table).name, run, input_type(table, names), output)
    return table.mutate(trust=function(struct_of(table, names))["trust"])


def influence_type() -> dt.Struct:
    """The `fields_of` columns of bounded influence, read off one run of it."""
    merged = SignalOutput(name=INFLUENCE)
    one = np.zeros(1, np.int64)
    bounded(np.ones(1), np.zeros(1, bool), one, one, merged)
    return field_types(fields_of(merged))


def influence_of_books(columns: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """`combine.bounded` on a batch of whole books (``columns``: one list per column of
    ``BOOK_COLUMNS``, rows in no set order): per review ``_source, _line``, the final
    ``trust`` and bounded influence's `fields_of` columns."""
    order = np.lexsort((np.asarray(columns["_line"]), np.asarray(columns["_source"])))
    column = {name: np.asarray(values)[order] for name, values in columns.items()}
    _, product = np.unique(column["product"].astype(str), return_inverse=True)
    merged = SignalOutput(name=INFLUENCE)
    trust = bounded(
        column["trust"].astype(np.float64),
        column["verified"].astype(bool),
        product.astype(np.int64),
        np.floor_divide(column["created_us"].astype(np.int64), MICROSECONDS),
        merged,
    )
    values = {"trust": trust.tolist()} | {k: v.tolist() for k, v in fields_of(merged).items()}
    keys = {name: column[name].tolist() for name in KEY}
    return [
        {**{k: keys[k][i] for k in KEY}, **{f: values[f][i] for f in values}}
        for i in range(len(order))
    ]


def _books_udf(output: dt.Struct) -> Any:
    """The Python UDF running `influence_of_books` on one batch's collected columns."""
    rows = dt.Array(
        dt.Struct({"_source": dt.int64, "_line": dt.int64, "trust": dt.float64, **output.fields})
    )

    def influence_of_batch(  # one list per collected column
        _source: list[int],
        _line: list[int],
        product: list[str],
        created_us: list[int],
        verified: list[bool],
        trust: list[float],
    ) -> list[dict[str, Any]]:
        given: tuple[list[Any], ...] = (_source, _line, product, created_us, verified, trust)
        return influence_of_books(dict(zip(BOOK_COLUMNS, given, strict=True)))

    kinds = {"product": dt.string, "verified": dt.boolean, "trust": dt.float64}
    inputs = tuple(dt.Array(kinds.get(name, dt.int64)) for name in BOOK_COLUMNS)
    return ibis.udf.scalar.python(influence_of_batch, signature=(inputs, rows))


def influence_rows(table: ir.Table, count: int) -> ir.Table:
    """``_source, _line``, final ``trust`` and bounded influence's columns of every review
    of ``table`` (``BOOK_COLUMNS``, ``count`` rows), in batches of whole books."""
    batches = max(1, -(-count // ROWS_PER_BATCH))
    product = table.product.cast("string")
    table = table.mutate(
        product=product,
        _batch=(product.hash() % batches).abs(),
        **{name: int64(table[name]) for name in (*KEY, "created_us")},
    )
    grouped = table.group_by("_batch").aggregate(
        **{name: table[name].collect() for name in BOOK_COLUMNS}
    )
    run = _books_udf(influence_type())
    rows = grouped.select(_rows=run(*(grouped[name] for name in BOOK_COLUMNS)))
    return rows.unnest("_rows").unpack("_rows")


def trust_rows(signals_table: ir.Table, signals: Sequence[str], count: int) -> ir.Table:
    """``_source, _line, review_id, trust, reasons`` of every review, and its merged flag
    of each reason and note (`counted_flags`), from ``signals_table``: ``_source, _line,
    review_id, product, created_us, verified`` and the `fields_of` columns of ``signals``
    (in `analyse`'s order), ``count`` rows."""
    scored = with_review_trust(signals_table, signals)
    bounded_rows = influence_rows(scored.select(*BOOK_COLUMNS), count)
    joined = signals_table.join(bounded_rows, list(KEY))
    names = signal_fields(joined.columns, [*signals, INFLUENCE], ["flag", "number"])
    names.append("verified")  # for the batch's length when no signal has a flag

    def run(batch: Mapping[str, list[Any]]) -> Mapping[str, Any]:
        return reasons_of_rows(signals, batch)

    output = dt.Struct({"reasons": dt.string})
    function = batch_udf(ibis.get_backend(joined).name, run, input_type(joined, names), output)
    flags = counted_flags(joined.columns, signals)
    return joined.select(
        *KEY,
        "review_id",
        "trust",
        reasons=function(struct_of(joined, names))["reasons"],
        **{FLAG + code: joined[column] for code, column in flags.items()},
    )


FLAG = "_flag__"  # `trust_rows`' column of a merged flag: FLAG + its code


def counted_flags(columns: Sequence[str], signals: Sequence[str]) -> dict[str, str]:
    """Per reason code and note the summary line counts, in `REASON_ORDER`: the column of
    its merged flag among ``columns`` (a later signal's, as in `merged_reasons`; bounded
    influence's last)."""
    merged: dict[str, str] = {}
    for signal in (*signals, INFLUENCE):
        for name in signal_fields(columns, [signal], ["flag"]):
            merged[name.split(SEPARATOR, 2)[2]] = name
    return {code: merged[code] for code in (*REASON_ORDER, TRUNCATED) if code in merged}


def reason_counts(trusted: ir.Table) -> tuple[Counter[str], int]:
    """How many reviews of ``trusted`` (`trust_rows`) have each reason, in the order a
    pass over the reviews in input order meets them (as `trust_table` counts), and how
    many texts were truncated: one aggregate over the merged flags."""
    flags = [name for name in trusted.columns if name.startswith(FLAG)]
    position = int64(trusted._source) * 2**32 + int64(trusted._line)
    aggregates: dict[str, ir.Value] = {}
    for i, column in enumerate(flags):
        flag = trusted[column]
        aggregates[f"n{i}"] = flag.cast("int64").sum()
        aggregates[f"first{i}"] = ibis.ifelse(flag, position, ibis.null()).min()
    row = trusted.aggregate(**aggregates).to_pyarrow().to_pylist()[0] if flags else {}
    found = {
        column.removeprefix(FLAG): (int(row[f"n{i}"] or 0), int(row[f"first{i}"] or 0))
        for i, column in enumerate(flags)
    }
    order = sorted(
        (code for code in REASON_ORDER if found.get(code, (0, 0))[0]),
        key=lambda code: (found[code][1], REASON_ORDER.index(code)),
    )
    return Counter({code: found[code][0] for code in order}), found.get(TRUNCATED, (0, 0))[0]
