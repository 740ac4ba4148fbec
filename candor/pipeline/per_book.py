"""Stage B of trust on the engine (docs/score.md, "Trust on the engine"): a signal that
tests each book on its own reviews, run on the engine in batches of whole books.

So far the long-window change (`candor.trust.changepoint.long_change`). What its test of
one book needs from the rest of the corpus (`changepoint.Context`) is computed on the
engine first: per review, its account's first review time and number of reviews and
how many of the account's other reviews are on popular books and disagree there
(window sums over the account; whether one review is popular and disagrees is
`changepoint.popular_and_disagreeing`, run as a batch UDF over the product's count and
sum of stars), and the corpus's star counts (five numbers, the one thing collected).
Then the reviews are grouped into batches of whole books (by a hash of the book, so a
book is never split), each batch's columns are collected into arrays, and a Python UDF
calls `long_change` on them with that context; its per-review output comes back as
rows (`unnest`) keyed by ``_source, _line``. A book's output depends only on its own
reviews and the context, so which books share a batch changes nothing.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np

from candor.pipeline.engines import batch_udf, int64
from candor.pipeline.stages import field_types, fields_of
from candor.trust.changepoint import (
    STARS,
    Context,
    long_change,
    popular_and_disagreeing,
    star_shares,
)
from candor.trust.table import Reviews

MICROSECONDS = 1_000_000
ROWS_PER_BATCH = 200_000  # reviews per batch of books (a book larger than this is one)
KEY = ("_source", "_line")
CONTEXT = ("first_us", "written", "popular_others", "disagreeing")
AGREEMENT = dt.Struct({"popular": dt.boolean, "disagrees": dt.boolean})
AGREEMENT_INPUT = dt.Struct({"star": dt.int64, "count": dt.int64, "total": dt.float64})


def _agreement(batch: Mapping[str, list[Any]]) -> dict[str, np.ndarray]:
    popular, disagrees = popular_and_disagreeing(
        np.asarray(batch["star"], dtype=np.int64),
        np.asarray(batch["count"], dtype=np.int64),
        np.asarray(batch["total"], dtype=np.float64),
    )
    return {"popular": popular, "disagrees": disagrees}


def with_context(reviews: ir.Table) -> ir.Table:
    """``reviews`` with the `CONTEXT` columns; a review without a reviewer is its own
    account (as `candor.pipeline.trust` codes it)."""
    by_product = ibis.window(group_by="product")
    by_account = ibis.window(group_by="reviewer_id")
    alone = reviews.reviewer_id.isnull()
    counted = reviews.mutate(
        _count=reviews.product.count().over(by_product).cast("int64"),
        # a sum of stars in doubles is exact (integers far below 2**53), as in numpy
        _total=reviews.star.cast("float64").sum().over(by_product),
    )
    agreement = batch_udf(ibis.get_backend(reviews).name, _agreement, AGREEMENT_INPUT, AGREEMENT)
    row = ibis.struct(
        {"star": counted.star.cast("int64"), "count": counted._count, "total": counted._total}
    )
    flagged = counted.mutate(_agree=agreement(row))
    popular = flagged._agree["popular"].cast("int64")
    disagrees = flagged._agree["disagrees"].cast("int64")
    return flagged.mutate(
        first_us=ibis.ifelse(alone, flagged.created_us, flagged.created_us.min().over(by_account)),
        written=ibis.ifelse(alone, 1, flagged.created_us.count().over(by_account)),
        popular_others=ibis.ifelse(alone, 0, popular.sum().over(by_account) - popular),
        disagreeing=ibis.ifelse(alone, 0, disagrees.sum().over(by_account) - disagrees),
    ).drop("_count", "_total", "_agree")


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
        reviewer=np.arange(n, dtype=np.int64),  # unused: the context says who is who
        rating=column["star"].astype(np.int64),
        time=np.floor_divide(column["created_us"].astype(np.int64), MICROSECONDS),
        verified=np.zeros(n, bool),
        helpful=np.zeros(n, np.int64),
    )
    context = Context(
        star_share=star_share,
        first_seen=np.floor_divide(column["first_us"].astype(np.int64), MICROSECONDS),
        written=column["written"].astype(np.int64),
        popular_others=column["popular_others"].astype(np.int64),
        disagreeing=column["disagreeing"].astype(np.int64),
    )
    fields = fields_of(long_change(reviews, context=context))
    keys = {name: column[name].tolist() for name in KEY}
    values = {name: array.tolist() for name, array in fields.items()}
    return [{**{k: keys[k][i] for k in KEY}, **{f: values[f][i] for f in values}} for i in range(n)]


BATCH_COLUMNS = (*KEY, "product", "star", "created_us", *CONTEXT)


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
        first_us: list[int],
        written: list[int],
        popular_others: list[int],
        disagreeing: list[int],
    ) -> list[dict[str, Any]]:
        given: tuple[list[Any], ...] = (_source, _line, product, star, created_us)
        context = (first_us, written, popular_others, disagreeing)
        columns = dict(zip(BATCH_COLUMNS, (*given, *context), strict=True))
        return change_of_books(star_share, columns)

    inputs = (
        dt.Array(dt.string) if name == "product" else dt.Array(dt.int64) for name in BATCH_COLUMNS
    )
    return ibis.udf.scalar.python(change_of_batch, signature=(tuple(inputs), rows))


def change_rows(reviews: ir.Table) -> ir.Table:
    """``_source, _line`` and the `change_type` columns of every review, computed on the
    engine in batches of whole books."""
    output = change_type()
    table = with_context(reviews)
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
