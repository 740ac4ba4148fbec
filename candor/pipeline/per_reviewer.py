"""Stage C of trust on the engine (docs/score.md, "Trust on the engine"): the signals of
accounts, run on the engine.

Both read the scoring time ``now``: the corpus's newest review (one number, with the
review count, from one aggregate, `Corpus`), as `candor.trust.score.analyse` takes it
when it runs them on the whole corpus.

- ``new_accounts`` (`candor.trust.live.new_account_signal`) is per review given
  ``now``: a batch UDF over the rows where they are (`new_account_columns`). The
  pipeline's rows carry no account creation time, so its factor is 1 everywhere, as the
  signal gives without one.
- ``behaviour`` (`candor.trust.behaviour`) in three steps, each calling the signal's
  own functions: which reviews are their account's only one (a count per reviewer, on
  the engine; a review without a reviewer is its own account, as `reviewer_codes` makes
  it); then each product's context (`behaviour.product_context`) in batches of whole
  products, joined on the review; then `behaviour.account_behaviour` in batches of whole
  accounts. A batch's rows are put in input order (file, line) first, so every sum
  adds the same numbers in the same order as on the whole corpus, and nothing depends
  on how products or accounts are numbered, so the output is the same bit for bit.

A batch's columns reach the signal as numpy arrays either way; the UDF around it is
the one engine-specific part (`batch_rows`: Arrow in and out on DuckDB, Python lists
and rows on Spark).
"""

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from candor.pipeline.engines import batch_udf, int64
from candor.pipeline.expressions import MICROSECONDS
from candor.pipeline.stages import field_types, fields_of
from candor.trust.behaviour import (
    ProductContext,
    account_behaviour,
    behaviour,
    product_context,
)
from candor.trust.live import new_account_signal
from candor.trust.table import Reviews

ROWS_PER_BATCH = 200_000  # reviews per batch of whole groups (a larger group is one)
KEY = ("_source", "_line")
CONTEXT = "_context__"  # prefix of a product-context column on the way to the accounts


def first_seen_codes(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Dense codes 0..k-1 in order of first appearance (input order: engine-independent)."""
    whole = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    encoded = pc.dictionary_encode(whole)
    return np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def reviewer_codes(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Reviewer codes; a review without a reviewer is its own unknown account (grouping
    every anonymous review into one account would invent a prolific reviewer)."""
    known = pc.is_valid(column).to_numpy(zero_copy_only=False)
    codes = first_seen_codes(pc.fill_null(column, ""))
    if known.all():
        return codes
    base = int(codes[known].max()) + 1 if known.any() else 0
    codes = codes.copy()
    codes[~known] = base + np.arange(int((~known).sum()))
    return codes


@dataclass(frozen=True)
class Corpus:
    """What the account signals need of the whole corpus: its size (for the number of
    batches) and ``now``, its newest review's time in seconds (0 when empty)."""

    rows: int
    now: int

    @classmethod
    def of(cls, reviews: ir.Table) -> "Corpus":
        found = reviews.aggregate(rows=reviews.count(), newest=reviews.created_us.max())
        row = found.to_pyarrow().to_pylist()[0]
        newest = row["newest"]
        return cls(int(row["rows"]), 0 if newest is None else int(newest) // MICROSECONDS)

    @property
    def batches(self) -> int:
        return max(1, -(-self.rows // ROWS_PER_BATCH))


def _reviews(
    created_us: Sequence[int] | np.ndarray, reviewer: np.ndarray | None = None, **given: np.ndarray
) -> Reviews:
    """A `Reviews` of a batch's rows: its times, and what else ``given`` has (``product``,
    ``rating``, ``verified`` codes or values); the rest are placeholders that the
    function called on it does not read."""
    n = len(created_us)
    return Reviews(
        review_id=[""] * n,
        product=given.get("product", np.zeros(n, np.int64)),
        reviewer=np.arange(n, dtype=np.int64) if reviewer is None else reviewer,
        rating=given.get("rating", np.ones(n, np.int64)),
        time=np.floor_divide(np.asarray(created_us, np.int64), MICROSECONDS),
        verified=given.get("verified", np.zeros(n, bool)),
        helpful=np.zeros(n, np.int64),
    )


# --- new accounts ----------------------------------------------------------------------


def new_account_fields(now: int, batch: Mapping[str, list[Any]]) -> dict[str, np.ndarray]:
    """`new_account_signal` at ``now`` on a batch of reviews, as `fields_of` columns."""
    return fields_of(new_account_signal(_reviews(batch["created_us"]), float(now)))


NEW_ACCOUNT_INPUT = dt.Struct({"created_us": dt.int64})


def new_account_columns(reviews: ir.Table, corpus: Corpus) -> dict[str, ir.Value]:
    """The new_accounts signal of each row of ``reviews``, computed on its engine: one
    named column per `fields_of` field."""
    output = field_types(new_account_fields(0, {"created_us": [0]}))

    def run(batch: Mapping[str, list[Any]]) -> Mapping[str, np.ndarray]:
        return new_account_fields(corpus.now, batch)

    function = batch_udf(ibis.get_backend(reviews).name, run, NEW_ACCOUNT_INPUT, output)
    signal = function(ibis.struct({"created_us": int64(reviews.created_us)}))
    return {field: signal[field] for field in output.names}


# --- batches of whole groups -----------------------------------------------------------

Rows = list[dict[str, Any]]
GroupFunction = Callable[[dict[str, np.ndarray]], Mapping[str, np.ndarray]]
"""A batch's columns, in input order, to one array per output field, one value a row."""


def in_input_order(columns: Mapping[str, Sequence[Any]]) -> dict[str, np.ndarray]:
    """A batch's collected columns (rows in no set order) sorted by ``_source, _line``."""
    order = np.lexsort((np.asarray(columns["_line"]), np.asarray(columns["_source"])))
    return {name: np.asarray(values)[order] for name, values in columns.items()}


def as_rows(column: Mapping[str, np.ndarray], fields: Mapping[str, np.ndarray]) -> Rows:
    """``{_source, _line, field: value}`` per row, for `unnest`."""
    values = {name: column[name].tolist() for name in KEY} | {
        name: np.asarray(array).tolist() for name, array in fields.items()
    }
    names = list(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*values.values(), strict=True)]


def _named(call: Callable[..., Any], names: Sequence[str]) -> None:
    """Name ``call``'s arguments after the columns (Ibis reads a UDF's signature)."""
    parameter = inspect.Parameter.POSITIONAL_OR_KEYWORD
    call.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, parameter) for name in names]
    )


def _python_udf(names: Sequence[str], run: GroupFunction, signature: Any) -> Any:
    """Spark's flavour: a Python UDF given one batch's columns as lists, giving rows."""

    def call(*arrays: list[Any]) -> Rows:
        column = in_input_order(dict(zip(names, arrays, strict=True)))
        return as_rows(column, run(column))

    _named(call, names)
    return ibis.udf.scalar.python(call, signature=signature)


def _arrow_udf(names: Sequence[str], run: GroupFunction, signature: Any) -> Any:
    """DuckDB's flavour: a pyarrow UDF given batches' columns as Arrow lists, giving Arrow
    lists of rows (no Python object per value: the python flavour's conversions cost
    more than the signals)."""
    rows_type = signature[1].to_pyarrow()

    def call(*arrays: pa.ChunkedArray) -> pa.Array:
        lists = [array.combine_chunks() for array in arrays]
        found, offsets = [], [0]
        for i in range(len(lists[0])):  # one batch a row
            given = {
                n: lists[j][i].values.to_numpy(zero_copy_only=False) for j, n in enumerate(names)
            }
            column = in_input_order(given)
            fields = {name: column[name] for name in KEY} | dict(run(column))
            struct = [pa.array(fields[f.name], f.type) for f in rows_type.value_type]
            found.append(pa.StructArray.from_arrays(struct, fields=list(rows_type.value_type)))
            offsets.append(offsets[-1] + len(column["_line"]))
        values = pa.concat_arrays(found) if found else pa.array([], rows_type.value_type)
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=rows_type)

    _named(call, names)
    return ibis.udf.scalar.pyarrow(call, signature=signature)


def batch_rows(
    table: ir.Table,
    group: ir.Value,
    inputs: Mapping[str, dt.DataType],
    run: GroupFunction,
    output: dt.Struct,
    batches: int,
) -> ir.Table:
    """``run`` on ``table`` in ``batches`` batches of whole groups (rows with the same
    ``group`` share a batch; a hash of it picks the batch): each batch's ``inputs``
    columns are collected, put in input order (`in_input_order`) and given to ``run``,
    whose output comes back as rows (``_source``, ``_line`` and ``output``'s fields)."""
    names = list(inputs)
    batched = table.mutate(_batch=(group.hash() % batches).abs())
    grouped = batched.group_by("_batch").aggregate(
        **{name: batched[name].collect() for name in names}
    )
    rows = dt.Array(dt.Struct({"_source": dt.int64, "_line": dt.int64, **output.fields}))
    signature = (tuple(dt.Array(inputs[name]) for name in names), rows)
    flavour = _arrow_udf if ibis.get_backend(table).name == "duckdb" else _python_udf
    function = flavour(names, run, signature)
    found = grouped.select(_rows=function(*(grouped[name] for name in names)))
    return found.unnest("_rows").unpack("_rows")


# --- behaviour -------------------------------------------------------------------------


def context_of_products(single: np.ndarray, column: Mapping[str, np.ndarray]) -> ProductContext:
    """`product_context` of a batch of whole products (``column``: in input order)."""
    _, product = np.unique(column["product"].astype(str), return_inverse=True)
    reviews = _reviews(
        column["created_us"],
        product=product.astype(np.int64),
        rating=column["star"].astype(np.int64),
    )
    return product_context(reviews, single)


def context_fields(context: ProductContext) -> dict[str, np.ndarray]:
    return {**context.features, "has_others": context.has_others}


def _context_type() -> dt.Struct:
    """The product-context columns (`context_fields`), read off one run."""
    one = {"product": np.array(["p"]), "created_us": np.zeros(1), "star": np.ones(1)}
    fields = context_fields(context_of_products(np.ones(1, bool), one))
    return dt.Struct({name: dt.boolean if name == "has_others" else dt.float64 for name in fields})


PRODUCT_INPUTS = {
    "_source": dt.int64,
    "_line": dt.int64,
    "product": dt.string,
    "star": dt.int64,
    "created_us": dt.int64,
    "single": dt.boolean,
}


def product_rows(reviews: ir.Table, corpus: Corpus) -> ir.Table:
    """``_source, _line`` and each review's product context (`context_fields`), computed
    on the engine in batches of whole products."""
    reviewer = reviews.reviewer_id
    # `behaviour.single_review_accounts`, with `reviewer_codes`' anonymous accounts
    single = reviewer.isnull() | (reviewer.count().over(group_by=reviewer) == 1)
    table = reviews.mutate(
        product=reviews.product.cast("string"),
        single=single,
        **{name: int64(reviews[name]) for name in ("_source", "_line", "star", "created_us")},
    )

    def run(column: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return context_fields(context_of_products(column["single"].astype(bool), column))

    output = _context_type()
    return batch_rows(table, table.product, PRODUCT_INPUTS, run, output, corpus.batches)


def behaviour_of_accounts(now: int, column: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """`account_behaviour` of a batch of whole accounts (``column``: in input order, with
    each review's `product_rows` columns, prefixed `CONTEXT`), as `fields_of` columns."""
    reviewer = column["reviewer"].astype(object)
    reviewer[column["anonymous"].astype(bool)] = None
    features = {
        name.removeprefix(CONTEXT): column[name].astype(np.float64)
        for name in column
        if name.startswith(CONTEXT) and name != CONTEXT + "has_others"
    }
    context = ProductContext(features, column[CONTEXT + "has_others"].astype(bool))
    reviews = _reviews(
        column["created_us"],
        reviewer=reviewer_codes(pa.array(reviewer.tolist(), pa.string())),
        rating=column["star"].astype(np.int64),
        verified=column["verified"].astype(bool),
    )
    return fields_of(account_behaviour(reviews, context, now))


def behaviour_rows(reviews: ir.Table, corpus: Corpus) -> ir.Table:
    """``_source, _line`` and the `fields_of` columns of `behaviour`, computed on the
    engine: `product_rows` joined on the review, then in batches of whole accounts."""
    context = product_rows(reviews, corpus)
    context_names = [name for name in context.columns if name not in KEY]
    table = reviews.select(
        *(int64(reviews[name]).name(name) for name in ("_source", "_line", "star", "created_us")),
        reviewer=reviews.reviewer_id.fill_null(""),
        anonymous=reviews.reviewer_id.isnull(),
        verified=reviews.verified.fill_null(False),
    )
    table = table.join(context.rename({CONTEXT + n: n for n in context_names}), list(KEY))
    # an anonymous review is its own account: batched by its line, not with the others
    group = ibis.ifelse(table.anonymous, table._line.cast("string"), table.reviewer)
    context_types = _context_type()
    inputs = {
        "_source": dt.int64,
        "_line": dt.int64,
        "reviewer": dt.string,
        "anonymous": dt.boolean,
        "star": dt.int64,
        "created_us": dt.int64,
        "verified": dt.boolean,
        **{CONTEXT + name: context_types[name] for name in context_types.names},
    }

    def run(column: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return behaviour_of_accounts(corpus.now, column)

    output = behaviour_type()
    return batch_rows(table, group, inputs, run, output, corpus.batches)


def behaviour_type() -> dt.Struct:
    """The `fields_of` columns of `behaviour`, read off one run of it."""
    return field_types(fields_of(behaviour(_reviews([0]))))
