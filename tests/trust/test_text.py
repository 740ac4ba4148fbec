"""The text model: loading, robust scoring, the signal, the shipped model's quality."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from candor.trust import text as tm
from candor.trust.table import Reviews
from research import train_text

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
def test_shipped_model_scores_its_corpora_sensibly() -> None:
    op = train_text.load_op_spam(SHARED)
    sal = train_text.load_salminen(SHARED)
    deceptive, generated_on_op = tm.score(op.texts[::8])
    assert ((deceptive >= 0.5) == op.y[::8]).mean() > 0.95  # training data
    _, generated = tm.score(sal.texts[::40])
    assert ((generated >= 0.5) == sal.y[::40]).mean() > 0.95
    # hotel reviews written by people are not "generated"
    assert (generated_on_op >= tm.GENERATED_THRESHOLD).mean() < 0.02
