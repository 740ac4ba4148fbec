"""Trust analysis for `candor score`: the `TrustSource` that runs `candor.trust`.

The pipeline hands over the valid reviews as an Ibis table. What runs where:

- on the engine (DuckDB's threads, Spark's executors), the signals
  `candor.pipeline.stages.engine_signals` allows (docs/score.md "Trust on the
  engine"): the text classifier (`candor.trust.text.text_signal`, stage A), as a batch
  UDF over the rows where they are (`candor.pipeline.stages.text_columns`); and the
  long-window change (`candor.trust.changepoint.long_change`, stage B), its test in
  batches of whole books with the corpus's star shares as context
  (`candor.pipeline.per_book.change_rows`, joined on the row); new accounts and
  behaviour (stage C, `candor.pipeline.per_reviewer`), the latter in batches of whole
  products then of whole accounts, joined on the row; and the lockstep groups
  (`candor.trust.lockstep`, stage D), found in this process on the candidate graph the
  engine has pruned and joined back on the row (`candor.pipeline.per_graph.lockstep_rows`);
  and off-topic text (`candor.trust.relevance.relevance`, stage B) and bursts
  (`candor.trust.bursts.bursts`) in batches of whole books, with the corpus's context
  (document frequencies and pooled median and MAD; priors and the Benjamini-Hochberg
  steps) computed on the engine (`candor.pipeline.per_book_relevance.relevance_rows`,
  `candor.pipeline.per_book_bursts.bursts_rows`); copied text (`candor.trust.copies`,
  stage D) can run there too, as MinHash LSH (`candor.pipeline.per_cluster.copies_rows`,
  ``collect(..., ("copies",))``), but is not in `ENGINE_SIGNALS` yet;
- collected to this process (the Spark driver): per review, its columns (review_id,
  product, reviewer, star, time, verified purchase, helpful votes, title and text) and
  the engine signals' output columns, as Arrow, put in input order (file, line); for
  the change test also the corpus's five star counts and its review count, for stage C
  its review count and newest time; for relevance the document frequency of each
  hashed term (at most 2^22 rows) and the few values its pooled median and MAD are
  narrowed to; for bursts one summary row per book, the star counts, a histogram of
  the p-values and the Benjamini-Hochberg steps; for copies on the engine one count
  per label-propagation pass and the number of clustered reviews;
- here, in Python: `CorpusTrust` builds a `candor.trust.table.Reviews` and calls
  `candor.trust.score.analyse`, the one entry point every caller uses, with the engine
  signals' outputs as ``computed``; it runs every other signal (dense groups,
  copies) over the whole corpus as numpy, then the combiner and bounded influence.

It returns ``_source, _line, review_id, trust, reasons`` per review, which the pipeline
joins back on the row and multiplies into the weight.

The other signals still run here because dense groups and near-duplicates are
found across the whole corpus (a campaign spans products and accounts); the design
that moves them to the engine stage by stage, with the bound on what reaches one
process, is docs/score.md "Trust on the engine". Until then the driver holds about 100
bytes a review plus its text. Running the same functions on the same rows in the same
order is what makes both engines give the same trust, bit for bit: the text signal's
output for a review depends on its own text alone, and the change test's for a book on
that book's reviews and their context, so how an engine batches rows or books does not
change them; the lockstep graph is numbered as on the whole corpus, so the peeling adds
the same numbers in the same order.

Reasons in reviews.jsonl are objects ``{"code": ..., "text": ...}``, most serious first
(codes: `candor.trust.combine.REASON_ORDER`). One more code is a note, not a reason:
``text_truncated`` (the text was analysed on its beginning only; it does not lower
trust), listed last.
"""

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from candor.pipeline import expressions
from candor.pipeline.per_book import KEY, change_rows
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
    engine_outputs,
    engine_signals,
    text_columns,
)
from candor.trust.score import ALL_SIGNALS, TRUNCATED, TrustResult, analyse
from candor.trust.table import Reviews

PRODUCT_NOUN = ("product", "products")


def reason_objects(
    result: TrustResult, i: int, noun: tuple[str, str] = PRODUCT_NOUN
) -> list[dict[str, str]]:
    """Review ``i``'s reasons as ``{"code", "text"}`` objects, the truncation note last."""
    return [{"code": code, "text": text} for code, text in result.reasons_and_notes(i, noun)]


@dataclass
class TrustReport:
    """What a run found: for the summary line of `candor score`."""

    reviews: int = 0
    signals: tuple[str, ...] = ()
    by_reason: Counter[str] = field(default_factory=Counter)
    truncated: int = 0
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)  # collect, each signal, combine

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
    by default every one that can: ``()`` runs them all here, as before they moved;
    bench.trust_engine compares the two)."""

    def __init__(
        self, signals: Sequence[str] = ALL_SIGNALS, on_engine: Sequence[str] = ENGINE_SIGNALS
    ) -> None:
        self.signals = tuple(signals)
        self.on_engine = engine_signals(self.signals, on_engine)
        self.report = TrustReport()

    def __call__(self, reviews: ir.Table) -> pa.Table:
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
        self.report.seconds = time.perf_counter() - started
        return output


def collect(reviews: ir.Table, on_engine: Sequence[str] = ()) -> pa.Table:
    """The columns the signals need, and the outputs of the ``on_engine`` signals
    computed on the engine (`candor.pipeline.stages`), in input order (the same on
    every engine)."""
    corpus = Corpus.of(reviews) if {"new_accounts", "behaviour"} & set(on_engine) else None
    wanted = reviews.select(
        *(c for c in expressions.ROW_COLUMNS if c not in ("valid", "reason")),
        **(text_columns(reviews) if "text" in on_engine else {}),
        **(new_account_columns(reviews, corpus) if corpus and "new_accounts" in on_engine else {}),
    )
    if "changepoint" in on_engine:
        wanted = wanted.join(change_rows(reviews), list(KEY))
    if corpus and "behaviour" in on_engine:
        wanted = wanted.join(behaviour_rows(reviews, corpus), list(KEY))
    if "lockstep" in on_engine:
        wanted = wanted.join(lockstep_rows(reviews), list(KEY))
    if "relevance" in on_engine:
        wanted = wanted.join(relevance_rows(reviews), list(KEY))
    if "bursts" in on_engine:
        wanted = wanted.join(bursts_rows(reviews), list(KEY))
    if "copies" in on_engine:
        wanted = wanted.join(copies_rows(reviews), list(KEY))
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
        text=_texts(columns),
    )


def trust_table(columns: pa.Table, result: TrustResult, report: TrustReport) -> pa.Table:
    """``_source, _line, review_id, trust, reasons`` (reasons: JSON text; null for none).

    Sentences are written only for the reviews that have a reason or a note.
    """
    n = len(result)
    flagged = np.zeros(n, dtype=bool)
    for values in result.merged.flags.values():
        flagged |= np.asarray(values, dtype=bool)
    reasons: list[str | None] = [None] * n
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for i in np.flatnonzero(flagged).tolist():
        found = reason_objects(result, i)
        if found:
            reasons[i] = encode(found)
            report.by_reason.update(reason["code"] for reason in found)
    truncated = result.truncated
    report.truncated = int(truncated.sum()) if truncated is not None else 0
    report.by_reason.pop(TRUNCATED, None)
    return pa.table(
        {
            "_source": columns["_source"],
            "_line": columns["_line"],
            "review_id": columns["review_id"],
            "trust": pa.array(np.asarray(result.trust, dtype=np.float64)),
            "reasons": pa.array(reasons, pa.string()),
        }
    )
