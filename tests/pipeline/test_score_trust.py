"""Trust analysis in `candor score`: on by default, lowers the weight of fake campaigns,
survives bad texts, and gives the same numbers on DuckDB and Spark."""

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from pipeline_helpers import assert_rows_close, run_score
from test_score_cli import candor, lines

from candor.pipeline.cli import main as score_command
from candor.pipeline.trust import TRUNCATED, CorpusTrust
from candor.trust.combine import REASON_ORDER
from candor.trust.score import ALL_SIGNALS, METADATA_SIGNALS
from candor.trust.text import MAX_CHARS
from research.synthetic import candor_table, write

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:  # bench/ is not an installed package
    sys.path.insert(0, ROOT)

from bench.simulate import ATTACKED_KINDS, World, WorldParams, simulate  # noqa: E402

NOW = datetime(2025, 1, 1, tzinfo=UTC)
SAME_SECOND = datetime(2024, 6, 1, 12, tzinfo=UTC)


def write_world(reviews: list, path: Path) -> Path:
    path.write_text("".join(json.dumps(asdict(review)) + "\n" for review in reviews))
    return path


def score_here(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    """`candor score ARGS` in this process (DuckDB: no interpreter to start); its stderr."""
    capsys.readouterr()
    status = score_command([str(arg) for arg in args])
    stderr = capsys.readouterr().err
    assert status == 0, stderr
    return stderr


def ratings(out: Path) -> dict[str, float]:
    return {row["product_id"]: row["rating"] for row in lines(out / "products.jsonl")}


def test_trust_is_on_by_default_and_no_trust_turns_it_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    table = candor_table(300, 20, seed=3)
    texts = [
        f"Review number {i} says something of its own about chapter {i % 7}." for i in range(300)
    ]
    table = table.set_column(table.schema.get_field_index("text"), "text", pa.array(texts))
    data = write(table, tmp_path / "in.jsonl")
    on = score_here(capsys, data, "--out", tmp_path / "on", "--now", "2025-01-01")
    off = score_here(capsys, data, "--out", tmp_path / "off", "--now", "2025-01-01", "--no-trust")
    assert f"trust: 300 reviews analysed ({', '.join(ALL_SIGNALS)})" in on
    assert "trust:" not in off
    trusted, plain = lines(tmp_path / "on/reviews.jsonl"), lines(tmp_path / "off/reviews.jsonl")
    assert all(row["trust"] == 1.0 and row["reasons"] == [] for row in plain)
    assert all(0.0 <= row["trust"] <= 1.0 for row in trusted)
    assert any(row["trust"] < 1.0 for row in trusted)
    reasons = [reason for row in trusted for reason in row["reasons"]]
    assert reasons and all(set(reason) == {"code", "text"} for reason in reasons)
    assert {reason["code"] for reason in reasons} <= {*REASON_ORDER, TRUNCATED}
    # A product's weights add up to its evidence: the sum of its reviews' trust with
    # trust analysis, its count without.
    weights: dict[str, list[float]] = {"on": [], "off": []}
    for row, other in zip(trusted, plain, strict=True):
        assert row["review_id"] == other["review_id"]
        weights["on"].append(row["weight"])
        weights["off"].append(other["weight"])
    for name, rows in (("on", trusted), ("off", plain)):
        products = {p["product_id"]: p for p in lines(tmp_path / name / "products.jsonl")}
        for product_id, product in products.items():
            mine = [i for i, row in enumerate(rows) if row["product_id"] == product_id]
            total = sum(weights[name][i] for i in mine)
            trust = sum(rows[i]["trust"] for i in mine)
            assert total == pytest.approx(product["effective_count"], rel=1e-9)
            assert product["effective_count"] == pytest.approx(trust, rel=1e-9)
    products = lines(tmp_path / "on/products.jsonl")
    factors = [f for p in products for f in p["explanation"] if f["code"] == "trust"]
    assert factors and any(f["delta"] != 0.0 for f in factors)
    assert all("trust" in f["sentence"] for f in factors if f["delta"] != 0.0)
    assert not any(
        f["delta"] != 0.0
        for p in lines(tmp_path / "off/products.jsonl")
        for f in p["explanation"]
        if f["code"] == "trust"
    )


def test_bad_texts_and_identical_times_are_scored_and_truncation_is_noted(tmp_path: Path):
    huge = "word " * 200_000  # 1 MB
    texts = [
        "",
        "   ",
        "Это очень хорошая книга, я рекомендую её всем друзьям.",
        "这本书非常好\uff0c我很喜欢\u3002",
        huge,
    ]
    texts += ["مراجعة قصيرة باللغة العربية عن هذا الكتاب الجميل", "😀" * 50, "a\x00b"]
    n = len(texts)
    rows = [
        {
            "review_id": f"r{i}",
            "product_id": "p1",
            "reviewer_id": f"u{i}" if i % 3 else "",  # some without a reviewer
            "rating": 5,
            "created_at": SAME_SECOND,  # every review at the same second
            "verified_purchase": False,
            "helpful_votes": 0,
            "title": "" if i % 2 else "Title",
            "text": text,
        }
        for i, text in enumerate(texts)
    ]
    rows.append({**rows[1], "text": "the same id twice"})  # a repeated review id
    for name in ("in.jsonl", "in.csv"):
        data = write(pa.Table.from_pylist(rows), tmp_path / name)
        result = run_score(data, tmp_path / name.replace(".", "-"), now=NOW, trust=CorpusTrust())
        reviews = result.reviews
        assert [row["review_id"] for row in reviews] == [row["review_id"] for row in rows]
        assert all(0.0 <= row["trust"] <= 1.0 for row in reviews)
        notes = {row["review_id"]: row["reasons"] for row in reviews}
        note = [reason for reason in notes["r4"] if reason["code"] == TRUNCATED]
        assert note and f"first {MAX_CHARS:,} characters" in note[0]["text"]
        assert notes["r4"][-1]["code"] == TRUNCATED  # a note comes after every reason
        assert not any(r["code"] == TRUNCATED for i in (0, 1, 2, 3) for r in notes[f"r{i}"])
        assert "texts truncated for analysis: 1;" in result.summary.text()
        assert len(result.products) == 1 and result.products[0]["count"] == n + 1


def test_a_corpus_without_texts_gets_trust_from_the_other_signals(tmp_path: Path):
    """The simulated shop's campaigns without their texts: the metadata signals alone
    (bursts, groups, long-window change) still give the fakes less trust."""
    world = campaign_world()
    data = write_world(world.reviews, tmp_path / "world.jsonl")
    table = pa.Table.from_pylist(lines(data)).drop_columns(["title", "text"])
    trust = CorpusTrust()
    result = run_score(
        write(table, tmp_path / "in.parquet"), tmp_path / "out", now=world.now, trust=trust
    )
    assert trust.report.signals == METADATA_SIGNALS
    fake = np.array([world.truth[int(row["review_id"])].is_fake for row in result.reviews])
    found = np.array([row["trust"] for row in result.reviews])
    assert found[fake].mean() < found[~fake].mean() - 0.3


def campaign_world() -> World:
    # Small and quick: 60 products, about 1,100 reviews, 118 of them fake.
    world = simulate(1, 60, WorldParams(reviews_median=10, text_median_chars=120))
    kinds = {product.kind for product in world.products.values()}
    assert set(ATTACKED_KINDS) <= kinds  # the seed has every kind of campaign
    return world


@pytest.mark.spark
def test_evaluation_smoke_campaigns_lose_trust_on_both_engines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """A small simulated shop with burst and farm campaigns (known truth), through
    `candor score` on DuckDB and Spark: the fakes get less trust than honest reviews,
    and trust takes most of the campaigns' pull off the attacked products' ratings."""
    world = campaign_world()
    data = write_world(world.reviews, tmp_path / "world.jsonl")
    outputs = {engine: tmp_path / engine for engine in ("duckdb", "spark")}
    now = world.params.now
    score_here(capsys, data, "--out", outputs["duckdb"], "--engine", "duckdb", "--now", now)
    done = candor("score", data, "--out", outputs["spark"], "--engine", "spark", "--now", now)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_rows_close(
        lines(outputs["duckdb"] / "reviews.jsonl"), lines(outputs["spark"] / "reviews.jsonl")
    )
    assert_rows_close(
        lines(outputs["duckdb"] / "products.jsonl"), lines(outputs["spark"] / "products.jsonl")
    )

    reviews = lines(outputs["duckdb"] / "reviews.jsonl")
    fake = np.array([world.truth[int(row["review_id"])].is_fake for row in reviews])
    trust = np.array([row["trust"] for row in reviews])
    assert fake.sum() >= 50
    assert trust[fake].mean() < trust[~fake].mean() - 0.3

    # Ratings with and without trust, against the same shop without the fake reviews.
    without = run_score(data, tmp_path / "without-trust", now=world.now)
    genuine = write_world(world.genuine(), tmp_path / "genuine.jsonl")
    clean = run_score(genuine, tmp_path / "genuine", now=world.now)
    with_trust, plain, truth = (
        ratings(outputs["duckdb"]),
        ratings(without.out),
        ratings(clean.out),
    )
    attacked = [str(p) for p, product in world.products.items() if product.kind in ATTACKED_KINDS]
    moved_with = np.mean([abs(with_trust[p] - truth[p]) for p in attacked])
    moved_without = np.mean([abs(plain[p] - truth[p]) for p in attacked])
    assert moved_without > 0.1  # the campaigns do move the rating without trust
    assert moved_with < 0.5 * moved_without
