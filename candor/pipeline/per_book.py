"""Stage B of trust on the engine (docs/score.md, "Trust on the engine"): a signal that
tests each book on its own reviews, run on the engine in batches of whole books.

So far the long-window change (`candor.trust.changepoint.long_change`). What its test of
one book needs from the rest of the corpus (`changepoint.Context`) is the corpus's star
counts (five numbers, counted on the engine and collected). Then the reviews are
grouped into batches of whole books (by a hash of the book, so a book is never split),
each batch's columns are collected into arrays, and a Python UDF calls `long_change` on
them with that context; its per-review output comes back as rows (`unnest`) keyed by
``_source, _line``. A book's output depends only on its own reviews and the context, so
which books share a batch changes nothing.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np

from candor.pipeline.engines import int64
from candor.pipeline.expressions import MICROSECONDS
from candor.pipeline.stages import field_types, fields_of
from candor.trust.changepoint import STARS, Context, long_change, star_shares
from candor.trust.table import Reviews

ROWS_PER_BATCH = 200_000  # reviews per batch of books (a book larger than this is one)
KEY = ("_source", "_line")


def corpus_star_share(reviews: ir.Table) -> np.ndarray:
    """`star_shares` of the corpus, from its star counts (counted on the engine)."""
    counts = reviews.group_by("star").aggregate(n=reviews.count()).to_pyarrow()
    per_star = np.zeros(STARS + 1, dtype=np.int64)
    per_star[np.asarray(counts["star"].to_pylist())] = counts["n"].to_pylist()
    return star_shares(per_star[1:])


def change_of_books(
    star_share: np.ndarray, columns: Mapping[str, Sequence[Any]]
) -> list[dict[str, Any]]:
    """`long_change` on a batch of whole books (``columns``: one list per column, rows in
    no set order); its output per review as ``{_source, _line, field: value}`` rows."""
    order = np.lexsort((np.asarray(columns["_line"]), np.asarray(columns["_source"])))
    column = {name: np.asarray(values)[order] for name, values in columns.items()}
    _, product = np.unique(column["product"].astype(str), return_inverse=True)
    n = len(order)
    reviews = Reviews(
        review_id=[""] * n,
        product=product.astype(np.int64),
        reviewer=np.arange(n, dtype=np.int64),  # unused: the test looks at books only
        rating=column["star"].astype(np.int64),
        time=np.floor_divide(column["created_us"].astype(np.int64), MICROSECONDS),
        verified=np.zeros(n, bool),
        helpful=np.zeros(n, np.int64),
    )
    fields = fields_of(long_change(reviews, context=Context(star_share=star_share)))
    keys = {name: column[name].tolist() for name in KEY}
    values = {name: array.tolist() for name, array in fields.items()}
    return [{**{k: keys[k][i] for k in KEY}, **{f: values[f][i] for f in values}} for i in range(n)]


BATCH_COLUMNS = (*KEY, "product", "star", "created_us")


def change_type() -> dt.Struct:
    """The `fields_of` columns of `long_change`, read off one run of it."""
    one = Reviews.of_texts([""])
    fields = fields_of(long_change(one))
    return field_types(fields)


def _books_udf(star_share: np.ndarray, output: dt.Struct) -> Any:
    """The Python UDF running `change_of_books` on one batch's collected columns."""
    rows = dt.Array(dt.Struct({"_source": dt.int64, "_line": dt.int64, **output.fields}))

    def change_of_batch(  # one list per collected column
        _source: list[int],
        _line: list[int],
        product: list[str],
        star: list[int],
        created_us: list[int],
    ) -> list[dict[str, Any]]:
        given: tuple[list[Any], ...] = (_source, _line, product, star, created_us)
        columns = dict(zip(BATCH_COLUMNS, given, strict=True))
        return change_of_books(star_share, columns)

    inputs = (
        dt.Array(dt.string) if name == "product" else dt.Array(dt.int64) for name in BATCH_COLUMNS
    )
    return ibis.udf.scalar.python(change_of_batch, signature=(tuple(inputs), rows))


def change_rows(reviews: ir.Table) -> ir.Table:
    """``_source, _line`` and the `change_type` columns of every review, computed on the
    engine in batches of whole books."""
    output = change_type()
    table = reviews
    count = int(reviews.count().to_pyarrow().as_py())
    batches = max(1, -(-count // ROWS_PER_BATCH))
    table = table.mutate(
        product=table.product.cast("string"),
        _batch=(table.product.cast("string").hash() % batches).abs(),
        **{name: int64(table[name]) for name in BATCH_COLUMNS if name != "product"},
    )
    grouped = table.group_by("_batch").aggregate(
        **{name: table[name].collect() for name in BATCH_COLUMNS}
    )
    run = _books_udf(corpus_star_share(reviews), output)
    rows = grouped.select(_rows=run(*(grouped[name] for name in BATCH_COLUMNS)))
    return rows.unnest("_rows").unpack("_rows")
