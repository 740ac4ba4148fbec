"""Stage D of trust on the engine (docs/score.md, "Trust on the engine"): the lockstep
groups (`candor.trust.lockstep`) on a candidate graph the engine has pruned.

The engine builds the graph's edges, one per (account, cell): a cell is a product, a
star and a 28-day period of one of two grids (`lockstep.cells`). It counts each cell's
accounts and leaves out every account none of whose cells another account has, but one
(the first): such an account and its cells are a component of their own whose cells all
have degree 1, so each is peeled in the same steps as any other and ends with the same
core number, outside every group (`lockstep.Outside`). Only the rest (the edges of the
accounts that share a cell with another) and three counts reach this process, which
runs `lockstep.accounts`, the function `lockstep` itself runs, on them. Accounts and
cells are numbered in the same order as on the whole corpus (an account by its first
review, a product by its first review, as `candor.pipeline.trust.reviews_table` numbers
them), so the peeling adds the same numbers in the same order: the same output, bit for
bit. Back on the engine go the signal's output for a review of each candidate account,
flagged and not (`lockstep.review_output`), joined on every review by its account and
cells; an account left out gets the first left-out account's.

Bound: what reaches one process is three integers and five per candidate edge, at most
two a review; on generated and Yelp corpora 92-95 % of the edges are candidates (an
honest corpus's accounts mostly share a cell with someone), so this moves the work off
the driver's review columns but does not shrink the graph much. Pruning further (cells
of one account, then accounts left with fewer than two cells) is not safe: every
account's core number is an input of the combiner, and a batch peeling's levels depend
on the whole graph.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from candor.pipeline.engines import int64
from candor.pipeline.expressions import MICROSECONDS_PER_DAY
from candor.pipeline.stages import field_types, fields_of
from candor.trust.lockstep import (
    NOBODY,
    PERIOD_DAYS,
    Graph,
    Outside,
    accounts,
    lockstep,
    review_output,
)
from candor.trust.table import Reviews

KEY = ("_source", "_line")
CELL = ("_product", "star", "_period", "_grid")
LINE_BITS = 40  # a review's position: its source << LINE_BITS | its line
ANONYMOUS = 1 << 62
"""Added to the position of a review without a reviewer: its own account, numbered after
every known one (`candor.pipeline.per_reviewer.reviewer_codes`)."""


def positions(reviews: ir.Table) -> ir.Table:
    """Per review: its key, account, product (each by its first review's position),
    star and day."""
    at = int64(reviews._source) * (1 << LINE_BITS) + int64(reviews._line)
    rows = reviews.select(*KEY, "product", "reviewer_id", "created_us", star=int64(reviews.star))
    rows = rows.mutate(_at=at)
    by_reviewer = (
        rows.filter(rows.reviewer_id.notnull())
        .group_by("reviewer_id")
        .aggregate(_first=rows._at.min())
    )
    by_product = rows.group_by("product").aggregate(_product=rows._at.min())
    joined = rows.left_join(by_reviewer, "reviewer_id").inner_join(by_product, "product")
    return joined.select(
        *KEY,
        "star",
        "_product",
        _account=joined._first.fill_null(joined._at + ANONYMOUS),
        _day=joined.created_us // MICROSECONDS_PER_DAY,
    )


def with_periods(rows: ir.Table, first_day: int) -> ir.Table:
    """``rows`` with the review's period in each grid (`lockstep.cells`)."""
    since = rows._day - first_day
    return rows.mutate(
        _period0=since // PERIOD_DAYS, _period1=(since + PERIOD_DAYS // 2) // PERIOD_DAYS
    )


def edges(rows: ir.Table) -> ir.Table:
    """One row per (account, cell) (`lockstep.Graph`)."""
    grids = [
        rows.select("_account", *CELL[:2], _period=rows[f"_period{grid}"], _grid=int64(grid))
        for grid in (0, 1)
    ]
    return ibis.union(*grids, distinct=True)


@dataclass(frozen=True)
class Candidates:
    """The candidate edges (`edges` columns, Arrow), the accounts left out and their
    edges (each to a cell of its own), and the first left-out account, kept (its key;
    None if no account is left out)."""

    edges: pa.Table
    left_out: int
    left_out_edges: int
    kept: int | None


def candidates(graph: ir.Table) -> Candidates:
    """The edges of the accounts that share a cell with another one, and of the first
    account that shares none."""
    degree = graph.group_by(list(CELL)).aggregate(_degree=graph.count())
    joined = graph.inner_join(degree, list(CELL))
    per_account = joined.group_by("_account").aggregate(
        _most=joined._degree.max(), _edges=joined.count()
    )
    per_account = per_account.cache()  # read by the two queries below
    alone = per_account.filter(per_account._most == 1)
    counts = alone.aggregate(
        n=alone.count(), edges=int64(alone._edges.sum()), first=alone._account.min()
    ).to_pyarrow()
    n, total, first = (counts[name][0].as_py() for name in ("n", "edges", "first"))
    wanted = per_account._most > 1
    if first is not None:
        wanted |= per_account._account == first
    table = graph.semi_join(per_account.filter(wanted), "_account").to_pyarrow()
    if first is None:
        return Candidates(table, 0, 0, None)
    own = int(np.count_nonzero(table["_account"].to_numpy() == first))
    return Candidates(table, int(n) - 1, int(total) - own, int(first))


@dataclass(frozen=True)
class Found:
    """What the process sends back: the signal's fields for a review of each candidate
    account (``unflagged``, keyed by ``_account``) and for a review in one of its
    lockstep cells (``flagged``, keyed by ``_account`` and the cell), and the fields
    of a review by a left-out account."""

    unflagged: pa.Table
    flagged: pa.Table
    left_out: Mapping[str, Any]


def _arrays(table: pa.Table) -> dict[str, np.ndarray]:
    return {name: table[name].to_numpy() for name in table.column_names}


def found(candidates: Candidates) -> Found:
    """`lockstep.accounts` on the candidate graph, numbered as on the whole corpus."""
    edge = _arrays(candidates.edges)
    account_key, user = np.unique(edge["_account"], return_inverse=True)
    product_key, product = np.unique(edge["_product"], return_inverse=True)
    n_periods = int(edge["_period"].max()) + 1 if len(user) else 1
    key = ((product * 6 + edge["star"]) * n_periods + edge["_period"]) * 2 + edge["_grid"]
    cell_key, cell = np.unique(key, return_inverse=True)
    cell_product = cell_key // 2 // n_periods // 6
    graph = Graph.of(user.ravel(), cell.ravel(), cell_product, len(account_key))
    outside = NOBODY
    if candidates.kept is not None:
        row = int(np.searchsorted(account_key, candidates.kept))
        column = int(graph.cell[np.searchsorted(graph.user, row)])
        outside = Outside(candidates.left_out, candidates.left_out_edges, row, column)
    result = accounts(graph, outside)
    everyone = np.arange(len(account_key))
    unflagged = _fields(review_output(result, everyone, np.zeros(len(everyone), bool)))
    unflagged["_account"] = account_key
    lock = np.unique(result.lock_user * len(cell_key) + result.lock_cell)
    lock_user, lock_cell = lock // len(cell_key), lock % len(cell_key)
    flagged = _fields(review_output(result, lock_user, np.ones(len(lock), bool)))
    cell_of = cell_key[lock_cell]
    flagged |= {
        "_account": account_key[lock_user],
        "_product": product_key[cell_of // 2 // n_periods // 6],
        "star": cell_of // 2 // n_periods % 6,
        "_period": cell_of // 2 % n_periods,
        "_grid": cell_of % 2,
    }
    left_out = {}
    if candidates.kept is not None:
        left_out = {name: values[row].item() for name, values in unflagged.items()}
    return Found(pa.table(unflagged), pa.table(flagged), left_out)


def _fields(output: Any) -> dict[str, np.ndarray]:
    return dict(fields_of(output))


def _without_right(joined: ir.Table) -> ir.Table:
    """An outer join's result without the right table's copies of the keys."""
    return joined.drop(*(name for name in joined.columns if name.endswith("_right")))


def lockstep_rows(reviews: ir.Table) -> ir.Table:
    """``_source, _line`` and the `fields_of` columns of `lockstep` for every review: the
    candidate graph pruned on the engine, the groups found in this process, joined back
    on the engine."""
    # cached: the queries below (the first day, the candidates, the rows) read it again
    rows = positions(reviews).cache()
    types = field_types(fields_of(lockstep(Reviews.of_texts([""]))))
    names = list(types.names)
    first_day = rows._day.min().to_pyarrow().as_py()
    if first_day is None:  # no reviews
        return reviews.select(*KEY, **{name: ibis.null(types[name]) for name in names})
    rows = with_periods(rows, int(first_day))
    result = found(candidates(edges(rows).cache()))
    unflagged = ibis.memtable(result.unflagged).rename(
        {f"_u{i}": name for i, name in enumerate(names)}
    )
    joined = _without_right(rows.left_join(unflagged, "_account"))
    every_flagged = ibis.memtable(result.flagged)
    for grid in (0, 1):
        flagged = every_flagged.filter(every_flagged._grid == grid).drop("_grid")
        flagged = flagged.rename({f"_g{grid}_{i}": name for i, name in enumerate(names)})
        on = ["_account", "_product", "star", joined[f"_period{grid}"] == flagged._period]
        joined = _without_right(joined.left_join(flagged, on)).drop("_period")
    picked = {
        name: ibis.coalesce(
            joined[f"_g0_{i}"],
            joined[f"_g1_{i}"],
            joined[f"_u{i}"],
            ibis.literal(result.left_out.get(name), types[name]),
        )
        for i, name in enumerate(names)
    }
    return joined.select(*KEY, **picked)
