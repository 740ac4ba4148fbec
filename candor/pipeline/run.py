"""`score_corpus`: INPUT in, DIR/products.jsonl, reviews.jsonl and rejects.jsonl out.

Steps: find and stage the input files (`sources`), connect the engine (`engines`),
build the Ibis expressions (`expressions`), list the bad rows (`bad_rows`: a pass the
engines skip when the files' statistics prove every row good), then three passes over
the valid reviews on the engine:

1. per product, the time its reviews' ages count back from (`expressions.references`;
   without --now also the newest review's time, which is then ``now``);
2. every review weighed, its product's reference joined on, and summed per product and
   star (`expressions.book_sums`); `sum_reviews` runs these two;
3. each review's weight, its product's numbers joined back on, streamed to
   reviews.jsonl (`expressions.review_rows`).

Between 2 and 3, Python turns the engine's sums into `candor.ratings.sums.BookSums`
(`book_sums`) and calls `candor.ratings.score.score` twice (`score_books`): with the
typical book's prior, whose star mixes (which do not depend on the prior) give the
catalogue prior (`Prior.from_books`), then with the catalogue prior; products.jsonl
is `candor.ratings.rating.results` of the scores: the same code as the web's.

``now`` is given (--now) or the time of the newest valid review. Dates after it count
as it (`candor.ratings.review.Reviews.no_later_than`; only with --now can a review be
newer); nothing else depends on it: a product's rating is a function of its reviews,
so the same input always gives the same output.
"""

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from candor.pipeline import expressions, output
from candor.pipeline.engines import Engine, connect
from candor.pipeline.sources import (
    InputError,
    Rejection,
    Source,
    StrictStop,
    find_files,
    prepare,
)
from candor.ratings import DEFAULT_CONFIG, Prior, RatingConfig
from candor.ratings.config import STARS
from candor.ratings.review import FloatArray, IntArray
from candor.ratings.score import Scores, score
from candor.ratings.sums import BookSums

PRODUCTS = "products.jsonl"
REVIEWS = "reviews.jsonl"
REJECTS = "rejects.jsonl"
SHOWN_REJECTS = 20  # rejected rows printed; all of them go to rejects.jsonl


class TrustSource(Protocol):
    """The seam for trust analysis (`candor.pipeline.trust.CorpusTrust` is the one
    `candor score` uses unless --no-trust).

    Called with the valid reviews (an Ibis table: _source, _line, review_id, product,
    reviewer_id, star (1..5, int8), created_us, verified, helpful, title, text); returns
    a table of ``review_id, trust, reasons`` (trust in [0, 1]; reasons a list of strings
    or a JSON text, written to reviews.jsonl as they are), optionally with ``_source,
    _line`` to join on the row rather than the review id, as an Ibis table or a pyarrow
    Table, or None for "trust 1 everywhere". Reviews it leaves out have trust 1, no
    reasons.
    """

    def __call__(self, reviews: ir.Table) -> "ir.Table | pa.Table | None": ...


@dataclass
class Options:
    input: Path
    out: Path | str  # a folder; with format "parquet" any the engine's writer accepts
    engine: str = "duckdb"
    master: str | None = None
    partitions: int | None = None  # Spark shuffle partitions (default: by corpus size)
    now: datetime | None = None
    strict: bool = False
    config: RatingConfig = DEFAULT_CONFIG
    threads: int | None = None
    trust: TrustSource | None = None
    progress: bool = False
    count_verified: bool = False  # the input's verified flags count (`expressions.normalize`)
    format: str = "jsonl"  # or "parquet" (`output.Destination`)


@dataclass
class Summary:
    files: int = 0
    rows: int = 0
    products: int = 0
    reviews: int = 0
    rejected: int = 0
    seconds: float = 0.0
    now: datetime | None = None
    timings: dict[str, float] = field(default_factory=dict)
    trust: str | None = None  # the trust source's own summary line, when it has one

    def text(self) -> str:
        now = self.now.isoformat() if self.now else "none (nothing to score)"
        line = (
            f"{self.rows:,} rows read from {self.files:,} file(s): {self.products:,} products, "
            f"{self.reviews:,} reviews scored, {self.rejected:,} rejected; now = {now}; "
            f"{self.seconds:.1f} s"
        )
        return line if self.trust is None else f"{line}\n{self.trust}"


class Rejects:
    """Collects bad rows; prints the first few (in strict mode, none: the first stops)."""

    def __init__(self, strict: bool, echo: Callable[[str], None]) -> None:
        self.strict = strict
        self.echo = echo
        self.found: list[Rejection] = []

    def __call__(self, rejection: Rejection) -> None:
        self.found.append(rejection)
        if not self.strict and len(self.found) <= SHOWN_REJECTS:
            self.echo(f"rejected: {rejection}")


def score_corpus(options: Options, echo: Callable[[str], None] | None = None) -> Summary:
    """Score INPUT into DIR. Raises InputError (bad input) or StrictStop (strict mode)."""
    say = echo or (lambda text: print(text, file=sys.stderr))
    started = time.perf_counter()
    summary = Summary()
    destination = output.Destination(str(options.out), options.format)
    if destination.local is None and options.format == "jsonl":
        raise InputError(f"--out {options.out}: a URI needs --format parquet")
    destination.clear()
    rejects = Rejects(options.strict, say)
    # Staged inputs go beside the output, where a cluster sees them; with a URI for
    # output, to this machine's temporary folder.
    staging_root = destination.local or Path(tempfile.gettempdir())
    staging = staging_root / f".candor-staging-{time.time_ns()}"
    progress = _Progress(options.progress)
    try:
        with progress:
            files = find_files(options.input)
            summary.files = len(files)
            step = progress.step("Reading input", None, "rows")
            sources = prepare(files, staging, rejects, step, texts=options.trust is not None)
            _score(options, destination, sources, rejects, progress, summary, say)
            report = getattr(options.trust, "report", None)
            if report is not None:
                summary.trust = report.text()
    except StrictStop as stop:
        output.write_rejects_here(destination, [stop.rejection])
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _score(
    options: Options,
    destination: output.Destination,
    sources: list[Source],
    rejects: Rejects,
    progress: "_Progress",
    summary: Summary,
    say: Callable[[str], None],
) -> None:
    config = options.config
    timer = _Timer(summary.timings)
    engine = connect(options.engine, options.master, options.threads)
    try:
        engine.set_partitions(sum(source.rows for source in sources), options.partitions)
        given_us = None if options.now is None else _microseconds(options.now)
        rows = corpus_rows(engine, sources, options.count_verified)
        with timer("check"):
            found = bad_rows(rows)
            _report_rejects(options, sources, rejects, found, summary, say)
            _write_rejects(engine, destination, rejects.found, sources)
        if options.trust is not None:
            progress.step("Analysing trust, then weighing reviews", None, "")
        else:
            progress.step("Weighing reviews", None, "")
        summed = sum_reviews(engine, sources, rows, config, options.trust, given_us, timer)
        if summed.now_us is None:  # no valid review
            _write_nothing(engine, destination)
            return
        summary.now = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=summed.now_us)
        with timer("score"):
            product_ids, sums = book_sums(summed)
            scores, prior = score_books(sums, config)
        summary.products = len(product_ids)
        tick = progress.step("Writing products", len(product_ids), "products")
        with timer("products"):
            if destination.format == "parquet":
                table = output.products_table(product_ids, scores, prior, config)
                engine.write_parquet(engine.from_arrow(table), destination.target("products"))
                tick(len(product_ids))
            else:
                workers = options.threads or os.cpu_count() or 1
                out = _local(destination) / PRODUCTS
                output.write_products(out, product_ids, scores, prior, config, tick, workers)
        total = int(sums.counts.sum())
        tick = progress.step("Writing reviews", total, "reviews")
        with timer("reviews"):
            lines = review_rows(engine, summed, scores, config)
            if destination.format == "parquet":
                table = output.review_table(engine, lines)
                engine.write_parquet(table, destination.target("reviews"))
                summary.reviews = total  # every valid review has its row
                tick(total)
            else:
                batches = engine.arrow_batches(lines, 500_000)
                out = _local(destination) / REVIEWS
                summary.reviews = output.write_reviews(out, batches, tick)
    finally:
        engine.close()


def corpus_rows(engine: Engine, sources: list[Source], count_verified: bool = False) -> ir.Table:
    """Every row of every source, normalized and checked (`expressions.normalize`)."""
    integer_products = expressions.product_is_integer(engine, sources)
    return expressions.union(
        [
            expressions.normalize(engine, source, integer_products, count_verified)
            for source in sources
        ]
    )


def bad_rows(rows: ir.Table) -> pa.Table:
    """``_source, _line, reason`` of every row that is not valid: a pass over the rows
    that checks them, which the engines skip when the files' statistics prove every
    check (`expressions.normalize` then makes ``valid`` a constant)."""
    found: pa.Table = expressions.rejects(rows).to_pyarrow()
    return found


@dataclass
class Summed:
    """The two passes over the valid reviews (`sum_reviews`)."""

    rows: ir.Table  # every row, normalized, trust joined (`expressions.with_trust`)
    books: pa.Table  # `expressions.references` of the products, in the order of their ids
    cells: pa.Table  # `expressions.book_sums`: per product and star
    names: tuple[str, ...]  # the sums made (`expressions.summed`)
    unit: float  # `expressions.sum_unit`: what one in the sums is worth
    now_us: int | None  # --now, or the newest valid review's time (None: no valid review)


def sum_reviews(
    engine: Engine,
    sources: list[Source],
    rows: ir.Table,
    config: RatingConfig,
    trust_source: TrustSource | None,
    given_us: int | None,
    timer: "_Timer | None" = None,
) -> Summed:
    """The two passes over the valid reviews of ``rows`` (`corpus_rows`): each product's
    reference time, then every review weighed and summed per product and star. Dates
    after ``given_us`` (--now) count as it. With a ``trust_source``, trust analysis
    runs first."""
    timer = timer or _Timer({})
    rows = expressions.with_trust(rows, _trust_table(engine, trust_source, rows))
    with timer("references"):
        found = expressions.references(rows, given_us).to_pyarrow()
        books = found.take(pc.sort_indices(found, [("product", "ascending")]))
    names = expressions.summed("trust" in rows.columns)
    # What the engine reads: every row of every source (bad ones too).
    unit = expressions.sum_unit(sum(source.rows for source in sources), config)
    if books.num_rows == 0:
        return Summed(rows, books, pa.table({}), names, unit, None)
    now_us = given_us
    if now_us is None:
        newest = books["newest" if "newest" in books.column_names else "reference"]
        now_us = int(pc.max(newest).as_py())
    with timer("sums"):
        references = engine.from_arrow(books.select(["product", "reference"]))
        weights = expressions.weighed(rows, references, config)
        cells = expressions.book_sums(engine, weights, names, unit).to_pyarrow()
    return Summed(rows, books, cells, names, unit, now_us)


def book_sums(summed: Summed) -> tuple[list[str], BookSums]:
    """Product ids and their `BookSums` from the engine's sums per product and star.

    Products come in the order of their ids: numeric when every input file holds them
    as integers, else as text (byte order). A sum the engine did not make is the one it
    equals (`expressions.summed`); a product's own sums add up its five stars' (exact
    integers); sums are in units of ``summed.unit`` (a power of two: exact).
    """
    books, good, unit = summed.books, summed.cells, summed.unit
    count = books.num_rows
    keys = books["product"].combine_chunks() if count else pa.array([], pa.string())
    if count:
        code = pc.index_in(good["product"], value_set=keys).to_numpy(zero_copy_only=False)
        star = good["star"].to_numpy().astype(np.int64) - 1

    def cells(name: str) -> IntArray:
        array = np.zeros((count, len(STARS)), dtype=np.int64)
        if count:  # else there are no sums (nor columns)
            array[code, star] = good[name].to_numpy()
        return array

    def per_star(name: str) -> FloatArray:
        result: FloatArray = cells(name).astype(np.float64) * unit
        return result

    def per_book(name: str) -> FloatArray:
        result: FloatArray = cells(name).sum(axis=1).astype(np.float64) * unit
        return result

    counts = cells("counts")
    purchase = per_star("purchase")
    base = per_star("base") if "base" in summed.names else purchase
    if "evidence" in summed.names:
        evidence = per_book("evidence")
    else:  # every trust is 1
        evidence = counts.sum(axis=1).astype(np.float64)
    sums = BookSums(
        counts=counts,
        purchase=purchase,
        base=base,
        recent=per_star("recent"),
        evidence=evidence,
        recent_squares=per_book("recent_squares"),
        cross=per_book("cross"),
        base_squares=per_book("base_squares"),
        reference=np.asarray(books["reference"].to_numpy() if count else [], dtype=np.float64)
        / expressions.MICROSECONDS,
    )
    product_ids: list[str] = keys.cast(pa.string()).to_pylist()
    return product_ids, sums


def score_books(sums: BookSums, config: RatingConfig) -> tuple[Scores, Prior]:
    """The scores of every book with the catalogue prior, and that prior: the star
    mixes (which do not depend on the prior) of a first scoring with the typical book's
    prior make the catalogue prior (`Prior.from_books`)."""
    first = score(sums, Prior.typical(config), config)
    prior = Prior.from_books(first.mix, first.evidence, config)
    return score(sums, prior, config), prior


def review_rows(engine: Engine, summed: Summed, scores: Scores, config: RatingConfig) -> ir.Table:
    """reviews.jsonl's rows (`expressions.review_rows`): each review weighed on the
    engine, its product's reference, gate and scale (from ``scores``) joined on."""
    numbers = pa.table(
        {
            "product": summed.books["product"],
            "reference": summed.books["reference"],
            "gate": pa.array(scores.gate, pa.float64()),
            "scale": pa.array(scores.scale, pa.float64()),
        }
    )
    weights = expressions.weighed(summed.rows, engine.from_arrow(numbers), config)
    return expressions.review_rows(weights)


def _report_rejects(
    options: Options,
    sources: list[Source],
    rejects: Rejects,
    found: pa.Table,
    summary: Summary,
    say: Callable[[str], None],
) -> None:
    """All rejected rows, from staging and from the engine, in input order."""
    labels = {source.index: source.label for source in sources}
    order = {source.label: source.index for source in sources}
    staged = len(rejects.found)
    bad = [
        Rejection(labels[index], line, reason)
        for index, line, reason in zip(
            found["_source"].to_pylist(),
            found["_line"].to_pylist(),
            found["reason"].to_pylist(),
            strict=True,
        )
    ]
    bad.sort(key=lambda rejection: (order[rejection.file], rejection.line))
    for rejection in bad:
        rejects(rejection)
    everything = sorted(rejects.found, key=lambda r: (order[r.file], r.line))
    if options.strict and everything:
        # Found while staging or by the engine's check: the first in input order.
        raise StrictStop(everything[0])
    summary.rows = sum(source.rows for source in sources) + staged
    summary.rejected = len(everything)
    if summary.rejected > SHOWN_REJECTS:
        say(f"... {summary.rejected - SHOWN_REJECTS:,} more rejected rows in the rejects file")


def _write_rejects(
    engine: Engine,
    destination: output.Destination,
    found: list[Rejection],
    sources: list[Source],
) -> None:
    """Every rejected row, in input order, to rejects.jsonl or (by the engine)
    rejects.parquet."""
    order = {source.label: source.index for source in sources}
    everything = sorted(found, key=lambda r: (order[r.file], r.line))
    if destination.format == "jsonl":
        output.write_rejects(_local(destination) / REJECTS, everything)
    else:
        table = engine.from_arrow(output.rejects_table(everything))
        engine.write_parquet(table, destination.target("rejects"))


def _write_nothing(engine: Engine, destination: output.Destination) -> None:
    """Empty products and reviews outputs: no valid review."""
    if destination.format == "jsonl":
        (_local(destination) / PRODUCTS).write_text("")
        (_local(destination) / REVIEWS).write_text("")
        return
    products = output.PRODUCT_SCHEMA.empty_table()
    engine.write_parquet(engine.from_arrow(products), destination.target("products"))
    reviews = output.REVIEW_SCHEMA.empty_table()
    engine.write_parquet(engine.from_arrow(reviews), destination.target("reviews"))


def _local(destination: output.Destination) -> Path:
    folder = destination.local
    if folder is None:  # score_corpus lets a URI through only for Parquet
        raise InputError(f"--out {destination.place}: a URI needs --format parquet")
    return folder


def _microseconds(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _trust_table(engine: Engine, source: TrustSource | None, rows: ir.Table) -> ir.Table | None:
    if source is None:
        return None
    valid = rows.filter(rows.valid).drop("valid", "reason")
    table = source(valid)
    if table is None or isinstance(table, ir.Table):
        return table
    return engine.from_arrow(table)


class _Timer:
    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    def __call__(self, name: str) -> "_Timing":
        return _Timing(self.timings, name)


class _Timing:
    def __init__(self, timings: dict[str, float], name: str) -> None:
        self.timings = timings
        self.name = name
        self.started = 0.0

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = time.perf_counter() - self.started


class _Progress:
    """A rich progress bar on stderr, one task per step; nothing when disabled."""

    def __init__(self, enabled: bool) -> None:
        self.bar: Any = None
        self.task: Any = None
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
            )

    def __enter__(self) -> "_Progress":
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self._finish()
            self.bar.__exit__(None, None, None)

    def _finish(self) -> None:
        if self.task is not None:
            task = self.bar.tasks[self.task]
            self.bar.update(self.task, total=task.completed or 1, completed=task.completed or 1)

    def step(self, description: str, total: int | None, unit: str) -> Callable[[int], None]:
        if self.bar is None:
            return lambda advance: None
        self._finish()
        label = f"{description} ({unit})" if unit else description
        self.task = self.bar.add_task(label, total=total)
        task = self.task
        bar = self.bar
        return lambda advance: bar.update(task, advance=advance)


__all__ = ["InputError", "Options", "StrictStop", "Summary", "TrustSource", "score_corpus"]
