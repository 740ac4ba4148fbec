"""Trust analysis for `candor score`: the `TrustSource` that runs `candor.trust`.

The pipeline hands over the valid reviews as an Ibis table; `CorpusTrust` hands back
``_source, _line, review_id, trust, reasons`` per review as a table of the same engine,
which the pipeline joins back on the row and multiplies into the weight. What runs where
(docs/score.md "Trust on the engine"):

- on the engine (DuckDB's threads, Spark's executors), the signals
  `candor.pipeline.stages.engine_signals` allows, each by its function in
  `ENGINE_ROWS`, which gives its `fields_of` columns keyed by ``_source, _line``: the
  text classifier (`candor.trust.text.text_signal`, stage A, a batch UDF over the rows
  where they are, `candor.pipeline.stages.text_columns`); the long-window change
  (`candor.trust.changepoint.long_change`, stage B, in batches of whole books with the
  corpus's star shares as context, `candor.pipeline.per_book.change_rows`); off-topic
  text (`candor.trust.relevance.relevance`) and bursts (`candor.trust.bursts.bursts`),
  stage B, in batches of whole books with the corpus's context (document frequencies and
  pooled median and MAD; priors and the Benjamini-Hochberg steps) computed on the engine
  (`candor.pipeline.per_book_relevance.relevance_rows`,
  `candor.pipeline.per_book_bursts.bursts_rows`); new accounts and behaviour (stage C,
  `candor.pipeline.per_reviewer`), the latter in batches of whole products then of whole
  accounts; and the lockstep groups (`candor.trust.lockstep`, stage D), found in this
  process on the candidate graph the engine has pruned
  (`candor.pipeline.per_graph.lockstep_rows`). What reaches this process for them: for
  the change test the corpus's five star counts and its review count, for stage C its
  review count and newest time; for relevance the document frequency of each hashed
  term (at most 2^22 rows) and the few values its pooled median and MAD are narrowed
  to; for bursts one summary row per book, the star counts, a histogram of the p-values
  and the Benjamini-Hochberg steps; for lockstep the pruned graph;
- here (the Spark driver), the other signals (dense groups, copies), by
  `candor.trust.score.signal_outputs` over the whole corpus as numpy: per review its
  columns (review_id, product, reviewer, star, time, verified purchase, helpful votes;
  title and text when a text signal runs here; the features of the engine signals one of
  them reads, `stages.READS`: bursts for dense) are collected in input order (file,
  line), and the signals' `fields_of` columns are sent back to the engine as one table
  keyed by ``_source, _line``;
- on the engine again, stages E and F (`candor.pipeline.combined`): every signal's
  columns joined on the review, trust combined per review, bounded per book, and the
  reasons written as JSON; the summary line's reason counts are an aggregate. So trust
  and reasons are never collected, and as signals move to the engine what is collected
  here shrinks, to nothing when every signal has moved.

Running the same functions on the same rows in the same order is what makes both
engines, and the engine and one process, give the same trust, bit for bit: a signal's
output for a review depends on its own text, or its book's or account's reviews and
their context, or the whole corpus (computed in input order; the lockstep graph is
numbered as on the whole corpus); combining reads a review's own columns, bounding its
book's; every group is put in input order inside its UDF.
`CorpusTrust(combine_here=True)` runs everything after the engine signals here, as
before stages E and F moved (the reference the tests and bench.trust_engine compare
with).

Reasons in reviews.jsonl are objects ``{"code": ..., "text": ...}``, most serious first
(codes: `candor.trust.combine.REASON_ORDER`). One more code is a note, not a reason:
``text_truncated`` (the text was analysed on its beginning only; it does not lower
trust), listed last.
"""

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from candor.pipeline import expressions
from candor.pipeline.combined import (
    KEY,
    reason_counts,
    reason_texts,
    signal_fields,
    trust_rows,
)
from candor.pipeline.engines import arrow_table, materialize, release
from candor.pipeline.per_book import change_rows
from candor.pipeline.per_book_bursts import bursts_rows
from candor.pipeline.per_book_relevance import relevance_rows
from candor.pipeline.per_cluster import copies_rows
from candor.pipeline.per_graph import lockstep_rows
from candor.pipeline.per_reviewer import (
    Corpus,
    behaviour_rows,
    first_seen_codes,
    new_account_columns,
    reviewer_codes,
)
from candor.pipeline.stages import (
    ENGINE_SIGNALS,
    KINDS,
    READS,
    SEPARATOR,
    engine_outputs,
    engine_signals,
    fields_of,
    text_columns,
)
from candor.trust.combine import REASON_ORDER
from candor.trust.score import (
    ALL_SIGNALS,
    TEXT_SIGNALS,
    TRUNCATED,
    TrustResult,
    analyse,
    ran_signals,
    signal_outputs,
)
from candor.trust.table import Reviews, SignalOutput


def text_rows(reviews: ir.Table) -> ir.Table:
    """The text signal of every review (`text_columns`), keyed by ``_source, _line``."""
    return reviews.select(*KEY, **text_columns(reviews))


def new_account_rows(reviews: ir.Table) -> ir.Table:
    """The new-account signal of every review (`new_account_columns`), keyed by
    ``_source, _line``."""
    return reviews.select(*KEY, **new_account_columns(reviews, Corpus.of(reviews)))


def reviewer_rows(reviews: ir.Table) -> ir.Table:
    """The behaviour signal of every review (`behaviour_rows`)."""
    return behaviour_rows(reviews, Corpus.of(reviews))


ENGINE_ROWS: dict[str, Callable[[ir.Table], ir.Table]] = {
    "new_accounts": new_account_rows,
    "behaviour": reviewer_rows,
    "bursts": bursts_rows,
    "lockstep": lockstep_rows,
    "changepoint": change_rows,
    "relevance": relevance_rows,
    "text": text_rows,
    "copies": copies_rows,
}
"""Per signal of `stages.ENGINE_SIGNALS`: its `fields_of` columns for every review of the
valid reviews, keyed by ``_source, _line``, computed on the engine. A signal that moves
to the engine adds itself here and there; nothing else changes. (Copies is here but not
in `ENGINE_SIGNALS` yet: `collect` runs it on the engine when asked, for its
conformance test; docs/score.md stage D says why it is not on.)"""


@dataclass
class TrustReport:
    """What a run found: for the summary line of `candor score`."""

    reviews: int = 0
    signals: tuple[str, ...] = ()
    by_reason: Counter[str] = field(default_factory=Counter)
    truncated: int = 0
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)  # each step's seconds

    def text(self) -> str:
        if not self.reviews:
            return "trust: no reviews analysed"
        reasons = ", ".join(f"{code} {count:,}" for code, count in self.by_reason.most_common())
        stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.stages.items())
        return (
            f"trust: {self.reviews:,} reviews analysed ({', '.join(self.signals)}); "
            f"reasons: {reasons or 'none'}; texts truncated for analysis: {self.truncated:,}; "
            f"{self.seconds:.1f} s ({stages})"
        )


class CorpusTrust:
    """A `candor.pipeline.run.TrustSource` running ``signals`` over the whole corpus,
    those of them in ``on_engine`` on the engine when they can (`stages.engine_signals`;
    by default every one that can), the others here; then trust and reasons on the
    engine (`candor.pipeline.combined`), returned as a table of the engine.

    ``combine_here``: everything as before stages E and F moved (the engine signals'
    outputs collected, `analyse` run here, trust and reasons sent back): with
    ``on_engine=()`` every signal runs on one process, the reference bench.trust_engine
    and the conformance tests compare the engine with.
    """

    def __init__(
        self,
        signals: Sequence[str] = ALL_SIGNALS,
        on_engine: Sequence[str] = ENGINE_SIGNALS,
        combine_here: bool = False,
    ) -> None:
        self.signals = tuple(signals)
        self.on_engine = engine_signals(self.signals, on_engine)
        self.combine_here = combine_here
        self.report = TrustReport()

    def __call__(self, reviews: ir.Table) -> ir.Table | pa.Table:
        started = time.perf_counter()
        if self.combine_here:
            output: ir.Table | pa.Table = self._here(reviews)
        else:
            output = self._on_engine(reviews)
        self.report.seconds = time.perf_counter() - started
        return output

    def _here(self, reviews: ir.Table) -> pa.Table:
        started = time.perf_counter()
        on_engine = list(self.on_engine)
        columns = collect(reviews, on_engine)
        table = reviews_table(columns)
        self.report.stages[" and ".join(["collect", *on_engine])] = time.perf_counter() - started
        computed = engine_outputs(on_engine, columns, table.text is not None)
        result = analyse(table, self.signals, computed=computed)
        self.report.stages.update(result.seconds)
        written = time.perf_counter()
        output = trust_table(columns, result, self.report)
        self.report.stages["reasons"] = time.perf_counter() - written
        self.report.reviews = len(table)
        self.report.signals = result.signals
        return output

    def _on_engine(self, reviews: ir.Table) -> ir.Table:
        stages = self.report.stages
        text = has_text(reviews) if set(self.signals) & set(TEXT_SIGNALS) else False
        ran = ran_signals(self.signals, text)
        there = [name for name in ran if name in self.on_engine]
        here = [name for name in ran if name not in there]
        started = time.perf_counter()
        table = engine_rows(reviews, there)
        read = [name for name in there if any(name in READS.get(n, ()) for n in here)]
        first = materialize(table) if read else None  # once, for the collect and the rest
        table = table if first is None else first
        driver = 0.0
        if here:
            driver = time.perf_counter()
            wanted = [name for name in ran if name in here or name in read]
            table = table.join(driver_rows(reviews, table, wanted, read, stages), list(KEY))
            driver = time.perf_counter() - driver
        signals = materialize(table)
        if first is not None:
            release(first)
        name = " and ".join(there) if there else "signals"
        stages[f"{name} on the engine"] = time.perf_counter() - started - driver
        started = time.perf_counter()
        count = int(signals.count().to_pyarrow().as_py())
        trusted = materialize(trust_rows(signals, ran, count))
        stages["combine, influence and reasons on the engine"] = time.perf_counter() - started
        started = time.perf_counter()
        release(signals)
        self.report.by_reason, self.report.truncated = reason_counts(trusted)
        stages["reason counts"] = time.perf_counter() - started
        self.report.reviews = count
        self.report.signals = ran
        return trusted


def has_text(reviews: ir.Table) -> bool:
    """Whether any review has a title or a text (the text signals run only then)."""
    found = reviews.aggregate(
        title=reviews.title.notnull().any(), text=reviews.text.notnull().any()
    ).to_pyarrow()
    return bool(found["title"][0].as_py()) or bool(found["text"][0].as_py())


def engine_rows(reviews: ir.Table, signals: Sequence[str]) -> ir.Table:
    """What combining needs of each review (``_source, _line, review_id, product,
    created_us, verified``) and the `fields_of` columns of the engine's ``signals``
    (`ENGINE_ROWS`), as one table of the engine."""
    table = reviews.select(*KEY, "review_id", "product", "created_us", "verified")
    for name in signals:
        table = table.join(ENGINE_ROWS[name](reviews), list(KEY))
    return table


def driver_rows(
    reviews: ir.Table,
    computed: ir.Table,
    signals: Sequence[str],
    read: Sequence[str],
    stages: dict[str, float],
) -> ir.Table:
    """The `fields_of` columns of ``signals`` but ``read``, run here on the collected
    reviews and the outputs of the ``read`` engine signals (collected from ``computed``,
    a table of `engine_rows`), sent to the engine keyed by ``_source, _line``; the
    seconds of the collect, of each signal and of the sending go in ``stages``."""
    started = time.perf_counter()
    texts = any(name in TEXT_SIGNALS for name in signals if name not in read)
    columns = collect(reviews, texts=texts, computed=computed, read=read)
    table = reviews_table(columns)
    stages["collect"] = time.perf_counter() - started
    given = {name: output_of_columns(name, columns) for name in read}
    outputs = signal_outputs(table, signals, computed=given, seconds=stages)
    started = time.perf_counter()
    fields: dict[str, pa.Array] = {}
    for output in outputs:
        if output.name not in read:
            for name, values in fields_of(output).items():
                fields[name] = pa.array(values, _arrow_type(name))
    sent = pa.table({"_source": columns["_source"], "_line": columns["_line"], **fields})
    result = arrow_table(ibis.get_backend(reviews), sent)
    stages["send"] = time.perf_counter() - started
    return result


def _arrow_type(field_name: str) -> pa.DataType:
    kind = KINDS[field_name.split(SEPARATOR)[1]]
    return pa.bool_() if kind.is_boolean() else pa.float64()


def output_of_columns(name: str, columns: pa.Table) -> SignalOutput:
    """A signal's output from its collected columns (`stages.engine_outputs` for one)."""
    return engine_outputs([name], columns, True)[name]


def collect(
    reviews: ir.Table,
    on_engine: Sequence[str] = (),
    *,
    texts: bool = True,
    computed: ir.Table | None = None,
    read: Sequence[str] = (),
) -> pa.Table:
    """The columns the signals need (title and text with ``texts``), and the outputs of
    the ``on_engine`` signals computed on the engine (`ENGINE_ROWS`), or the features of
    the ``read`` ones among the columns of ``computed``, in input order (the same on
    every engine)."""
    skipped = ("valid", "reason") if texts else ("valid", "reason", "title", "text")
    wanted = reviews.select(*(c for c in expressions.ROW_COLUMNS if c not in skipped))
    for name in on_engine:
        wanted = wanted.join(ENGINE_ROWS[name](reviews), list(KEY))
    if read and computed is not None:  # a signal reads another's features only
        wanted = wanted.join(
            computed.select(*KEY, *signal_fields(computed.columns, read, ["feature"])), list(KEY)
        )
    table = wanted.to_pyarrow()
    return table.take(pc.sort_indices(table, [("_source", "ascending"), ("_line", "ascending")]))


def _texts(columns: pa.Table) -> list[str] | None:
    """Title and text as a reader sees them (`candor.trust.score.review_text`, in Arrow);
    None when the corpus has neither (the text signals are then skipped)."""
    title, text = columns["title"], columns["text"]
    if title.null_count == len(title) and text.null_count == len(text):
        return None
    title = pc.fill_null(title, "")
    text = pc.fill_null(text, "")
    joined = pc.binary_join_element_wise(title, text, "\n")
    both = pc.if_else(pc.equal(title, ""), text, joined)
    return [value or "" for value in both.to_pylist()]


def reviews_table(columns: pa.Table) -> Reviews:
    created = columns["created_us"].to_numpy().astype(np.int64)
    return Reviews(
        review_id=columns["review_id"].to_pylist(),
        product=first_seen_codes(columns["product"].cast(pa.string())),
        reviewer=reviewer_codes(columns["reviewer_id"]),
        rating=columns["star"].to_numpy().astype(np.int64),
        time=np.floor_divide(created, expressions.MICROSECONDS),
        verified=columns["verified"].to_numpy(zero_copy_only=False).astype(bool),
        helpful=columns["helpful"].to_numpy().astype(np.int64),
        text=_texts(columns) if "text" in columns.column_names else None,
    )


def trust_table(columns: pa.Table, result: TrustResult, report: TrustReport) -> pa.Table:
    """``_source, _line, review_id, trust, reasons`` (reasons: JSON text; null for none),
    computed here (`CorpusTrust`'s ``combine_here``); the reason counts in ``report``."""
    report.by_reason, report.truncated = counted_here(result.merged)
    return pa.table(
        {
            "_source": columns["_source"],
            "_line": columns["_line"],
            "review_id": columns["review_id"],
            "trust": pa.array(np.asarray(result.trust, dtype=np.float64)),
            "reasons": pa.array(reason_texts(result.merged, len(result)), pa.string()),
        }
    )


def counted_here(merged: SignalOutput) -> tuple[Counter[str], int]:
    """How many reviews have each reason, in the order a pass over the reviews meets
    them, and how many texts were truncated (`combined.reason_counts` on the engine)."""
    found = {
        code: merged.flags[code]
        for code in REASON_ORDER
        if code in merged.flags and merged.flags[code].any()
    }
    order = sorted(found, key=lambda code: (int(np.argmax(found[code])), REASON_ORDER.index(code)))
    truncated = merged.flags.get(TRUNCATED)
    total = int(np.sum(truncated)) if truncated is not None else 0
    return Counter({code: int(np.sum(found[code])) for code in order}), total
