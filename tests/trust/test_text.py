"""The text model: loading, robust scoring, the signal, determinism, evaluation rows."""

import csv
import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest

from candor.trust import evaluate_text, train_text
from candor.trust import text as tm
from candor.trust.table import Reviews

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CANDOR_SHARED_DATA", REPO.parent / "shared" / "data"))
needs_data = pytest.mark.skipif(
    not (SHARED / "op_spam_v1.4").is_dir(), reason="shared data not available"
)

HONEST = (
    "I picked this up on a friend's recommendation and finished it in two evenings. The "
    "middle drags a little, but the ending made up for it and I will read the sequel."
)


def reviews_with(texts: list[object] | None, n: int | None = None) -> Reviews:
    n = len(texts) if texts is not None else (n or 3)
    return Reviews(
        review_id=[f"r{i}" for i in range(n)],
        product=np.zeros(n, np.int64),
        reviewer=np.arange(n, dtype=np.int64),
        rating=np.full(n, 5, np.int64),
        time=np.zeros(n, np.int64),
        verified=np.ones(n, bool),
        helpful=np.zeros(n, np.int64),
        text=texts,  # type: ignore[arg-type]
    )


def test_shipped_model_is_small_versioned_and_pickle_free() -> None:
    files = [tm.MODEL_NPZ, tm.MODEL_JSON, tm.MODEL_DIR / "README.md"]
    assert all(f.is_file() for f in files)
    assert sum(f.stat().st_size for f in tm.MODEL_DIR.iterdir() if f.is_file()) < 5_000_000
    meta = json.loads(tm.MODEL_JSON.read_text())
    assert meta["version"] == train_text.MODEL_VERSION
    with np.load(tm.MODEL_NPZ, allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)
    model = tm.TextModel.load()
    assert model.version == meta["version"]
    assert tm.TextModel.load() is model  # cached


def test_score_handles_bad_input() -> None:
    texts: list[object] = [
        "",
        None,
        12345,
        b"bytes are not text",
        "Great book!",
        "这是一本非常好的书\uff0c我很喜欢这个故事和人物\uff0c推荐给大家阅读。",
        "Отличная книга, читается на одном дыхании, всем советую прочитать её.",
        "\ud800 lone surrogate and emoji 😀 in a review that is long enough",
        "word " * 200_000,  # 1 MB
        HONEST,
    ]
    deceptive, generated = tm.score(texts)
    for p in (deceptive, generated):
        assert p.shape == (len(texts),) and p.dtype == np.float64
        assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    # nothing to judge in empty, missing, non-string or very short texts
    assert np.all(deceptive[:5] == 0) and np.all(generated[:5] == 0)
    assert tm.score([])[0].shape == (0,)


def test_text_signal_flags_and_truncation() -> None:
    long_text = HONEST + " filler" * 200_000
    out = tm.text_signal(reviews_with([HONEST, long_text, None, ""]))
    assert out.name == "text"
    assert set(out.features) == {"text_deceptive", "text_generated"}
    assert {"deceptive_text", "generated_text", "text_truncated"} <= set(out.flags)
    assert out.flags["text_truncated"].tolist() == [False, True, False, False]
    assert out.numbers["text_truncated"][1] == tm.MAX_CHARS
    for name, threshold in (
        ("deceptive_text", tm.DECEPTIVE_THRESHOLD),
        ("generated_text", tm.GENERATED_THRESHOLD),
    ):
        feature = out.features["text_" + name.split("_")[0]]
        assert np.array_equal(out.flags[name], feature >= threshold)


def test_text_signal_without_texts() -> None:
    out = tm.text_signal(reviews_with(None, n=4))
    assert all(np.array_equal(v, np.zeros(4)) for v in out.features.values())
    assert not any(v.any() for v in out.flags.values())


def test_a_model_made_for_other_hashing_is_refused(tmp_path: Path) -> None:
    meta = json.loads(tm.MODEL_JSON.read_text())
    meta["recipe"]["hash_bits"] = tm.HASH_BITS - 1
    (tmp_path / "text_model.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="retrain"):
        tm.TextModel.from_files(tm.MODEL_NPZ, tmp_path / "text_model.json")


@needs_data
def test_training_is_deterministic_and_loads_back(tmp_path: Path) -> None:
    first = train_text.train(tmp_path / "a", SHARED, limit=120)
    second = train_text.train(tmp_path / "b", SHARED, limit=120)
    for name in (tm.MODEL_NPZ.name, tm.MODEL_JSON.name):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert first == second
    # the stored arrays reproduce the fitted SVM's decision values
    op = train_text.load_op_spam(SHARED)
    keep = train_text.subset(op.y, 120)
    counted = train_text.count([op.texts[i] for i in keep])
    fit = train_text.train_head(counted, op.y[keep], np.arange(len(keep)), op.fold[keep])
    model = tm.TextModel.from_files(
        tmp_path / "a" / tm.MODEL_NPZ.name, tmp_path / "a" / tm.MODEL_JSON.name
    )
    texts, _ = tm.clean_texts([op.texts[i] for i in keep])
    np.testing.assert_allclose(
        model.decisions(texts)["deceptive"], fit.decision(counted, np.arange(len(keep))), atol=1e-5
    )


@needs_data
def test_shipped_model_scores_its_corpora_sensibly() -> None:
    op = train_text.load_op_spam(SHARED)
    sal = train_text.load_salminen(SHARED)
    deceptive, generated_on_op = tm.score(op.texts[::8])
    assert ((deceptive >= 0.5) == op.y[::8]).mean() > 0.95  # training data
    _, generated = tm.score(sal.texts[::40])
    assert ((generated >= 0.5) == sal.y[::40]).mean() > 0.95
    # hotel reviews written by people are not "generated"
    assert (generated_on_op >= tm.GENERATED_THRESHOLD).mean() < 0.02


def write_fake_corpora(root: Path) -> None:
    """Tiny corpora in the shared-data formats, with an easy signal."""
    rng = np.random.default_rng(0)
    words = [
        "room",
        "staff",
        "bed",
        "view",
        "lobby",
        "desk",
        "night",
        "stay",
        "pool",
        "breakfast",
        "clean",
        "quiet",
    ]
    op = root / "op_spam_v1.4"
    op.mkdir(parents=True)
    with (op / "op_spam_v1.4.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["polarity", "label", "source", "fold", "hotel", "file", "text"])
        for polarity in ("positive", "negative"):
            for fold in range(1, 6):
                for i in range(8):
                    fake = i % 2 == 0
                    body = " ".join(rng.choice(words, 12))
                    text = ("My husband and I loved our luxurious stay! " if fake else "") + body
                    label = "deceptive" if fake else "truthful"
                    w.writerow([polarity, label, "x", fold, "h", f"f{fold}{i}", text])
    sal = root / "salminen_fake_reviews_subset"
    sal.mkdir()
    with gzip.open(sal / "salminen_fake_reviews_8k_subset.csv.gz", "wt", newline="") as f:
        w = csv.writer(f)
        w.writerow(["split", "label", "text"])
        for i in range(60):
            cg = i % 2 == 0
            body = " ".join(rng.choice(words, 10))
            w.writerow(["dev", "CG" if cg else "OR", body + (" I will" if cg else " Great.")])


def test_evaluation_rows_shape(tmp_path: Path) -> None:
    assert not evaluate_text.available(tmp_path)
    write_fake_corpora(tmp_path)
    assert evaluate_text.available(tmp_path)
    rows = evaluate_text.text_rows(tmp_path, workers=1)
    assert len(rows) == 7
    keys = {"dataset", "protocol", "metric", "value", "published", "source"}
    for row in rows:
        assert set(row) == keys
        assert isinstance(row["value"], float) and 0 <= row["value"] <= 1
        assert row["published"] is None or 0 <= row["published"] <= 1
    datasets = [str(r["dataset"]) for r in rows]
    assert sum("(baseline)" in d for d in datasets) == 3
    ours = {d: r["value"] for d, r in zip(datasets, rows, strict=True)}
    assert ours["op_spam_v1.4 positive"] > 0.8  # the planted signal is found


@pytest.mark.skipif(
    not os.environ.get("CANDOR_SLOW_TESTS") or not (SHARED / "op_spam_v1.4").is_dir(),
    reason="set CANDOR_SLOW_TESTS=1 (about 1.5-2.5 minutes on 2 cores)",
)
def test_evaluation_meets_targets() -> None:
    rows = {r["dataset"]: r["value"] for r in evaluate_text.text_rows(SHARED)}
    assert rows["op_spam_v1.4 positive"] >= 0.91
    assert rows["op_spam_v1.4 negative"] >= 0.89
    assert rows["salminen_fake_reviews_subset"] >= 0.95
    assert rows["op_spam_v1.4 positive"] > rows["op_spam_v1.4 positive (baseline)"]
