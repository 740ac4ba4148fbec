"""Retraining the text model and measuring its recipe: determinism, evaluation rows."""

import csv
import gzip
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]

from candor.trust import text as tm
from research import evaluate_text, train_text

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CANDOR_SHARED_DATA", REPO.parent / "shared" / "data"))
needs_data = pytest.mark.skipif(
    not (SHARED / "op_spam_v1.4").is_dir(), reason="shared data not available"
)


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
    assert rows["salminen_fake_reviews_subset"] >= 0.96
    assert rows["op_spam_v1.4 positive"] > rows["op_spam_v1.4 positive (baseline)"]


def test_a_heads_trees_score_as_the_boosted_trees_fitted_in_training() -> None:
    """The shipped arrays' trees, read back by `Head.probability`, give scikit-learn's
    probabilities for the style rates and decision value in training's column order."""
    rng = np.random.default_rng(0)
    n = 600
    style = rng.normal(size=(n, len(tm.STYLE_NAMES)))
    decision = rng.normal(size=n)
    y = (decision + np.abs(style[:, 3]) > 0.8).astype(np.int64)  # non-linear in one rate
    trees, baseline = train_text.fit_trees(style, decision, y)
    reference = HistGradientBoostingClassifier(
        **train_text.TREES, early_stopping=False, random_state=train_text.SEED
    ).fit(np.column_stack([style, decision]), y)
    arrays = train_text.tree_arrays("generated_", trees)
    read_back = tm.trees_from_arrays(arrays, "generated_")
    assert read_back is not None
    head = replace(tm.TextModel.load().heads["generated"], trees=read_back, tree_baseline=baseline)
    expected = reference.predict_proba(np.column_stack([style, decision]))[:, 1]
    np.testing.assert_allclose(head.probability(decision, style), expected, rtol=1e-9, atol=1e-12)
    # the trees read the rate they were given a non-linear use for
    assert ((head.probability(decision, style) > 0.5) == y).mean() > 0.9
