"""`score_corpus`: INPUT in, DIR/products.jsonl, reviews.jsonl and rejects.jsonl out.

Steps: find and stage the input files (`sources`), connect the engine (`engines`),
build the Ibis expressions (`expressions`), check every row and sum the weights per
product and star on the engine in one pass (`sum_weights`), list the bad rows if there
are any, find the newest review without --now (`newest_review`), turn the sums into
ratings with `candor.ratings.batch.score` (the same code the web uses), write the files
(`output`).

The catalogue prior of a batch run is `Prior.from_star_counts` over the raw star counts
of every scored review in the corpus (with the configured prior strength and catalogue
smoothing), as the web does over its whole catalogue. ``now`` is the reference time of
every review's age: given, or the time of the newest scored review, so the same input
always gives the same output.
"""

import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
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
from candor.ratings.batch import EXPLANATION_STAGES, StarSums, score
from candor.ratings.config import STARS
from candor.ratings.explanation import Explainer
from candor.ratings.weights import WEIGHTED_STAGES

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
    out: Path
    engine: str = "duckdb"
    master: str | None = None
    now: datetime | None = None
    strict: bool = False
    config: RatingConfig = DEFAULT_CONFIG
    threads: int | None = None
    trust: TrustSource | None = None
    progress: bool = False


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
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    for name in (PRODUCTS, REVIEWS, REJECTS):
        (out / name).unlink(missing_ok=True)
    rejects = Rejects(options.strict, say)
    staging = out / f".candor-staging-{time.time_ns()}"
    progress = _Progress(options.progress)
    try:
        with progress:
            files = find_files(options.input)
            summary.files = len(files)
            step = progress.step("Reading input", None, "rows")
            sources = prepare(files, staging, rejects, step, texts=options.trust is not None)
            _score(options, sources, rejects, progress, summary, say)
            report = getattr(options.trust, "report", None)
            if report is not None:
                summary.trust = report.text()
    except StrictStop as stop:
        output.write_rejects(out / REJECTS, [stop.rejection])
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _score(
    options: Options,
    sources: list[Source],
    rejects: Rejects,
    progress: "_Progress",
    summary: Summary,
    say: Callable[[str], None],
) -> None:
    out = options.out
    config = options.config
    timer = _Timer(summary.timings)
    engine = connect(options.engine, options.master, options.threads)
    try:
        # One pass over the data: check every row and sum the good ones per product and
        # star, relative to --now, or else to a fixed anchor rescaled to the newest review.
        given_us = None if options.now is None else _microseconds(options.now)
        if options.trust is not None:
            progress.step("Analysing trust, then weighing reviews", None, "")
        else:
            progress.step("Weighing reviews", None, "")
        with timer("sums"):
            first = sum_weights(engine, sources, config, options.trust, given_us)
        rows, trust, stages, good = first.rows, first.trust, first.stages, first.good
        reference_us = first.reference_us

        with timer("check"):
            found = expressions.rejects(rows).to_pyarrow() if first.rejected else None
        _report_rejects(options, sources, rejects, found, summary, say)
        if good.num_rows == 0:
            (out / PRODUCTS).write_text("")
            (out / REVIEWS).write_text("")
            return
        newest = 0
        if given_us is None:
            with timer("newest"):
                newest = newest_review(engine, sources, first)
        now_us = newest if given_us is None else given_us
        summary.now = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=now_us)
        weights = expressions.weighed(rows, now_us, config, trust, clamp=True)
        with timer("score"):
            if given_us is None and _near_anchor(newest, config):
                product_ids, sums = _star_sums(good, stages, first.unit)
                sums = _rescaled(sums, reference_us, newest, config)
            elif given_us is None:
                # The newest review is too far from the anchor for the sums there to be
                # exact: the pass above found now; sum again relative to it.
                again = expressions.star_sums(engine, weights, stages, first.unit).to_pyarrow()
                good_again = again.filter(pc.greater(again["star"], 0))
                product_ids, sums = _star_sums(good_again, stages, first.unit)
            else:
                product_ids, sums = _star_sums(good, stages, first.unit)
            counts = sums.counts.sum(axis=0).tolist()
            prior = Prior.from_star_counts(
                dict(zip(STARS, counts, strict=True)),
                strength=config.prior_strength,
                smoothing=config.catalogue_smoothing,
            )
            scores = score(sums, prior, config)
        summary.products = len(product_ids)
        explainer = Explainer("rating", prior, config, EXPLANATION_STAGES)
        tick = progress.step("Writing products", len(product_ids), "products")
        with timer("products"):
            workers = options.threads or os.cpu_count() or 1
            output.write_products(out / PRODUCTS, product_ids, scores, explainer, tick, workers)
        tick = progress.step("Writing reviews", int(sums.counts.sum()), "reviews")
        with timer("reviews"):
            batches = engine.arrow_batches(expressions.review_rows(weights), 500_000)
            summary.reviews = output.write_reviews(out / REVIEWS, batches, tick)
    finally:
        engine.close()


@dataclass
class WeightSums:
    """The pass over the data (`sum_weights`): every row checked, weighed relative to
    ``reference_us`` and summed per product and star."""

    rows: ir.Table  # every row, normalized (`expressions.normalize`)
    trust: ir.Table | None  # the trust table, when a TrustSource gave one
    stages: tuple[str, ...]  # the stages summed (`expressions.summed_stages`)
    table: pa.Table  # `expressions.star_sums`, bad rows under star 0
    reference_us: int
    newest_in_pass: bool  # whether ``table`` has each group's newest time
    unit: float  # `expressions.sum_unit`: what one in the sums is worth

    @cached_property
    def good(self) -> pa.Table:
        """The sums of valid reviews (star > 0)."""
        return self.table.filter(pc.greater(self.table["star"], 0))

    @cached_property
    def rejected(self) -> int:
        """How many rows are not valid."""
        bad = self.table.filter(pc.equal(self.table["star"], 0))
        return int(pc.sum(bad["counts"]).as_py() or 0)


def sum_weights(
    engine: Engine,
    sources: list[Source],
    config: RatingConfig,
    trust_source: TrustSource | None,
    given_us: int | None,
) -> WeightSums:
    """Check every row of ``sources``, weigh every review and sum the weights per product
    and star in one pass: relative to ``given_us`` (--now), or else to the fixed anchor
    (the sums are rescaled to the newest review once `newest_review` has found it)."""
    integer_products = expressions.product_is_integer(engine, sources)
    rows = expressions.union(
        [expressions.normalize(engine, source, integer_products) for source in sources]
    )
    trust = _trust_table(engine, trust_source, rows)
    reference_us = expressions.ANCHOR_US if given_us is None else given_us
    # The newest review's time is wanted without --now; unless every file's date column
    # has a maximum to read it from, it is found in the same pass (one aggregate more).
    newest_in_pass = given_us is None and not all(
        expressions.column_maximum_is_newest(engine, source) for source in sources
    )
    stages = expressions.summed_stages(sources, trust is not None)
    weights = expressions.weighed(rows, reference_us, config, trust, given_us is not None)
    # What the engine reads: every row of every source (bad ones too).
    unit = expressions.sum_unit(sum(source.rows for source in sources), config)
    sums = expressions.star_sums(engine, weights, stages, unit, newest_in_pass).to_pyarrow()
    return WeightSums(rows, trust, stages, sums, reference_us, newest_in_pass, unit)


def newest_review(engine: Engine, sources: list[Source], first: WeightSums) -> int:
    """The newest valid review's time (microseconds since 1970), as the default now.

    From the pass itself when it kept each group's newest time; when every row is valid,
    from the maximum of each file's date column (DuckDB reads it from the Parquet
    statistics); otherwise by a pass over the valid rows.
    """
    if first.newest_in_pass:
        return int(pc.max(first.good["newest"]).as_py())
    if first.rejected == 0:
        value = expressions.newest_of_all(engine, sources).to_pyarrow().as_py()
    else:
        value = expressions.newest_valid(first.rows).to_pyarrow().as_py()
    return int(value)


def _report_rejects(
    options: Options,
    sources: list[Source],
    rejects: Rejects,
    found: pa.Table | None,
    summary: Summary,
    say: Callable[[str], None],
) -> None:
    """All rejected rows, from staging and from the engine, in input order."""
    labels = {source.index: source.label for source in sources}
    order = {source.label: source.index for source in sources}
    staged = len(rejects.found)
    if found is not None:
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
        say(f"... {summary.rejected - SHOWN_REJECTS:,} more rejected rows in {REJECTS}")
    output.write_rejects(options.out / REJECTS, everything)


def _microseconds(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _near_anchor(newest_us: int, config: RatingConfig) -> bool:
    """Whether the sums at the anchor are exact at now = ``newest_us`` (see expressions)."""
    half_life_us = config.half_life_days * expressions.MICROSECONDS_PER_DAY
    distance = abs(newest_us - expressions.ANCHOR_US) / half_life_us
    return distance <= expressions.ANCHOR_HALF_LIVES


def _rescaled(sums: StarSums, anchor_us: int, newest_us: int, config: RatingConfig) -> StarSums:
    """Sums weighed relative to the anchor, as weighed relative to the newest review.

    Every weight is 0.5 ** ((anchor - t) / half-life); times 0.5 ** ((newest - anchor) /
    half-life) it is the weight at ``now`` = newest (one rounding more, 1e-16 relative).
    """
    half_life_us = config.half_life_days * expressions.MICROSECONDS_PER_DAY
    factor = 0.5 ** ((newest_us - anchor_us) / half_life_us)
    scaled: list[Any] = []
    for index, stage in enumerate(sums.weighted):
        # A stage that was not summed is the previous one: it stays the same array.
        same = index > 0 and stage is sums.weighted[index - 1]
        scaled.append(scaled[-1] if same else stage * factor)
    return StarSums(sums.counts, *scaled)


def _trust_table(engine: Engine, source: TrustSource | None, rows: ir.Table) -> ir.Table | None:
    if source is None:
        return None
    valid = rows.filter(rows.valid).drop("valid", "reason")
    table = source(valid)
    if table is None or isinstance(table, ir.Table):
        return table
    return engine.from_arrow(table)


def _star_sums(table: pa.Table, stages: tuple[str, ...], unit: float) -> tuple[list[str], StarSums]:
    """Product ids and their StarSums from the engine's per-(product, star) sums of
    ``stages`` in ``unit``s; a stage not summed is the previous one (the same array).

    Products come in the order of their ids: numeric when every input file holds them
    as integers, else as text (byte order). Only the distinct ids are sorted.
    """
    key = table["product"].combine_chunks() if table.num_rows else pa.array([], pa.string())
    if pa.types.is_integer(key.type):
        distinct, code = np.unique(key.to_numpy(), return_inverse=True)
        product_ids: list[str] = pa.array(distinct).cast(pa.string()).to_pylist()
    else:
        encoded = pc.dictionary_encode(key)
        order = pc.sort_indices(encoded.dictionary).to_numpy()
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        code = rank[encoded.indices.to_numpy()]
        product_ids = encoded.dictionary.take(pa.array(order)).to_pylist()
    star = table["star"].to_numpy().astype(np.int64) - 1

    def pivot(name: str, dtype: Any) -> Any:
        array = np.zeros((len(product_ids), len(STARS)), dtype=dtype)
        values = table[name].to_numpy()
        if name != "counts":
            values = values * unit  # exact: a power of two
        array[code, star] = values
        return array

    weighted: list[Any] = []
    for stage in WEIGHTED_STAGES:
        weighted.append(pivot(stage, np.float64) if stage in stages else weighted[-1])
    return product_ids, StarSums(pivot("counts", np.int64), *weighted)


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
