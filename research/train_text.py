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
   with the training rows' document frequencies (as TfidfVectorizer fitted on them would);
   optionally each kept bucket's value scaled by its naive-Bayes log-count ratio between
   the classes (Wang & Manning 2012, smoothed by NB_ALPHA), square-rooted with its sign
   kept, so that a bucket that separates the classes in the training rows counts for more.
3. Choose the setting (naive-Bayes scaling or not, the SVM's C from C_GRID) by
   cross-validation inside the training rows only (the features of each inner split are
   rebuilt from its inner-training rows) and keep the out-of-fold decision values of the
   chosen setting.
4. Turn decision values into probabilities: boosted trees (TREES) over the out-of-fold
   decision value and the 26 style rates when, over the same inner splits, they classify
   more of the training rows correctly than the decision value's sign does; otherwise a
   Platt sigmoid on the out-of-fold decision values. The trees can use the style rates
   non-linearly (a length, a rate of repeated trigrams), which the linear SVM cannot.
5. Fit LinearSVC(C) on all training rows.

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
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]
from sklearn.svm import LinearSVC  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from candor.trust import text as tm
from candor.trust.combine import Trees, export_trees
from candor.trust.table import FloatArray, IntArray

MODEL_VERSION = "3.0.0"
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
Setting = tuple[bool, float]  # (naive-Bayes scaling, the SVM's C)
SETTINGS: tuple[Setting, ...] = tuple((nb, cv) for nb in (False, True) for cv in C_GRID)
NB_ALPHA = 1.0
TREES = {"max_leaf_nodes": 4, "learning_rate": 0.05, "max_iter": 300}
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
    word_ratio: FloatArray  # the naive-Bayes scale of each kept word bucket
    char_ratio: FloatArray


def nb_ratio(counts: sp.csr_matrix, y: IntArray) -> FloatArray:
    """Signed square root of the smoothed log-count ratio of each column's presence in
    the positive against the negative texts (binarised counts, as Wang & Manning 2012)."""
    present = sp.csr_matrix(counts, copy=True)
    present.data[:] = 1.0
    p = NB_ALPHA + np.asarray(present[y == 1].sum(axis=0)).ravel()
    q = NB_ALPHA + np.asarray(present[y == 0].sum(axis=0)).ravel()
    r = np.log(p / p.sum()) - np.log(q / q.sum())
    return np.asarray(np.sign(r) * np.sqrt(np.abs(r)), dtype=np.float64)


def fit_space(c: Counted, rows: IntArray, y: IntArray, naive_bayes: bool) -> Space:
    """The kept buckets, idf, style scaling and (when ``naive_bayes``, else ratios of 1)
    naive-Bayes ratios of training ``rows`` (``y``: the whole corpus's labels)."""
    wdf = document_frequency(c.word, rows)
    cdf = document_frequency(c.char, rows)
    wcols = np.flatnonzero(wdf >= tm.MIN_DF)
    ccols = np.flatnonzero(cdf >= tm.MIN_DF)
    mean = c.style[rows].mean(axis=0)
    scale = c.style[rows].std(axis=0)
    scale[scale == 0] = 1.0
    wratio, cratio = np.ones(len(wcols)), np.ones(len(ccols))
    if naive_bayes:
        wratio = nb_ratio(c.word[rows][:, wcols], y[rows])
        cratio = nb_ratio(c.char[rows][:, ccols], y[rows])
    return Space(wcols, wdf[wcols], ccols, cdf[ccols], len(rows), mean, scale, wratio, cratio)


def design(c: Counted, space: Space, rows: IntArray) -> sp.csr_matrix:
    """[tfidf(word) * ratio | tfidf(char) * ratio | STYLE_WEIGHT * standardised style]."""
    xw = tm.tfidf(c.word[rows][:, space.word_columns], space.word_df, space.n_docs)
    xc = tm.tfidf(c.char[rows][:, space.char_columns], space.char_df, space.n_docs)
    z = (c.style[rows] - space.style_mean) / space.style_scale * tm.STYLE_WEIGHT
    xw = xw @ sp.diags(space.word_ratio)
    xc = xc @ sp.diags(space.char_ratio)
    return sp.hstack([xw, xc, sp.csr_matrix(z)], format="csr")


def svm(c_value: float) -> LinearSVC:
    return LinearSVC(C=c_value, dual=True, random_state=SEED, max_iter=20_000)


@dataclass(frozen=True)
class HeadFit:
    space: Space
    coef: FloatArray
    intercept: float
    setting: Setting
    inner_accuracy: dict[Setting, float]
    platt_a: float
    platt_b: float
    trees: Trees | None  # boosted trees over (style rates, decision), when chosen
    tree_baseline: float
    inner_tree_accuracy: float

    def decision(self, c: Counted, rows: IntArray) -> FloatArray:
        return np.asarray(design(c, self.space, rows) @ self.coef + self.intercept)

    def logit(self, c: Counted, rows: IntArray) -> FloatArray:
        """The head's log-odds for ``rows``: the trees' when it has them, else the decision
        value (whose sign the Platt sigmoid keeps, up to its small offset)."""
        d = self.decision(c, rows)
        if self.trees is None:
            return d
        columns = tm.tree_columns(c.style[rows], d)
        return self.tree_baseline + self.trees.total(columns, len(rows))


def inner_splits(y: IntArray, groups: IntArray | None) -> list[tuple[IntArray, IntArray]]:
    """Positions (into the training rows) of inner train/validation splits."""
    if groups is not None and len(np.unique(groups)) >= 3:
        return [
            (np.flatnonzero(groups != g), np.flatnonzero(groups == g)) for g in np.unique(groups)
        ]
    k = int(min(INNER_FOLDS, np.bincount(y).min()))
    skf = StratifiedKFold(k, shuffle=True, random_state=SEED)
    return [(a, b) for a, b in skf.split(np.zeros(len(y)), y)]


def fit_trees(style: FloatArray, decision: FloatArray, y: IntArray) -> tuple[Trees, float]:
    """Boosted trees (TREES) over the style rates and the decision value."""
    x = np.column_stack([style, decision])  # as tm.tree_columns orders them
    model = HistGradientBoostingClassifier(**TREES, early_stopping=False, random_state=SEED)
    with threadpool_limits(1):  # tiny fits: OpenMP threads cost more than they save
        return export_trees(model.fit(x, y))


def trees_accuracy(
    style: FloatArray, decision: FloatArray, y: IntArray, splits: list[tuple[IntArray, IntArray]]
) -> float:
    """Accuracy of trees fitted on each split's first part, on its second part."""
    right = 0
    for a, b in splits:
        trees, baseline = fit_trees(style[a], decision[a], y[a])
        logit = baseline + trees.total(tm.tree_columns(style[b], decision[b]), len(b))
        right += int(((logit > 0) == y[b]).sum())
    return right / len(y)


def train_head(
    c: Counted,
    y: IntArray,
    rows: IntArray,
    groups: IntArray | None = None,
    settings: Sequence[Setting] = SETTINGS,
) -> HeadFit:
    """Nested selection of the setting (naive-Bayes scaling or not, C) and of trees against
    a Platt sigmoid inside ``rows`` only, final fit on ``rows``."""
    ytr = y[rows]
    oof = {setting: np.zeros(len(rows)) for setting in settings}
    splits = inner_splits(ytr, None if groups is None else groups[rows])
    for a, b in splits:
        for naive_bayes in sorted({nb for nb, _ in settings}):
            space = fit_space(c, rows[a], y, naive_bayes)
            xa, xb = design(c, space, rows[a]), design(c, space, rows[b])
            for setting in [s for s in settings if s[0] == naive_bayes]:
                oof[setting][b] = svm(setting[1]).fit(xa, ytr[a]).decision_function(xb)
    accuracy = {s: float(((oof[s] > 0) == ytr).mean()) for s in settings}
    # ties: without naive-Bayes scaling, then the smaller C
    best = max(settings, key=lambda s: (accuracy[s], not s[0], -s[1]))
    platt = LogisticRegression(C=1e4, max_iter=1000).fit(oof[best].reshape(-1, 1), ytr)
    style = c.style[rows]
    tree_accuracy = trees_accuracy(style, oof[best], ytr, splits)
    trees, baseline = (
        fit_trees(style, oof[best], ytr) if tree_accuracy > accuracy[best] else (None, 0.0)
    )
    space = fit_space(c, rows, y, best[0])
    model = svm(best[1]).fit(design(c, space, rows), ytr)
    return HeadFit(
        space,
        model.coef_.ravel().astype(np.float64),
        float(model.intercept_[0]),
        best,
        accuracy,
        float(platt.coef_[0, 0]),
        float(platt.intercept_[0]),
        trees,
        baseline,
        tree_accuracy,
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
        # the naive-Bayes scale of a bucket is folded into its coefficient
        arrays[p + "coef_word"] = (h.coef[:nw] * s.word_ratio).astype(np.float32)
        arrays[p + "coef_char"] = (h.coef[nw : nw + nc] * s.char_ratio).astype(np.float32)
        arrays[p + "coef_style"] = h.coef[nw + nc :].astype(np.float64)
        arrays[p + "scalars"] = np.array(
            [h.intercept, h.platt_a, h.platt_b, h.tree_baseline], np.float64
        )
        arrays.update(tree_arrays(p, h.trees))
    return arrays


def tree_arrays(prefix: str, trees: Trees | None) -> dict[str, np.ndarray]:
    """A head's trees as arrays (no nodes, no roots: the head has none)."""
    t = trees or Trees(*(np.zeros(0, dtype) for dtype in tm.TREE_DTYPES.values()))
    return {
        prefix + "tree_" + field: np.asarray(getattr(t, field), dtype)
        for field, dtype in tm.TREE_DTYPES.items()
    }


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
            "svm_C": fit.setting[1],
            "naive_bayes": fit.setting[0],
            "inner_cv_accuracy": {
                f"C={cv}{' naive-Bayes' if nb else ''}": round(v, 6)
                for (nb, cv), v in fit.inner_accuracy.items()
            },
            "word_buckets": len(fit.space.word_columns),
            "char_buckets": len(fit.space.char_columns),
            "platt": [round(fit.platt_a, 9), round(fit.platt_b, 9)],
            "inner_cv_trees_accuracy": round(fit.inner_tree_accuracy, 6),
            "probability": "trees" if fit.trees is not None else "platt",
            "trees": 0 if fit.trees is None else len(fit.trees.roots),
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
            "nb_alpha": NB_ALPHA,
            "trees": TREES,
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
