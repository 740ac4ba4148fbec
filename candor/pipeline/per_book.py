"""Stage B of trust on the engine (docs/score.md, "Trust on the engine"): a signal that
tests each book on its own reviews, run on the engine in batches of whole books.

Here the long-window change (`candor.trust.changepoint.long_change`) and what every
per-book signal shares (`book_batches`, `on_batches`, `cached`); off-topic text and
bursts, whose context takes more passes, are `candor.pipeline.per_book_relevance` and
`candor.pipeline.per_book_bursts`. What the change test of one book needs from the rest
of the corpus (`changepoint.Context`) is the corpus's star counts (five numbers,
counted on the engine and collected). Then the reviews are grouped into batches of
whole books (by a hash of the book, so a book is never split), each batch's columns are
collected into arrays, and a Python UDF calls `long_change` on them with that context;
its per-review output comes back as rows (`unnest`) keyed by ``_source, _line``. A
book's output depends only on its own reviews and the context, so which books share a
batch changes nothing.
"""

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np

from candor.pipeline.engines import int64
from candor.pipeline.expressions import MICROSECONDS
from candor.pipeline.per_reviewer import as_rows
from candor.pipeline.stages import field_types, fields_of
from candor.trust.changepoint import STARS, Context, long_change, star_shares
from candor.trust.table import Reviews

ROWS_PER_BATCH = 200_000  # reviews per batch of books (a book larger than this is one)
KEY = ("_source", "_line")
Rows = list[dict[str, Any]]


def corpus_star_share(reviews: ir.Table) -> np.ndarray:
    """`star_shares` of the corpus, from its star counts (counted on the engine)."""
    counts = reviews.group_by("star").aggregate(n=reviews.count()).to_pyarrow()
    per_star = np.zeros(STARS + 1, dtype=np.int64)
    per_star[np.asarray(counts["star"].to_pylist())] = counts["n"].to_pylist()
    return star_shares(per_star[1:])


def books_reviews(columns: Mapping[str, Sequence[Any]]) -> tuple[Reviews, dict[str, np.ndarray]]:
    """The reviews of a batch of books (``columns``: lists of `INPUT_TYPES` columns, rows
    in no set order) in input order, and the columns in that order. The `Reviews` holds
    what per-book signals read: books, and stars, times and texts where collected (else
    ones, zeros and none); its reviewer, verified and helpful are placeholders."""
    order = np.lexsort((np.asarray(columns["_line"]), np.asarray(columns["_source"])))
    column = {
        name: np.asarray(values, dtype=object if name == "text" else None)[order]
        for name, values in columns.items()
    }
    _, product = np.unique(column["product"].astype(str), return_inverse=True)
    n = len(order)
    created = column.get("created_us")
    reviews = Reviews(
        review_id=[""] * n,
        product=product.astype(np.int64),
        reviewer=np.arange(n, dtype=np.int64),
        rating=column["star"].astype(np.int64) if "star" in column else np.ones(n, np.int64),
        time=np.zeros(n, np.int64)
        if created is None
        else np.floor_divide(created.astype(np.int64), MICROSECONDS),
        verified=np.zeros(n, bool),
        helpful=np.zeros(n, np.int64),
        text=[text or "" for text in column["text"].tolist()] if "text" in column else None,
    )
    return reviews, column


def change_of_books(star_share: np.ndarray, columns: Mapping[str, Sequence[Any]]) -> Rows:
    """`long_change` on a batch of whole books (``columns``: one list per column, rows in
    no set order); its output per review as ``{_source, _line, field: value}`` rows."""
    reviews, column = books_reviews(columns)
    return as_rows(column, fields_of(long_change(reviews, context=Context(star_share=star_share))))


BATCH_COLUMNS = (*KEY, "product", "star", "created_us")
INPUT_TYPES: dict[str, dt.DataType] = {
    "_source": dt.int64,
    "_line": dt.int64,
    "product": dt.string,
    "star": dt.int64,
    "created_us": dt.int64,
    "text": dt.string,
}
"""The columns a batch of books can collect, as the UDFs see them (`book_batches`)."""


def change_type() -> dt.Struct:
    """The `fields_of` columns of `long_change`, read off one run of it."""
    one = Reviews.of_texts([""])
    fields = fields_of(long_change(one))
    return field_types(fields)


def book_batches(reviews: ir.Table, names: Sequence[str]) -> ir.Table:
    """One row per batch of whole books, with the columns ``names`` of `INPUT_TYPES`
    collected into one list each (``text``: the review's `review_text`, "" for none)."""
    count = int(reviews.count().to_pyarrow().as_py())
    batches = max(1, -(-count // ROWS_PER_BATCH))
    product = reviews.product.cast("string")
    columns: dict[str, ir.Value] = {"product": product}
    for name in names:
        if name == "text":
            columns[name] = review_text(reviews.title, reviews.text)
        elif name != "product":
            columns[name] = int64(reviews[name])
    table = reviews.mutate(_batch=(product.hash() % batches).abs(), **columns)
    return table.group_by("_batch").aggregate(**{name: table[name].collect() for name in names})


def review_text(title: ir.StringValue, text: ir.StringValue) -> ir.StringValue:
    """`candor.trust.score.review_text` on the engine: the title, a newline and the text,
    or the text alone when there is no title (each "" when null)."""
    title, text = title.fill_null(""), text.fill_null("")
    joined: ir.StringValue = (title == "").ifelse(text, title + "\n" + text)
    return joined


def on_batches(
    grouped: ir.Table,
    function: Callable[[dict[str, list[Any]]], Rows],
    names: Sequence[str],
    output: dt.Struct,
) -> ir.Table:
    """``function`` (one list per column ``names`` of a batch of books -> rows of
    ``output``) run in a Python UDF on each row of ``grouped`` (`book_batches`), its rows
    unnested: one table row per row it returned."""

    def batch(*given: list[Any]) -> Rows:
        return function(dict(zip(names, given, strict=True)))

    # the UDF's argument names are read off the function's signature
    parameter = inspect.Parameter.POSITIONAL_OR_KEYWORD
    batch.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, parameter) for name in names]
    )
    batch.__name__ = batch.__qualname__ = getattr(function, "__name__", "batch")
    inputs = tuple(dt.Array(INPUT_TYPES[name]) for name in names)
    run = ibis.udf.scalar.python(batch, signature=(inputs, dt.Array(output)))
    rows = grouped.select(_rows=run(*(grouped[name] for name in names)))
    return rows.unnest("_rows").unpack("_rows")


def cached(table: ir.Table) -> ir.Table:
    """``table`` computed once for the several queries that read it (Ibis's ``cache``,
    released on leaving a ``with`` block); its Python UDFs registered first, which Ibis
    12 does not do for a cached table on Spark (the query then fails with
    ``UNRESOLVED_ROUTINE``)."""
    ibis.get_backend(table)._run_pre_execute_hooks(table)
    return table.cache()


def change_rows(reviews: ir.Table) -> ir.Table:
    """``_source, _line`` and the `change_type` columns of every review, computed on the
    engine in batches of whole books."""
    output = change_type()
    star_share = corpus_star_share(reviews)
    keyed = dt.Struct({"_source": dt.int64, "_line": dt.int64, **output.fields})

    def change_of_batch(columns: dict[str, list[Any]]) -> Rows:
        return change_of_books(star_share, columns)

    grouped = book_batches(reviews, BATCH_COLUMNS)
    return on_batches(grouped, change_of_batch, BATCH_COLUMNS, keyed)
