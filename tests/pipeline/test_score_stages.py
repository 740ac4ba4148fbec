"""Trust signals run on the engine (`candor.pipeline.stages`, `candor.pipeline.per_book`)
give what `analyse` gives when it runs them itself on the collected reviews, on DuckDB
and on Spark."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from pipeline_helpers import run_score

from candor.pipeline import stages
from candor.pipeline.per_book import book_batches
from candor.pipeline.per_book_relevance import COLUMNS as RELEVANCE_COLUMNS
from candor.pipeline.per_book_relevance import relevance_context
from candor.pipeline.stages import ENGINE_SIGNALS, engine_outputs, engine_signals
from candor.pipeline.trust import CorpusTrust, collect, reviews_table
from candor.trust.behaviour import behaviour
from candor.trust.changepoint import long_change
from candor.trust.copies import copied_text
from candor.trust.duplicates import THRESHOLD, ShingleSets, clusters
from candor.trust.live import new_account_signal
from candor.trust.lockstep import lockstep
from candor.trust.relevance import (
    document_frequency,
    median_and_mad,
    relevance,
    scored_log_similarity,
)
from candor.trust.score import ALL_SIGNALS, TrustResult, analyse
from candor.trust.table import SignalOutput
from candor.trust.text import MAX_CHARS, text_signal
from research.synthetic import candor_table, write

WORDS = (
    "the",
    "a",
    "plot",
    "story",
    "chapter",
    "great",
    "boring",
    "loved",
    "hated",
    "author",
    "ending",
    "wonderful",
    "I",
)


def varied_texts(n: int, seed: int) -> tuple[list[str | None], list[str | None]]:
    """Titles and texts of every kind the text signal treats apart: missing, empty,
    too short to judge, ordinary, non-ASCII, longer than MAX_CHARS."""
    rng = np.random.default_rng(seed)
    titles: list[str | None] = []
    texts: list[str | None] = []
    for i in range(n):
        words = rng.choice(WORDS, int(rng.integers(1, 60)))
        text = " ".join(words).capitalize() + rng.choice([".", "!", "", "?"])
        kind = i % 9
        if kind == 0:
            text = (text + " ") * (MAX_CHARS // len(text) + 2)
        elif kind == 1:
            text = "Ein großartiges Buch, très bien écrit — 五つ星です."
        texts.append(None if kind == 2 else "" if kind == 3 else text)
        titles.append(None if kind in (2, 4) else "" if kind == 5 else f"Title {i}")
    return titles, texts


WITHOUT_BURSTS = tuple(name for name in ALL_SIGNALS if name != "bursts")
"""Every signal but bursts (whose own conformance test is
tests/pipeline/test_per_book_bursts.py), and so without dense, which reads it."""


class BothWays:
    """A trust source that collects the valid reviews with the engine's signals, and
    runs `analyse` (``WITHOUT_BURSTS``) with and without them (trust 1 everywhere for
    the run itself)."""

    def __call__(self, reviews: object) -> None:
        on_engine = engine_signals(WITHOUT_BURSTS)
        columns = collect(reviews, on_engine)  # type: ignore[arg-type]
        table = reviews_table(columns)
        self.review_ids = table.review_id
        self.computed = engine_outputs(on_engine, columns, table.text is not None)
        self.on_engine = analyse(table, WITHOUT_BURSTS, computed=self.computed)
        self.here = analyse(table, WITHOUT_BURSTS)
        self.relevance_context = relevance_context(
            reviews,  # type: ignore[arg-type]
            book_batches(reviews, RELEVANCE_COLUMNS),  # type: ignore[arg-type]
        )
        self.table = table
        self.here_outputs = {
            "new_accounts": new_account_signal(table),
            "behaviour": behaviour(table),
            "text": text_signal(table),
            "changepoint": long_change(table),
            "lockstep": lockstep(table),
            "relevance": relevance(table),
            "copies": copied_text(table),
        }


def assert_same_output(mine: SignalOutput, theirs: SignalOutput) -> None:
    for part in ("features", "flags", "numbers"):
        a, b = getattr(mine, part), getattr(theirs, part)
        assert list(a) == list(b), part
        for name in a:
            np.testing.assert_allclose(a[name], b[name], rtol=0, atol=1e-9, err_msg=name)


def assert_same_result(mine: TrustResult, theirs: TrustResult) -> None:
    assert mine.signals == theirs.signals
    np.testing.assert_allclose(mine.trust, theirs.trust, rtol=0, atol=1e-9)
    assert_same_output(mine.merged, theirs.merged)
    assert [mine.reasons_and_notes(i) for i in range(len(mine))] == [
        theirs.reasons_and_notes(i) for i in range(len(theirs))
    ]


def changed_book(table: pa.Table, seed: int) -> pa.Table:
    """``table`` and a book whose star mix changes: 60 four- and five-star reviews over
    two years by the table's own accounts, then 25 one-star reviews over eight months,
    by new accounts, anonymous ones and accounts with earlier reviews."""
    rng = np.random.default_rng(seed)
    start = table["created_at"].cast(pa.int64()).to_numpy().min()
    day = 86_400 * 1_000_000
    honest_at = start + np.sort(rng.uniform(0, 730, 60)) * day
    campaign_at = start + (740 + np.arange(25) * 240 / 25 + rng.uniform(0, 5, 25)) * day
    old_accounts = table["reviewer_id"].to_pylist()
    accounts = [
        *old_accounts[:60],
        *(f"new{i}" for i in range(12)),
        *([None] * 5),
        *old_accounts[100:108],
    ]
    book = pa.table(
        {
            "review_id": [f"change{i}" for i in range(85)],
            "product_id": ["changed"] * 85,
            "reviewer_id": pa.array(accounts, pa.string()),
            "rating": [*rng.choice([4, 5], 60).tolist(), *[1] * 25],
            "created_at": pa.array(np.concatenate([honest_at, campaign_at]).astype(np.int64))
            .cast(pa.timestamp("us"))
            .cast(pa.timestamp("us", tz="UTC")),
            "verified_purchase": [True] * 85,
            "helpful_votes": [0] * 85,
            "title": ["A title"] * 85,
            "text": [f"Review {i} of the changed book, in several words." for i in range(85)],
        }
    )
    return pa.concat_tables([table, book.cast(table.schema)])


COOKBOOK = (
    "This recipe for braised lamb shoulder with rosemary, garlic and white beans is the "
    "best thing in the whole collection; the oven time is generous, so check the meat "
    "after two hours and add stock if the pan runs dry before serving it with bread."
)


def off_topic_book(table: pa.Table, seed: int) -> pa.Table:
    """``table`` and a book of seven reviews: three ordinary long ones, three short ones and a
    cookbook review (long, sharing no word with the others). With fewer than
    ``MIN_PEERS`` long texts its reviews are judged against the whole corpus."""
    rng = np.random.default_rng(seed)
    ordinary = [" ".join(rng.choice(WORDS, 40)) for _ in range(3)]
    texts = [*ordinary, "Loved it.", "A great story.", "Boring ending.", COOKBOOK]
    n = len(texts)
    start = int(table["created_at"].cast(pa.int64()).to_numpy().min())
    book = pa.table(
        {
            "review_id": [f"topic{i}" for i in range(n)],
            "product_id": ["off-topic"] * n,
            "reviewer_id": [f"reader{i}" for i in range(n)],
            "rating": [4, 5, 3, 4, 5, 2, 5],
            "created_at": pa.array(start + np.arange(n) * 86_400 * 1_000_000 * 40)
            .cast(pa.timestamp("us"))
            .cast(pa.timestamp("us", tz="UTC")),
            "verified_purchase": [True] * n,
            "helpful_votes": [0] * n,
            "title": [None] * n,
            "text": texts,
        }
    )
    return pa.concat_tables([table, book.cast(table.schema)])


def lockstep_ring(table: pa.Table, seed: int) -> pa.Table:
    """``table`` and a ring of 8 new accounts giving five stars to the same 6 of its
    books within ten days, and 3 more accounts doing so on 4 of them."""
    rng = np.random.default_rng(seed)
    start = table["created_at"].cast(pa.int64()).to_numpy().min() + 400 * 86_400_000_000
    books = list(dict.fromkeys(table["product_id"].to_pylist()))[:6]
    pairs = [(f"ring{a}", book) for a in range(8) for book in books]
    pairs += [(f"ring{a}", book) for a in range(8, 11) for book in books[:4]]
    n = len(pairs)
    ring = pa.table(
        {
            "review_id": [f"ring{i}" for i in range(n)],
            "product_id": [book for _, book in pairs],
            "reviewer_id": [account for account, _ in pairs],
            "rating": [5] * n,
            "created_at": pa.array(start + rng.integers(0, 10 * 86_400_000_000, n))
            .cast(pa.timestamp("us"))
            .cast(pa.timestamp("us", tz="UTC")),
            "verified_purchase": [False] * n,
            "helpful_votes": [0] * n,
            "title": ["Five stars"] * n,
            "text": [f"Ring review {i}, a wonderful book." for i in range(n)],
        }
    )
    return pa.concat_tables([table, ring.cast(table.schema)])


def chain(rng: np.random.Generator) -> list[str]:
    """Three texts, each a few words from the one before: A~B and B~C are near-duplicates,
    A and C are not (`test_the_copies_corpus_has_a_chain` checks)."""
    first = list(rng.choice(WORDS, 80))
    second = [("novel" if k % 16 == 0 else word) for k, word in enumerate(first)]
    third = [("page" if k % 16 == 8 else word) for k, word in enumerate(second)]
    return [" ".join(words) for words in (first, second, third)]


def copied_texts(table: pa.Table, seed: int) -> pa.Table:
    """``table`` and texts copied across accounts and books: one text posted by 10
    accounts with 0-3 words changed, the first two in one second (row order decides);
    a chain (`chain`) by three accounts; a doubled stock phrase ("Works as expected.")
    by five; one account posting a text twice on one book before another account
    copies it; two anonymous reviews with one text."""
    rng = np.random.default_rng(seed)
    template = list(rng.choice(WORDS, 50))
    rows: list[tuple[str | None, str, str, float]] = []  # account, book, text, day
    for k in range(10):
        words = template.copy()
        for at in rng.integers(0, 50, k % 4):
            words[at] = str(rng.choice(WORDS))
        rows.append((f"campaign{k}", f"copied{k % 5}", " ".join(words), k + 0.5 - 0.4 * (k == 1)))
    rows += [
        (f"chain{k}", f"copied{k}", text, 20 + k)
        for k, text in enumerate(chain(np.random.default_rng(seed)))
    ]
    rows += [
        (f"stock{k}", f"copied{k}", "Works as expected. Works as expected.", 30 + k)
        for k in range(5)
    ]
    twice = " ".join(rng.choice(WORDS, 30))
    rows += [("twice", "copied3", twice, 40), ("twice", "copied3", twice, 41)]
    rows += [
        ("later", "copied4", twice, 42),
        (None, "copied0", twice[::-1], 50),
        (None, "copied1", twice[::-1], 51),
    ]
    n = len(rows)
    start = int(table["created_at"].cast(pa.int64()).to_numpy().min())
    day = 86_400 * 1_000_000
    copies = pa.table(
        {
            "review_id": [f"copy{i}" for i in range(n)],
            "product_id": [book for _, book, _, _ in rows],
            "reviewer_id": pa.array([account for account, _, _, _ in rows], pa.string()),
            "rating": [5] * n,
            "created_at": pa.array([start + int(at * day) for _, _, _, at in rows])
            .cast(pa.timestamp("us"))
            .cast(pa.timestamp("us", tz="UTC")),
            "verified_purchase": [False] * n,
            "helpful_votes": [0] * n,
            "title": [None] * n,
            "text": [text for _, _, text, _ in rows],
        }
    )
    return pa.concat_tables([table, copies.cast(table.schema)])


COPIED = ["copy" + str(i) for i in (*range(1, 10), 11, 12, 20, 22)]
"""The reviews of `copied_texts` that are copies: the campaign's but the first (row 0,
posted in the same second as row 1 but before it in the file), the chain's last two,
the account that copied the text posted twice, and the second anonymous review."""


def run_both_ways(tmp_path: Path, engine: str) -> BothWays:
    table = lockstep_ring(changed_book(candor_table(450, 30, seed=11), seed=3), seed=7)
    titles, texts = varied_texts(len(table), seed=5)
    table = table.set_column(table.schema.get_field_index("title"), "title", pa.array(titles))
    table = table.set_column(table.schema.get_field_index("text"), "text", pa.array(texts))
    table = copied_texts(off_topic_book(table, seed=8), seed=12)
    both = BothWays()
    run_score(write(table, tmp_path / "in.parquet"), tmp_path / "out", engine=engine, trust=both)
    return both


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_signals_on_the_engine_are_the_ones_analyse_runs(tmp_path: Path, engine: str):
    both = run_both_ways(tmp_path, engine)
    assert set(both.computed) == set(engine_signals(WITHOUT_BURSTS))
    for name in both.computed:  # analyse used them and did not run them again
        assert name in both.here.seconds and name not in both.on_engine.seconds
    for name, output in both.computed.items():
        assert_same_output(output, both.here_outputs[name])
    flags = both.here.merged.flags
    # the corpus exercises what the signals tell apart: texts truncated, judged and not;
    # a book whose change is carried by new, anonymous and older accounts alike
    assert flags["text_truncated"].any() and not flags["text_truncated"].all()
    assert (both.computed["text"].features["text_deceptive"] == 0).any()
    assert (both.computed["text"].features["text_deceptive"] > 0).any()
    # the cookbook review, judged against the corpus' median and MAD, and no other
    assert flags["off_topic"].sum() == 1
    changed = flags["change_by_new_accounts"]
    assert changed.sum() == 25  # whoever wrote them: an account's history cannot vouch
    # a lockstep ring, and accounts left out of the candidate graph (`per_graph`)
    ring = np.char.startswith(np.asarray(both.review_ids, str), "ring")
    assert flags["lockstep"][ring].sum() >= 40 and not flags["lockstep"][~ring].any()
    # copies: a campaign, a chain, stock phrases, one account twice, ties in time
    ids = np.asarray(both.review_ids, str)
    copied = ids[flags["copied_text"] & np.char.startswith(ids, "copy")]
    assert sorted(copied.tolist()) == sorted(COPIED)
    assert_same_result(both.on_engine, both.here)


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_the_engine_computes_relevances_context_exactly(tmp_path: Path, engine: str):
    both = run_both_ways(tmp_path, engine)
    context, table = both.relevance_context, both.table
    assert table.text is not None
    slots, frequency = document_frequency(table.text)
    np.testing.assert_array_equal(context.slots, slots)
    np.testing.assert_array_equal(context.document_frequency, frequency)
    assert context.texts == len(table) + table.n_products
    values = scored_log_similarity(table, context)
    assert np.isfinite(values).sum() > 100
    assert context.pooled == median_and_mad(values[np.isfinite(values)])


def test_a_signal_runs_on_the_engine_only_with_the_signals_it_reads(
    monkeypatch: pytest.MonkeyPatch,
):
    assert engine_signals(ALL_SIGNALS) == (
        "new_accounts",
        "behaviour",
        "bursts",
        "lockstep",
        "changepoint",
        "relevance",
        "text",
    )
    assert engine_signals(("changepoint", "dense")) == ("changepoint",)
    assert engine_signals(WITHOUT_BURSTS, wanted=("text",)) == ("text",)
    assert engine_signals(ALL_SIGNALS, wanted=()) == ()
    # were the change test to read bursts and bursts not on the engine, it would stay off
    # the engine while bursts ran
    monkeypatch.setitem(stages.READS, "changepoint", ("bursts",))
    off = tuple(name for name in ENGINE_SIGNALS if name != "bursts")
    monkeypatch.setattr(stages, "ENGINE_SIGNALS", off)
    assert engine_signals(ALL_SIGNALS) == (
        "new_accounts",
        "behaviour",
        "lockstep",
        "relevance",
        "text",
    )
    assert engine_signals(WITHOUT_BURSTS) == (
        "new_accounts",
        "behaviour",
        "lockstep",
        "changepoint",
        "relevance",
        "text",
    )


@pytest.mark.parametrize("signals", [ALL_SIGNALS, WITHOUT_BURSTS])
def test_candor_score_writes_the_same_files_with_signals_on_the_engine_or_not(
    tmp_path: Path, signals: tuple[str, ...]
):
    table = changed_book(candor_table(300, 20, seed=4), seed=9)
    data = write(table, tmp_path / "in.parquet")
    here_trust = CorpusTrust(signals, on_engine=(), combine_here=True)
    here = run_score(data, tmp_path / "here", trust=here_trust)
    engine = run_score(data, tmp_path / "engine", trust=CorpusTrust(signals))
    assert here.summary.trust is not None and "on the engine" not in here.summary.trust
    assert engine.summary.trust is not None
    assert f"{' and '.join(engine_signals(signals))} on the engine " in engine.summary.trust
    assert engine.reviews == here.reviews and engine.products == here.products
    assert any(review["reasons"] for review in engine.reviews)


def test_the_copies_corpus_has_a_chain() -> None:
    """`chain`'s texts (as `copied_texts` makes them, seed 12) form one cluster through
    the middle one only."""
    texts = chain(np.random.default_rng(12))
    sets = ShingleSets(texts, np.arange(3))
    ab, bc, ac = sets.jaccard(np.array([0, 1, 0]), np.array([1, 2, 2]))
    assert min(ab, bc) >= THRESHOLD > ac
    assert len(set(clusters(texts)[0])) == 1
