"""Deceptive and computer-generated review text: a small linear text model.

Two heads share one featurisation of the text:

- ``deceptive``: trained on the Deceptive Opinion Spam corpus (Ott et al. 2011, 2013):
  hotel reviews written to order by crowd workers who never stayed there, against real
  reviews. It measures the *style* of invented first-hand experience.
- ``generated``: trained on the Salminen et al. (2022) subset: GPT-2 text fine-tuned on
  Amazon reviews, against the human reviews it imitates.

Features per text (the same for both heads; each head keeps only the n-grams that occur
in at least two of its own training texts, with its own document frequencies):

- word 1-3-grams, case kept, punctuation marks as tokens; char 1-5-grams, case kept;
  both on the text wrapped in start/end markers (so "ends mid-sentence" is a feature);
  sublinear tf, idf, l2-normalised per block;
- 26 stylometric rates (first-person pronouns, function words, superlatives, punctuation,
  sentence length, type/token ratio, repeated trigrams, ...), standardised and down-weighted.

A linear SVM per head gives a decision value; a Platt sigmoid fitted on cross-validated
decision values turns it into a probability. Both training sets are balanced (50/50),
so the probabilities are "how much does this look like the positive class under an even
prior", not the chance that a review on Candor is fake: real prevalence is far lower,
hence the high flag thresholds below.

Input handling: ``None`` and non-string entries score as empty text; texts longer than
``MAX_CHARS`` characters are analysed on their first ``MAX_CHARS`` characters and flagged
``text_truncated``. Texts with fewer than ``MIN_WORDS`` whitespace-separated words get
probability 0 from both heads: there is nothing to judge in "Great book!", and scripts
written without spaces (Chinese, Japanese) fall under this rule too, which is right for a
model trained on English only. Texts are scored in batches of ``BATCH`` to bound memory.

The model lives in ``candor/trust/models/`` as ``text_model.npz`` (arrays only, loaded
with ``allow_pickle=False``, so loading runs no code) and ``text_model.json`` (version,
thresholds, provenance). ``python -m research.train_text`` rebuilds both
byte-for-byte.
"""

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import CountVectorizer  # type: ignore[import-untyped]

from candor.trust.table import BoolArray, FloatArray, IntArray, Reviews, SignalOutput

MODEL_DIR = Path(__file__).parent / "models"
MODEL_NPZ = MODEL_DIR / "text_model.npz"
MODEL_JSON = MODEL_DIR / "text_model.json"

MAX_CHARS = 5_000  # longest training text: 4,158 characters
MIN_WORDS = 5  # shorter texts are not scored (probability 0)
BATCH = 2_048  # texts featurised at a time
DECEPTIVE_THRESHOLD = 0.9  # flag "deceptive_text" at or above this probability
GENERATED_THRESHOLD = 0.9  # flag "generated_text" at or above this probability
HEADS = ("deceptive", "generated")

START, END = "\x02", "\x03"
WORD_TOKEN = r"(?u)\b\w+\b|[^\w\s]"
WORD_NGRAMS = (1, 3)
CHAR_NGRAMS = (1, 5)
MIN_DF = 2
STYLE_WEIGHT = 0.02

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SENTENCE_END = re.compile(r"[.!?]+")
_RUN_ON = re.compile(r"[a-z][.!?][A-Z]")
_FIRST_SINGULAR = frozenset(["i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll"])
_FIRST_PLURAL = frozenset(["we", "us", "our", "ours", "ourselves", "we're", "we've"])
_SECOND = frozenset(["you", "your", "yours", "yourself", "you're"])
_THIRD = frozenset(
    ["he", "she", "they", "him", "her", "them", "his", "hers", "their", "theirs", "it", "its"]
)
_FUNCTION = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "by",
        "from",
        "as",
        "is",
        "was",
        "were",
        "be",
        "been",
        "are",
        "this",
        "that",
        "these",
        "those",
        "it",
        "not",
        "no",
        "so",
        "very",
        "too",
        "than",
        "then",
        "there",
        "here",
    ]
)
_SUPERLATIVE = frozenset(
    [
        "best",
        "worst",
        "most",
        "least",
        "greatest",
        "finest",
        "amazing",
        "perfect",
        "excellent",
        "wonderful",
        "terrible",
        "horrible",
        "awful",
        "fantastic",
        "incredible",
        "luxurious",
    ]
)
_NEGATION = frozenset(
    ["not", "no", "never", "don't", "didn't", "wasn't", "isn't", "can't", "won't"]
)
STYLE_NAMES = (
    "log_chars",
    "log_words",
    "mean_word_length",
    "mean_sentence_words",
    "type_token_ratio",
    "first_person_singular",
    "first_person_plural",
    "second_person",
    "third_person",
    "function_words",
    "superlatives",
    "est_words",
    "negations",
    "exclamations",
    "questions",
    "commas",
    "digits",
    "uppercase",
    "all_caps_words",
    "ends_with_punctuation",
    "run_on_sentences",
    "repeated_trigrams",
    "newlines",
    "double_spaces",
    "parentheses",
    "double_quotes",
)


def clean_texts(texts: Iterable[object], max_chars: int = MAX_CHARS) -> tuple[list[str], BoolArray]:
    """Strings to analyse (None/non-str -> "", cut to max_chars) and which were cut."""
    cleaned: list[str] = []
    truncated: list[bool] = []
    for text in texts:
        value = text if isinstance(text, str) else ""
        truncated.append(len(value) > max_chars)
        cleaned.append(value[:max_chars])
    return cleaned, np.array(truncated, dtype=bool)


def marked(texts: Sequence[str]) -> list[str]:
    """Wrap texts in start/end markers so n-grams see where a text begins and ends."""
    return [f"{START} {text} {END}" for text in texts]


def word_vectorizer(vocabulary: Mapping[str, int] | None = None) -> CountVectorizer:
    return CountVectorizer(
        ngram_range=WORD_NGRAMS,
        lowercase=False,
        token_pattern=WORD_TOKEN,
        vocabulary=vocabulary,
        dtype=np.float64,
    )


# Char n-grams are counted with numpy instead of CountVectorizer(analyzer="char"), which
# makes a Python string and a dict lookup per n-gram (~5x slower overall). Each n-gram is
# identified by a 64-bit polynomial hash of its code points; the result is the same count
# matrix as CountVectorizer's (tests check this), barring a 64-bit hash collision, which
# the vocabulary loader would detect among known n-grams.
_WHITESPACE_RUN = re.compile(r"\s\s+")  # what sklearn's char analyzer collapses to " "
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, IntArray]:
    """Code points + 1 (so no n-gram hashes to 0) of all texts joined, and text lengths."""
    joined = "".join(texts).encode("utf-32-le", "surrogatepass")
    points = np.frombuffer(joined, dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    return points, np.array([len(t) for t in texts], dtype=np.int64)


def char_ngram_hashes(texts: Sequence[str]) -> tuple[IntArray, np.ndarray, IntArray, IntArray]:
    """Every char n-gram (n in CHAR_NGRAMS) of every text, whitespace runs collapsed as
    sklearn does: (text index, hash, start offset in the joined normalised text, n)."""
    normal = [_WHITESPACE_RUN.sub(" ", t) for t in texts]
    points, lengths = _code_points(normal)
    total = len(points)
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    end = np.repeat(np.cumsum(lengths), lengths)  # exclusive end of each position's text
    start = np.arange(total, dtype=np.int64)
    h = np.zeros(total, dtype=np.uint64)
    docs, hashes, starts, sizes = [], [], [], []
    for n in range(1, CHAR_NGRAMS[1] + 1):
        valid = total - n + 1
        if valid <= 0:
            break
        h = h[:valid] * _HASH_MULTIPLIER + points[n - 1 :]
        if n < CHAR_NGRAMS[0]:
            continue
        inside = start[:valid] + n <= end[:valid]
        docs.append(doc[:valid][inside])
        hashes.append(h[inside])
        starts.append(start[:valid][inside])
        sizes.append(np.full(int(inside.sum()), n, dtype=np.int64))
    if not docs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0, dtype=np.uint64), empty, empty
    return (
        np.concatenate(docs),
        np.concatenate(hashes),
        np.concatenate(starts),
        np.concatenate(sizes),
    )


def hash_strings(strings: Sequence[str]) -> np.ndarray:
    """The char_ngram_hashes hash of each whole string."""
    points, lengths = _code_points(strings)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    h = np.zeros(len(strings), dtype=np.uint64)
    for k in range(int(lengths.max()) if len(strings) else 0):
        longer = lengths > k
        h[longer] = h[longer] * _HASH_MULTIPLIER + points[offsets[longer] + k]
    return h


def char_counts_fit(texts: Sequence[str]) -> tuple[sp.csr_matrix, list[str]]:
    """Count matrix and sorted vocabulary of all char n-grams of ``texts`` (the same as
    CountVectorizer(analyzer="char", lowercase=False).fit_transform)."""
    doc, hashes, starts, sizes = char_ngram_hashes(texts)
    # np.unique by a stable sort (numpy 2's hash-based unique is far slower on hashes)
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    new = np.concatenate([[True], ordered[1:] != ordered[:-1]]) if len(order) else order > 0
    unique = ordered[new]
    first = order[new]
    column = np.empty(len(hashes), dtype=np.int64)
    column[order] = np.cumsum(new) - 1
    normal = "".join(_WHITESPACE_RUN.sub(" ", t) for t in texts)
    strings = [
        normal[a : a + n]
        for a, n in zip(starts[first].tolist(), sizes[first].tolist(), strict=True)
    ]
    by_string = sorted(range(len(strings)), key=strings.__getitem__)
    rank = np.empty(len(by_string), dtype=np.int64)
    rank[by_string] = np.arange(len(by_string))
    counts = sp.csr_matrix(
        (np.ones(len(doc)), (doc, rank[column])), shape=(len(texts), len(unique))
    )
    counts.sum_duplicates()
    return counts, [strings[i] for i in by_string]


class CharCounter:
    """Char n-gram counts over a fixed vocabulary (the inference side of char_counts_fit)."""

    def __init__(self, vocabulary: Sequence[str]) -> None:
        hashes = hash_strings(vocabulary)
        order = np.argsort(hashes, kind="stable")
        self.sorted_hashes = hashes[order]
        self.columns = order.astype(np.int64)
        if len(hashes) and np.any(self.sorted_hashes[1:] == self.sorted_hashes[:-1]):
            raise ValueError("char vocabulary has a 64-bit hash collision")
        self.n_columns = len(vocabulary)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        doc, hashes, _, _ = char_ngram_hashes(texts)
        if not len(self.sorted_hashes):
            return sp.csr_matrix((len(texts), self.n_columns))
        at = np.minimum(np.searchsorted(self.sorted_hashes, hashes), len(self.sorted_hashes) - 1)
        hit = self.sorted_hashes[at] == hashes
        counts = sp.csr_matrix(
            (np.ones(int(hit.sum())), (doc[hit], self.columns[at[hit]])),
            shape=(len(texts), self.n_columns),
        )
        counts.sum_duplicates()
        return counts


def style_features(text: str) -> list[float]:
    """The 26 stylometric rates of STYLE_NAMES for one text (all finite, 0 for "")."""
    words = _WORD.findall(text)
    lower = [w.lower() for w in words]
    n = max(1, len(words))
    n_chars = max(1, len(text))
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    trigrams = list(zip(lower, lower[1:], lower[2:], strict=False))
    return [
        float(np.log1p(len(text))),
        float(np.log1p(len(words))),
        sum(map(len, words)) / n,
        len(words) / max(1, len(sentences)),
        len(set(lower)) / n,
        sum(w in _FIRST_SINGULAR for w in lower) / n,
        sum(w in _FIRST_PLURAL for w in lower) / n,
        sum(w in _SECOND for w in lower) / n,
        sum(w in _THIRD for w in lower) / n,
        sum(w in _FUNCTION for w in lower) / n,
        sum(w in _SUPERLATIVE for w in lower) / n,
        sum(len(w) > 4 and w.endswith("est") for w in lower) / n,
        sum(w in _NEGATION for w in lower) / n,
        text.count("!") / n,
        text.count("?") / n,
        text.count(",") / n,
        sum(map(str.isdigit, text)) / n_chars,
        sum(map(str.isupper, text)) / n_chars,
        sum(len(w) > 1 and w.isupper() for w in words) / n,
        float(text.rstrip().endswith((".", "!", "?", ")", '"', "'"))),
        len(_RUN_ON.findall(text)) / n,
        (1.0 - len(set(trigrams)) / len(trigrams)) if trigrams else 0.0,
        text.count("\n") / n,
        text.count("  ") / n,
        text.count("(") / n,
        text.count('"') / n,
    ]


def style_matrix(texts: Sequence[str]) -> FloatArray:
    out = np.array([style_features(t) for t in texts], dtype=np.float64)
    return out.reshape(len(texts), len(STYLE_NAMES))


def word_counts(texts: Sequence[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def tfidf(counts: sp.csr_matrix, df: FloatArray | IntArray, n_docs: int) -> sp.csr_matrix:
    """Sublinear tf x smooth idf, l2-normalised rows: sklearn's TfidfVectorizer(
    sublinear_tf=True) given the training document frequencies ``df``."""
    out = counts.tocsr(copy=True).astype(np.float64)
    np.log(out.data, out=out.data)
    out.data += 1.0
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    out = out @ sp.diags(idf)
    out = sp.csr_matrix(out)
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ out)


def _linear_tfidf(counts: sp.csr_matrix, idf: FloatArray, coef: FloatArray) -> FloatArray:
    """Per row, ``tfidf(counts restricted to the terms where idf > 0) @ coef``, with
    `tfidf`'s formulas (sublinear tf, the given idf, l2-normalised rows), in one pass
    over the stored counts."""
    counts = sp.csr_matrix(counts)
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    values = (np.log(counts.data) + 1.0) * idf[counts.indices]
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=counts.shape[0]))
    norms[norms == 0] = 1.0
    dots = np.bincount(rows, weights=values * coef[counts.indices], minlength=counts.shape[0])
    result: FloatArray = dots / norms
    return result


def sigmoid(x: FloatArray) -> FloatArray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@dataclass(frozen=True)
class Head:
    """One linear head over the shared n-gram vocabulary (see module docstring)."""

    word_columns: IntArray  # indices into the shared word vocabulary
    word_df: FloatArray
    char_columns: IntArray
    char_df: FloatArray
    n_docs: int
    style_mean: FloatArray
    style_scale: FloatArray
    coef_word: FloatArray
    coef_char: FloatArray
    coef_style: FloatArray
    intercept: float
    platt_a: float
    platt_b: float

    # Per vocabulary size: (idf, coefficient) over the whole shared vocabulary, 0 where
    # this head does not use the term (see `_linear_tfidf`).
    _spread: dict[tuple[str, int], tuple[FloatArray, FloatArray]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def decision(self, word: sp.csr_matrix, char: sp.csr_matrix, style: FloatArray) -> FloatArray:
        """``tfidf(word[:, word_columns]) @ coef_word + ... + intercept`` per row,
        computed on the stored counts alone: selecting columns of a sparse matrix with
        the whole vocabulary's width cost milliseconds per call, which every posted
        review paid."""
        xw = _linear_tfidf(word, *self._spread_over("word", word.shape[1]))
        xc = _linear_tfidf(char, *self._spread_over("char", char.shape[1]))
        z = (style - self.style_mean) / self.style_scale * STYLE_WEIGHT
        return np.asarray(xw + xc + z @ self.coef_style + self.intercept, dtype=np.float64)

    def _spread_over(self, kind: str, size: int) -> tuple[FloatArray, FloatArray]:
        key = (kind, size)
        if key not in self._spread:
            columns = self.word_columns if kind == "word" else self.char_columns
            df = self.word_df if kind == "word" else self.char_df
            coef = self.coef_word if kind == "word" else self.coef_char
            idf, weights = np.zeros(size), np.zeros(size)
            idf[columns] = np.log((1.0 + self.n_docs) / (1.0 + df)) + 1.0
            weights[columns] = coef
            self._spread[key] = (idf, weights)
        return self._spread[key]

    def probability(self, decision: FloatArray) -> FloatArray:
        return sigmoid(self.platt_a * decision + self.platt_b)


def decode_strings(data: np.ndarray, offsets: np.ndarray) -> list[str]:
    """Inverse of encode_strings: UTF-8 bytes + end offsets -> strings."""
    raw = data.tobytes()
    starts = np.concatenate([[0], offsets[:-1]])
    return [
        raw[a:b].decode("utf-8") for a, b in zip(starts.tolist(), offsets.tolist(), strict=True)
    ]


def encode_strings(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.cumsum([len(b) for b in encoded], dtype=np.int64)
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


class TextModel:
    """The shipped model: a shared vocabulary and the two heads. Use ``TextModel.load()``."""

    def __init__(
        self,
        word_vocabulary: list[str],
        char_vocabulary: list[str],
        heads: dict[str, Head],
        meta: dict[str, object],
    ) -> None:
        self.word = word_vectorizer({t: i for i, t in enumerate(word_vocabulary)})
        self.char = CharCounter(char_vocabulary)
        self.heads = heads
        self.meta = meta
        self.version = str(meta.get("version", "unknown"))

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, object]) -> "TextModel":
        word_vocab = decode_strings(arrays["word_vocab"], arrays["word_vocab_offsets"])
        char_vocab = decode_strings(arrays["char_vocab"], arrays["char_vocab_offsets"])
        heads = {}
        for name in HEADS:
            p = f"{name}_"
            scalars = arrays[p + "scalars"].astype(np.float64)
            heads[name] = Head(
                word_columns=arrays[p + "word_columns"].astype(np.int64),
                word_df=arrays[p + "word_df"].astype(np.float64),
                char_columns=arrays[p + "char_columns"].astype(np.int64),
                char_df=arrays[p + "char_df"].astype(np.float64),
                n_docs=int(arrays[p + "n_docs"].reshape(-1)[0]),
                style_mean=arrays[p + "style_mean"].astype(np.float64),
                style_scale=arrays[p + "style_scale"].astype(np.float64),
                coef_word=arrays[p + "coef_word"].astype(np.float64),
                coef_char=arrays[p + "coef_char"].astype(np.float64),
                coef_style=arrays[p + "coef_style"].astype(np.float64),
                intercept=float(scalars[0]),
                platt_a=float(scalars[1]),
                platt_b=float(scalars[2]),
            )
        return cls(word_vocab, char_vocab, heads, meta)

    @classmethod
    def from_files(cls, npz: Path = MODEL_NPZ, meta_json: Path = MODEL_JSON) -> "TextModel":
        with np.load(npz, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        meta = json.loads(meta_json.read_text(encoding="utf-8"))
        return cls.from_arrays(arrays, meta)

    @staticmethod
    @lru_cache(maxsize=1)
    def load() -> "TextModel":
        """The shipped model, read once per process (no network, no pickle)."""
        return TextModel.from_files()

    def decisions(self, texts: Sequence[str]) -> dict[str, FloatArray]:
        """Raw decision values per head for already-cleaned texts."""
        if not texts:
            return {name: np.zeros(0) for name in self.heads}
        m = marked(texts)
        word = self.word.transform(m).tocsr()
        char = self.char.transform(m).tocsr()
        style = style_matrix(texts)
        return {name: head.decision(word, char, style) for name, head in self.heads.items()}

    def score(self, texts: Sequence[object]) -> tuple[FloatArray, FloatArray]:
        """(deceptive probability, generated probability) per text; see module docstring."""
        cleaned, _ = clean_texts(texts)
        return self._score_clean(cleaned)

    def _score_clean(self, cleaned: list[str]) -> tuple[FloatArray, FloatArray]:
        n = len(cleaned)
        deceptive = np.zeros(n)
        generated = np.zeros(n)
        scored = np.flatnonzero(np.array(word_counts(cleaned), dtype=np.int64) >= MIN_WORDS)
        for start in range(0, len(scored), BATCH):
            batch = scored[start : start + BATCH]
            decisions = self.decisions([cleaned[i] for i in batch])
            deceptive[batch] = self.heads["deceptive"].probability(decisions["deceptive"])
            generated[batch] = self.heads["generated"].probability(decisions["generated"])
        return deceptive, generated


def score(texts: Sequence[object]) -> tuple[FloatArray, FloatArray]:
    """Module-level shortcut for ``TextModel.load().score(texts)``."""
    return TextModel.load().score(texts)


def text_signal(reviews: Reviews, model: TextModel | None = None) -> SignalOutput:
    """Features "text_deceptive", "text_generated" (probabilities); flags "deceptive_text"
    (>= DECEPTIVE_THRESHOLD), "generated_text" (>= GENERATED_THRESHOLD) and
    "text_truncated" (analysed on the first MAX_CHARS characters only)."""
    n = len(reviews)
    out = SignalOutput(name="text")
    if reviews.text is None:
        out.features = {"text_deceptive": np.zeros(n), "text_generated": np.zeros(n)}
        out.flags = {
            "deceptive_text": np.zeros(n, bool),
            "generated_text": np.zeros(n, bool),
            "text_truncated": np.zeros(n, bool),
        }
        return out
    cleaned, truncated = clean_texts(reviews.text)
    deceptive, generated = (model or TextModel.load())._score_clean(cleaned)
    out.features = {"text_deceptive": deceptive, "text_generated": generated}
    out.flags = {
        "deceptive_text": deceptive >= DECEPTIVE_THRESHOLD,
        "generated_text": generated >= GENERATED_THRESHOLD,
        "text_truncated": truncated,
    }
    out.numbers = {
        "deceptive_text": np.round(deceptive * 100.0),
        "generated_text": np.round(generated * 100.0),
        "text_truncated": np.where(truncated, float(MAX_CHARS), 0.0),
    }
    return out
