"""Trust combined, bounded and explained on the engine (`candor.pipeline.combined`, stages E
and F) gives what `analyse` gives on one process: `candor score` writes the same files,
byte for byte, and counts the same reasons, on DuckDB and on Spark."""

from pathlib import Path

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pytest
from pipeline_helpers import run_score
from test_score_stages import changed_book, varied_texts

from candor.pipeline import stages
from candor.pipeline.combined import reason_texts
from candor.pipeline.trust import CorpusTrust
from candor.trust.combine import bounded, combine, review_trust
from candor.trust.score import ALL_SIGNALS, reasons_and_notes, signal_outputs
from candor.trust.table import Reviews, SignalOutput
from research.synthetic import candor_table, write

FILES = ("reviews.jsonl", "products.jsonl")


def flooded_book(table: pa.Table, seed: int) -> pa.Table:
    """``table`` and an established book (60 reviews over two years by the table's own
    accounts) that then gets 150 reviews of every star in twelve days by new accounts:
    more than its history, so bounded influence holds them down."""
    rng = np.random.default_rng(seed)
    start = table["created_at"].cast(pa.int64()).to_numpy().min()
    day = 86_400 * 1_000_000
    at = np.concatenate(
        [start + np.sort(rng.uniform(0, 730, 60)) * day, start + rng.uniform(760, 772, 150) * day]
    )
    accounts = [*table["reviewer_id"].to_pylist()[:60], *(f"wave{i}" for i in range(150))]
    n = len(at)
    book = pa.table(
        {
            "review_id": [f"flood{i}" for i in range(n)],
            "product_id": ["flooded"] * n,
            "reviewer_id": pa.array(accounts, pa.string()),
            "rating": rng.integers(1, 6, n).tolist(),
            "created_at": pa.array(at.astype(np.int64))
            .cast(pa.timestamp("us"))
            .cast(pa.timestamp("us", tz="UTC")),
            "verified_purchase": [True] * n,
            "helpful_votes": [0] * n,
            "title": ["A title"] * n,
            "text": [f"Review {i} of the flooded book, in a few more words." for i in range(n)],
        }
    )
    return pa.concat_tables([table, book.cast(table.schema)])


def corpus(tmp_path: Path, size: int = 400, seed: int = 4) -> Path:
    """Reviews with a changed book, a flooded one and texts of every kind
    (`test_score_stages`)."""
    table = flooded_book(changed_book(candor_table(size, 25, seed=seed), seed=9), seed=2)
    titles, texts = varied_texts(len(table), seed=5)
    table = table.set_column(table.schema.get_field_index("title"), "title", pa.array(titles))
    table = table.set_column(table.schema.get_field_index("text"), "text", pa.array(texts))
    return write(table, tmp_path / "in.parquet")


def same_files(a: Path, b: Path) -> bool:
    return all((a / name).read_bytes() == (b / name).read_bytes() for name in FILES)


class Kept:
    """A trust source that remembers what `CorpusTrust` returned."""

    def __init__(self, trust: CorpusTrust) -> None:
        self.trust = trust
        self.report = trust.report
        self.returned: object = None

    def __call__(self, reviews: ir.Table) -> object:
        self.returned = self.trust(reviews)
        return self.returned


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_trust_and_reasons_written_on_the_engine_are_the_ones_analyse_gives(
    tmp_path: Path, engine: str
):
    data = corpus(tmp_path)
    here = CorpusTrust(on_engine=(), combine_here=True)  # every signal and combine here
    there = Kept(CorpusTrust())
    one = run_score(data, tmp_path / "here", trust=here, engine=engine)
    other = run_score(data, tmp_path / "engine", trust=there, engine=engine)
    assert same_files(tmp_path / "here", tmp_path / "engine")
    # returned as a table of the engine: trust and reasons were not collected
    assert isinstance(there.returned, ir.Table)
    assert here.report.by_reason == there.report.by_reason
    assert list(here.report.by_reason) == list(there.report.by_reason)  # same order
    assert here.report.truncated == there.report.truncated > 0
    assert here.report.signals == there.report.signals == ALL_SIGNALS
    # the corpus gives bounded influence and several other reasons to write
    assert "bounded_influence" in there.report.by_reason and len(there.report.by_reason) >= 4
    assert any(review["reasons"] for review in other.reviews)
    assert one.summary.trust is not None and "on the engine" not in one.summary.trust
    assert other.summary.trust is not None
    assert "combine, influence and reasons on the engine" in other.summary.trust


def test_signals_run_here_are_sent_to_the_engine_whatever_runs_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    data = corpus(tmp_path, size=300, seed=8)
    run_score(data, tmp_path / "here", trust=CorpusTrust(on_engine=(), combine_here=True))
    every_one_here = CorpusTrust(on_engine=())
    run_score(data, tmp_path / "sent", trust=every_one_here)
    assert same_files(tmp_path / "here", tmp_path / "sent")
    assert "collect" in every_one_here.report.stages
    # a signal run here that reads an engine signal's output gets it from the engine
    monkeypatch.setitem(stages.READS, "copies", ("text",))
    reading = CorpusTrust()
    run_score(data, tmp_path / "read", trust=reading)
    assert same_files(tmp_path / "here", tmp_path / "read")


def test_with_every_signal_on_the_engine_nothing_is_collected(tmp_path: Path):
    data = corpus(tmp_path, size=200, seed=2)
    signals = ("changepoint", "text")
    here = CorpusTrust(signals, on_engine=(), combine_here=True)
    there = CorpusTrust(signals)
    run_score(data, tmp_path / "here", trust=here)
    run_score(data, tmp_path / "engine", trust=there)
    assert same_files(tmp_path / "here", tmp_path / "engine")
    assert "collect" not in there.report.stages and "send" not in there.report.stages
    assert there.report.by_reason == here.report.by_reason


def test_a_corpus_without_texts_is_combined_on_the_engine_without_the_text_signals(
    tmp_path: Path,
):
    table = changed_book(candor_table(300, 20, seed=6), seed=1)
    nothing = pa.nulls(len(table), pa.string())
    table = table.set_column(table.schema.get_field_index("title"), "title", nothing)
    table = table.set_column(table.schema.get_field_index("text"), "text", nothing)
    data = write(table, tmp_path / "in.parquet")
    here = CorpusTrust(on_engine=(), combine_here=True)
    there = CorpusTrust()
    run_score(data, tmp_path / "here", trust=here)
    run_score(data, tmp_path / "engine", trust=there)
    assert same_files(tmp_path / "here", tmp_path / "engine")
    assert there.report.signals == here.report.signals
    assert "text" not in there.report.signals and there.report.truncated == 0


def test_combine_is_review_trust_then_bounded_and_either_half_splits_by_rows():
    table = flooded_book(candor_table(300, 12, seed=3), seed=2)
    reviews = Reviews.from_columns(
        table["review_id"].to_pylist(),
        table["product_id"].to_pylist(),
        table["reviewer_id"].to_pylist(),
        table["rating"].to_pylist(),
        (table["created_at"].cast(pa.int64()).to_numpy() // 1_000_000).tolist(),
        table["verified_purchase"].to_pylist(),
    )
    outputs = signal_outputs(reviews, ("behaviour", "bursts", "lockstep", "changepoint"))
    trust, merged = combine(reviews, outputs)
    features: dict[str, np.ndarray] = {}
    for output in outputs:
        features.update(output.features)
    half = len(reviews) // 2
    parts = [slice(0, half), slice(half, None)]
    # per review: any cut of the rows gives the same bits
    each = np.concatenate(
        [review_trust({k: v[p] for k, v in features.items()}, reviews.verified[p]) for p in parts]
    )
    # per book: the books of one half, then the other's
    books = reviews.product < reviews.product.max() // 2
    final = np.empty(len(reviews))
    found = SignalOutput(name="influence")
    for part in (books, ~books):
        alone = SignalOutput(name="influence")
        final[part] = bounded(
            each[part], reviews.verified[part], reviews.product[part], reviews.time[part], alone
        )
        for code, values in alone.flags.items():
            found.flags.setdefault(code, np.zeros(len(reviews), bool))[part] = values
    assert np.array_equal(final, trust)
    assert np.array_equal(found.flags["bounded_influence"], merged.flags["bounded_influence"])
    assert merged.flags["bounded_influence"].any() and (trust < 1).any()
    texts = reason_texts(merged, len(reviews))
    assert [t is None for t in texts] == [
        not reasons_and_notes(merged, i, ("p", "ps")) for i in range(len(reviews))
    ]
