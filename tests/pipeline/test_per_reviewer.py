"""Stage C on the engine (`candor.pipeline.per_reviewer`): new_accounts and behaviour
computed in batches of whole products and accounts give what `analyse` gives when it
runs them on the collected reviews, on DuckDB and on Spark, bit for bit."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from pipeline_helpers import run_score
from test_score_stages import assert_same_output, assert_same_result

from candor.pipeline import per_reviewer
from candor.pipeline.stages import engine_outputs
from candor.pipeline.trust import collect, reviews_table
from candor.trust.behaviour import behaviour
from candor.trust.live import new_account_signal
from candor.trust.score import analyse
from research.synthetic import candor_table, write

SIGNALS = ("new_accounts", "behaviour")
DAY_US = 86_400 * 1_000_000


def accounts_corpus(seed: int) -> pa.Table:
    """A generated corpus and a second part that exercises what the signals tell apart:
    anonymous reviews, accounts writing ten or more reviews on one day (a spree, and
    same-day ties within a product), an account rating everything 1 or 5, a product of
    one review, products of twenty and more (early reviewers)."""
    table = candor_table(400, 25, seed=seed)
    rng = np.random.default_rng(seed)
    start = int(table["created_at"].cast(pa.int64()).to_numpy().min())
    n = 160
    reviewer = [f"spree{i % 2}" if i < 24 else f"u{rng.integers(0, 40)}" for i in range(n)]
    reviewer = [None if i % 11 == 5 else who for i, who in enumerate(reviewer)]
    day = np.where(np.arange(n) < 24, 400, rng.integers(0, 500, n))
    extra = pa.table(
        {
            "review_id": [f"c{i}" for i in range(n)],
            "product_id": ["lone" if i == 0 else f"book{i % 5}" for i in range(n)],
            "reviewer_id": pa.array(reviewer, pa.string()),
            "rating": [int(r) for r in np.where(np.arange(n) % 7 == 0, 5, rng.integers(1, 6, n))],
            "created_at": pa.array(start + day * DAY_US + rng.integers(0, 3, n) * 3_600_000_000)
            .cast(pa.timestamp("us"))
            .cast(pa.timestamp("us", tz="UTC")),
            "verified_purchase": (rng.random(n) < 0.5).tolist(),
            "helpful_votes": [0] * n,
            "title": ["A title"] * n,
            "text": [f"Review {i}, a few words." for i in range(n)],
        }
    )
    return pa.concat_tables([table, extra.cast(table.schema)])


class Collected:
    """A trust source keeping the collected columns with stage C on the engine."""

    def __call__(self, reviews: object) -> None:
        self.columns = collect(reviews, SIGNALS)  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_account_signals_on_the_engine_are_the_ones_analyse_runs(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(per_reviewer, "ROWS_PER_BATCH", 97)  # several batches of each kind
    data = write(accounts_corpus(seed=7), tmp_path / "in.parquet")
    collected = Collected()
    run_score(data, tmp_path / "out", engine=engine, trust=collected)
    table = reviews_table(collected.columns)
    computed = engine_outputs(SIGNALS, collected.columns, table.text is not None)
    assert set(computed) == set(SIGNALS)
    assert_same_output(computed["behaviour"], behaviour(table))
    assert_same_output(computed["new_accounts"], new_account_signal(table))
    flags = computed["behaviour"].flags
    for flag in ("single_use_account", "extreme_rater", "review_spree", "early_reviewer"):
        assert flags[flag].any() and not flags[flag].all(), flag
    anonymous = np.asarray(collected.columns["reviewer_id"].is_null())
    assert anonymous.any() and flags["single_use_account"][anonymous].all()
    assert_same_result(analyse(table, SIGNALS, computed=computed), analyse(table, SIGNALS))
