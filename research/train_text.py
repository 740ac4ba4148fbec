"""Train the text model shipped in candor/trust/models/ (see candor.trust.text).

    python -m research.train_text [--data DIR] [--out DIR]

Reads the labelled corpora from the shared data directory (``../shared/data`` next to the
repository, or ``$CANDOR_SHARED_DATA``), never from the repository, and writes
``text_model.npz`` and ``text_model.json``. Training is deterministic (fixed fold seeds,
liblinear with a fixed random_state, a zip written with fixed timestamps): two runs on the
same data give the same bytes.

Recipe per head (the same recipe ``research.evaluate_text`` measures fold by fold):

1. Count the hashed word 1-3-grams and char 1-5-grams of every text once (label-free;
   the buckets of ``candor.trust.text``), and its style rates.
2. For the training rows, keep the buckets that occur in >= MIN_DF training texts; tf-idf
   with the training rows' document frequencies (as TfidfVectorizer fitted on them would).
3. Choose the SVM's C from C_GRID by cross-validation inside the training rows only (the
   features of each inner split are rebuilt from its inner-training rows), keep the
   out-of-fold decision values of the chosen C and fit a Platt sigmoid on them.
4. Fit LinearSVC(C) on all training rows.

The ``deceptive`` head is trained on op_spam v1.4, both polarities (1,596 texts after
dropping the 4 in-fold duplicate copies), its inner CV using the corpus's 5 folds. The
``generated`` head is trained on the Salminen subset (8,000 texts), inner CV stratified
3-fold (seed 0).
"""

import argparse
import csv
import gzip
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]
from sklearn.svm import LinearSVC  # type: ignore[import-untyped]

from candor.trust import text as tm
from candor.trust.table import FloatArray, IntArray

MODEL_VERSION = "2.0.0"
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
SEED = 0
INNER_FOLDS = 3  # for corpora without given folds

OP_SPAM = Path("op_spam_v1.4") / "op_spam_v1.4.csv"
SALMINEN = Path("salminen_fake_reviews_subset") / "salminen_fake_reviews_8k_subset.csv.gz"


def shared_data_dir() -> Path:
    """$CANDOR_SHARED_DATA, else ../shared/data next to the repository root."""
    env = os.environ.get("CANDOR_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Labelled:
    texts: list[str]
    y: IntArray  # 1 = deceptive / computer-generated
    fold: IntArray  # given fold (op_spam) or -1
    polarity: list[str]  # op_spam only, else ""
    source_sha256: str


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_op_spam(data_dir: Path | None = None) -> Labelled:
    """op_spam v1.4, one copy of each of the 4 duplicated texts kept.

    The duplicates are 4 pairs of identical negative truthful reviews, each pair inside
    one fold: dropping the second copy (same polarity, fold and text) changes no fold
    boundary and stops one review counting twice in training or in a test fold.
    """
    path = (data_dir or shared_data_dir()) / OP_SPAM
    seen: set[tuple[str, str, str]] = set()
    texts, y, fold, polarity = [], [], [], []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = (row["polarity"], row["fold"], row["text"])
            if key in seen:
                continue
            seen.add(key)
            texts.append(row["text"])
            y.append(row["label"] == "deceptive")
            fold.append(int(row["fold"]))
            polarity.append(row["polarity"])
    return Labelled(texts, np.array(y, np.int64), np.array(fold, np.int64), polarity, _sha256(path))


def load_salminen(data_dir: Path | None = None) -> Labelled:
    path = (data_dir or shared_data_dir()) / SALMINEN
    texts, y = [], []
    with gzip.open(path, "rt", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            texts.append(row["text"])
            y.append(row["label"] == "CG")
    n = len(texts)
    return Labelled(texts, np.array(y, np.int64), np.full(n, -1), [""] * n, _sha256(path))


# ---------------------------------------------------------------- features


@dataclass(frozen=True)
class Counted:
    """Hashed n-gram counts of a corpus (word and char buckets), plus style rates."""

    word: sp.csr_matrix
    char: sp.csr_matrix
    style: FloatArray


def count(texts: Sequence[str]) -> Counted:
    """Count once, label-free; per-split feature spaces are column subsets of this."""
    cleaned, _ = tm.clean_texts(texts)
    counts = tm.count_matrix(cleaned)
    return Counted(
        sp.csr_matrix(counts[:, : tm.BLOCK_SIZE]),
        sp.csr_matrix(counts[:, tm.BLOCK_SIZE :]),
        tm.style_matrix(cleaned),
    )


def document_frequency(counts: sp.csr_matrix, rows: IntArray) -> IntArray:
    sub = counts[rows]
    return np.bincount(sub.indices, minlength=counts.shape[1]).astype(np.int64)


@dataclass(frozen=True)
class Space:
    """The feature space fitted on some training rows."""

    word_columns: IntArray
    word_df: IntArray
    char_columns: IntArray
    char_df: IntArray
    n_docs: int
    style_mean: FloatArray
    style_scale: FloatArray


def fit_space(c: Counted, rows: IntArray) -> Space:
    wdf = document_frequency(c.word, rows)
    cdf = document_frequency(c.char, rows)
    wcols = np.flatnonzero(wdf >= tm.MIN_DF)
    ccols = np.flatnonzero(cdf >= tm.MIN_DF)
    mean = c.style[rows].mean(axis=0)
    scale = c.style[rows].std(axis=0)
    scale[scale == 0] = 1.0
    return Space(wcols, wdf[wcols], ccols, cdf[ccols], len(rows), mean, scale)


def design(c: Counted, space: Space, rows: IntArray) -> sp.csr_matrix:
    """[tfidf(word) | tfidf(char) | STYLE_WEIGHT * standardised style] for ``rows``."""
    xw = tm.tfidf(c.word[rows][:, space.word_columns], space.word_df, space.n_docs)
    xc = tm.tfidf(c.char[rows][:, space.char_columns], space.char_df, space.n_docs)
    z = (c.style[rows] - space.style_mean) / space.style_scale * tm.STYLE_WEIGHT
    return sp.hstack([xw, xc, sp.csr_matrix(z)], format="csr")


def svm(c_value: float) -> LinearSVC:
    return LinearSVC(C=c_value, dual=True, random_state=SEED, max_iter=20_000)


@dataclass(frozen=True)
class HeadFit:
    space: Space
    coef: FloatArray
    intercept: float
    c_value: float
    inner_accuracy: dict[float, float]
    platt_a: float
    platt_b: float

    def decision(self, c: Counted, rows: IntArray) -> FloatArray:
        return np.asarray(design(c, self.space, rows) @ self.coef + self.intercept)


def inner_splits(y: IntArray, groups: IntArray | None) -> list[tuple[IntArray, IntArray]]:
    """Positions (into the training rows) of inner train/validation splits."""
    if groups is not None and len(np.unique(groups)) >= 3:
        return [
            (np.flatnonzero(groups != g), np.flatnonzero(groups == g)) for g in np.unique(groups)
        ]
    k = int(min(INNER_FOLDS, np.bincount(y).min()))
    skf = StratifiedKFold(k, shuffle=True, random_state=SEED)
    return [(a, b) for a, b in skf.split(np.zeros(len(y)), y)]


def train_head(
    c: Counted,
    y: IntArray,
    rows: IntArray,
    groups: IntArray | None = None,
    c_grid: Sequence[float] = C_GRID,
) -> HeadFit:
    """Nested selection of C inside ``rows`` only, Platt sigmoid, final fit on ``rows``."""
    ytr = y[rows]
    oof = {cv: np.zeros(len(rows)) for cv in c_grid}
    for a, b in inner_splits(ytr, None if groups is None else groups[rows]):
        space = fit_space(c, rows[a])
        xa, xb = design(c, space, rows[a]), design(c, space, rows[b])
        for cv in c_grid:
            oof[cv][b] = svm(cv).fit(xa, ytr[a]).decision_function(xb)
    accuracy = {cv: float(((oof[cv] > 0) == ytr).mean()) for cv in c_grid}
    best = max(c_grid, key=lambda cv: (accuracy[cv], -cv))  # ties: the smaller C
    platt = LogisticRegression(C=1e4, max_iter=1000).fit(oof[best].reshape(-1, 1), ytr)
    space = fit_space(c, rows)
    model = svm(best).fit(design(c, space, rows), ytr)
    return HeadFit(
        space,
        model.coef_.ravel().astype(np.float64),
        float(model.intercept_[0]),
        best,
        accuracy,
        float(platt.coef_[0, 0]),
        float(platt.intercept_[0]),
    )


# ---------------------------------------------------------------- the shipped model


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez_compressed with fixed zip timestamps, so equal arrays give equal bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def build_arrays(corpora: dict[str, tuple[Counted, HeadFit]]) -> dict[str, np.ndarray]:
    """Each head's kept buckets, document frequencies and coefficients."""
    arrays: dict[str, np.ndarray] = {}
    for name in tm.HEADS:
        _, h = corpora[name]
        s = h.space
        nw, nc = len(s.word_columns), len(s.char_columns)
        p = f"{name}_"
        arrays[p + "word_columns"] = s.word_columns.astype(np.uint32)
        arrays[p + "word_df"] = s.word_df.astype(np.uint32)
        arrays[p + "char_columns"] = s.char_columns.astype(np.uint32)
        arrays[p + "char_df"] = s.char_df.astype(np.uint32)
        arrays[p + "n_docs"] = np.array([s.n_docs], np.int64)
        arrays[p + "style_mean"] = s.style_mean.astype(np.float64)
        arrays[p + "style_scale"] = s.style_scale.astype(np.float64)
        arrays[p + "coef_word"] = h.coef[:nw].astype(np.float32)
        arrays[p + "coef_char"] = h.coef[nw : nw + nc].astype(np.float32)
        arrays[p + "coef_style"] = h.coef[nw + nc :].astype(np.float64)
        arrays[p + "scalars"] = np.array([h.intercept, h.platt_a, h.platt_b], np.float64)
    return arrays


def subset(y: IntArray, limit: int | None) -> IntArray:
    """All rows, or (for tests) the first limit // 2 rows of each class, in corpus order."""
    if limit is None:
        return np.arange(len(y))
    per_class = [np.flatnonzero(y == k)[: limit // 2] for k in (0, 1)]
    return np.sort(np.concatenate(per_class))


def train(
    out_dir: Path,
    data_dir: Path | None = None,
    limit: int | None = None,
) -> dict[str, object]:
    """Train both heads and write the model files; ``limit`` keeps about that many rows of
    each corpus (for tests). Returns the metadata written to the JSON file."""
    op, sal = load_op_spam(data_dir), load_salminen(data_dir)
    heads: dict[str, tuple[Counted, HeadFit]] = {}
    meta_heads: dict[str, object] = {}
    for name, data, groups in (("deceptive", op, op.fold), ("generated", sal, None)):
        keep = subset(data.y, limit)
        y = data.y[keep]
        counted = count([data.texts[i] for i in keep])
        fit = train_head(counted, y, np.arange(len(keep)), None if groups is None else groups[keep])
        heads[name] = (counted, fit)
        meta_heads[name] = {
            "training_texts": len(keep),
            "positive_texts": int(y.sum()),
            "source_sha256": data.source_sha256,
            "svm_C": fit.c_value,
            "inner_cv_accuracy": {str(k): round(v, 6) for k, v in fit.inner_accuracy.items()},
            "word_buckets": len(fit.space.word_columns),
            "char_buckets": len(fit.space.char_columns),
            "platt": [round(fit.platt_a, 9), round(fit.platt_b, 9)],
        }
    arrays = build_arrays(heads)
    out_dir.mkdir(parents=True, exist_ok=True)
    npz = out_dir / tm.MODEL_NPZ.name
    _write_npz(npz, arrays)
    meta: dict[str, object] = {
        "version": MODEL_VERSION,
        "heads": meta_heads,
        "recipe": {
            "word_ngrams": list(tm.WORD_NGRAMS),
            "char_ngrams": list(tm.CHAR_NGRAMS),
            "hash_bits": tm.HASH_BITS,
            "min_df": tm.MIN_DF,
            "style_weight": tm.STYLE_WEIGHT,
            "style_features": list(tm.STYLE_NAMES),
            "c_grid": list(C_GRID),
            "max_chars": tm.MAX_CHARS,
            "min_words": tm.MIN_WORDS,
        },
        "thresholds": {
            "deceptive_text": tm.DECEPTIVE_THRESHOLD,
            "generated_text": tm.GENERATED_THRESHOLD,
        },
        "npz_sha256": _sha256(npz),
        "command": "python -m research.train_text",
    }
    (out_dir / tm.MODEL_JSON.name).write_text(
        json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return meta


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m research.train_text", description="Retrain the shipped text model."
    )
    parser.add_argument("--data", type=Path, default=None, help="shared data directory")
    parser.add_argument("--out", type=Path, default=tm.MODEL_DIR, help="output directory")
    parser.add_argument("--limit", type=int, default=None, help="about N rows per corpus (tests)")
    args = parser.parse_args(argv)
    meta = train(args.out, args.data, args.limit)
    print(json.dumps(meta["heads"], indent=2, sort_keys=True))
    npz = args.out / tm.MODEL_NPZ.name
    print(f"wrote {npz} ({npz.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
