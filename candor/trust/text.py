"""Deceptive and computer-generated review text: a small, mostly linear text model.

Two heads share one featurisation of the text:

- ``deceptive``: trained on the Deceptive Opinion Spam corpus (Ott et al. 2011, 2013):
  hotel reviews written to order by crowd workers who never stayed there, against real
  reviews. It measures the *style* of invented first-hand experience.
- ``generated``: trained on the Salminen et al. (2022) subset: GPT-2 text fine-tuned on
  Amazon reviews, against the human reviews it imitates.

Features per text (the same for both heads):

- word 1-3-grams (a token is a run of word characters or one other non-space character,
  case kept) and char 1-5-grams (case kept, a run of whitespace read as one space), both
  on the text wrapped in start/end markers (so "ends mid-sentence" is a feature). Each
  n-gram is *hashed* to one of ``2**HASH_BITS`` buckets of its block (words, chars): no
  vocabulary is stored or looked up. Each head keeps the buckets that occur in at least
  two of its own training texts, with its own document frequencies; sublinear tf, idf,
  l2-normalised per block;
- 26 stylometric rates (first-person pronouns, function words, superlatives, punctuation,
  sentence length, type/token ratio, repeated trigrams, ...), standardised and down-weighted.

A linear SVM per head gives a decision value (training may scale each bucket by its
naive-Bayes log-count ratio first; the scale is folded into the bucket's coefficient, so
scoring does not see it). A head turns its decision value into a probability either with
a Platt sigmoid fitted on cross-validated decision values or, when that classified its
training texts better in cross-validation, with boosted trees (``Head.trees``, the
combiner's `Trees`) over the cross-validated decision value and the 26 raw style rates:
the trees can use a rate non-linearly (a length, a share of repeated trigrams), which the
SVM cannot. In model 3.0.0 the ``generated`` head has trees, the ``deceptive`` head a
sigmoid (research/train_text.py says how each is chosen). Both training sets are balanced (50/50),
so the probabilities are "how much does this look like the positive class under an even
prior", not the chance that a review on Candor is fake: real prevalence is far lower,
hence the high flag thresholds below.

Speed. A batch of texts becomes one array of code points; every n-gram hash, the counts
per text and bucket (one sort) and the style rates are numpy operations over that array,
with no Python loop per n-gram, word or text. The hashes are sums of per-position
multiples (``sum((code + 1) * R[k])`` over a gram's characters, then the same over a word
gram's token hashes), so each longer gram adds one multiply-add to the shorter one;
tests/trust/test_text_reference.py spells the same features out text by text and checks
that both agree.

Hashing instead of a vocabulary trades a little accuracy for speed: rare n-grams share
buckets with kept ones, so a bucket can pass the two-texts rule on the strength of two
different singletons. Cross-validated (``candor evaluate``), the vocabulary-based model
1.0.0, the hashed 2.0.0 and 3.0.0 (naive-Bayes scaling, trees): op_spam positive 0.9187,
0.9187, 0.9187; negative 0.8920, 0.8933, 0.8945; Salminen 0.9599, 0.9585, 0.9667. The
trees run once per chunk of texts (``CHUNK``), compiled, so 3.0.0 scores about as fast
as 2.0.0 (within 3%, run back to back with ``bench.trust_speed --text-only``).

Input handling: ``None`` and non-string entries score as empty text; texts longer than
``MAX_CHARS`` characters are analysed on their first ``MAX_CHARS`` characters and flagged
``text_truncated``. Texts with fewer than ``MIN_WORDS`` whitespace-separated words get
probability 0 from both heads: there is nothing to judge in "Great book!", and scripts
written without spaces (Chinese, Japanese) fall under this rule too, which is right for a
model trained on English only. Texts are featurised in batches of ``BATCH`` and their
probabilities computed in chunks of ``CHUNK`` texts, to bound memory.

The model lives in ``candor/trust/models/`` as ``text_model.npz`` (arrays only, loaded
with ``allow_pickle=False``, so loading runs no code) and ``text_model.json`` (version,
thresholds, provenance). ``python -m research.train_text`` rebuilds both
byte-for-byte.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]

from candor.trust.combine import Trees
from candor.trust.table import BoolArray, FloatArray, IntArray, Reviews, SignalOutput

MODEL_DIR = Path(__file__).parent / "models"
MODEL_NPZ = MODEL_DIR / "text_model.npz"
MODEL_JSON = MODEL_DIR / "text_model.json"

MAX_CHARS = 5_000  # longest training text: 4,158 characters
MIN_WORDS = 5  # shorter texts are not scored (probability 0)
BATCH = 256  # texts featurised at a time: their arrays stay in the CPU's caches
CHUNK = 1 << 16  # texts whose probabilities are computed together (bounds memory)
DECEPTIVE_THRESHOLD = 0.9  # flag "deceptive_text" at or above this probability
GENERATED_THRESHOLD = 0.9  # flag "generated_text" at or above this probability
HEADS = ("deceptive", "generated")

START, END = "\x02", "\x03"
WORD_NGRAMS = (1, 3)
CHAR_NGRAMS = (1, 5)
HASH_BITS = 20  # buckets per block: word n-grams in [0, 2**20), char n-grams above
BLOCK_SIZE = 1 << HASH_BITS
N_BUCKETS = 2 * BLOCK_SIZE
MIN_DF = 2
STYLE_WEIGHT = 0.02

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
U8 = npt.NDArray[np.uint8]

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
WORD_SETS = (_FIRST_SINGULAR, _FIRST_PLURAL, _SECOND, _THIRD, _FUNCTION, _SUPERLATIVE, _NEGATION)
ENDINGS = ".!?)\"'"  # a text "ends with punctuation" when its last non-space is one of these
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


# ---------------------------------------------------------------- hashing


def _splitmix64(seed: int, count: int) -> U64:
    """``count`` odd 64-bit multipliers from the splitmix64 sequence (fixed, portable)."""
    mask = (1 << 64) - 1
    out, state = [], seed
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append((z ^ (z >> 31)) | 1)
    return np.array(out, dtype=np.uint64)


# R[k] multiplies the k-th character of a char n-gram or token (offsets past the end share
# the last one); Q[j] the j-th token hash of a word n-gram. A bucket is a hash's top bits.
R = _splitmix64(1, MAX_CHARS + 8)
Q = _splitmix64(2, WORD_NGRAMS[1])
SHIFT = np.uint64(64 - HASH_BITS)
MAX_STREAM = 1 << (32 - HASH_BITS - 1)  # texts per stream: their keys fit in 32 bits
_R_LIST = [int(r) for r in R]
_MASK64 = (1 << 64) - 1


def char_sequence_hash(codes: Sequence[int]) -> int:
    """sum((code + 1) * R[k]) mod 2**64: the hash of a char n-gram, token or word (a word
    n-gram's is sum(token hash * Q[j]) mod 2**64 over its tokens)."""
    last = len(_R_LIST) - 1
    return sum((c + 1) * _R_LIST[min(k, last)] for k, c in enumerate(codes)) & _MASK64


# ---------------------------------------------------------------- character classes

SPACE, WORD, LETTER, LOWER, UPPER = 1, 2, 4, 8, 16
# categories counted per text by the style rates (0: none of them)
_CATEGORY_CHARS = '!?,\n("'
DIGIT_CAT, UPPER_CAT, PERIOD_CAT = 7, 8, 9
N_CATEGORIES = 10
_ENDER_CATEGORY = np.isin(np.arange(N_CATEGORIES), [1, 2, PERIOD_CAT])  # ! ? .
_BMP = 0x10000


def _classes(codes: Iterable[int]) -> tuple[U8, U8, U32]:
    """Per code point: class flags, style category, the lowercase code point."""
    flags, categories, lower = [], [], []
    for code in codes:
        ch = chr(code)
        flag = SPACE if ch.isspace() else 0
        flag |= WORD if ch.isalnum() or ch == "_" else 0
        flag |= LETTER if ch.isalpha() else 0
        flag |= LOWER if ch.islower() else 0
        flag |= UPPER if ch.isupper() else 0
        flags.append(flag)
        if ch in _CATEGORY_CHARS:
            categories.append(_CATEGORY_CHARS.index(ch) + 1)
        elif ch == ".":
            categories.append(PERIOD_CAT)
        elif ch.isdigit():
            categories.append(DIGIT_CAT)
        elif ch.isupper():
            categories.append(UPPER_CAT)
        else:
            categories.append(0)
        low = ch.lower()
        lower.append(ord(low) if len(low) == 1 else code)
    return (
        np.array(flags, dtype=np.uint8),
        np.array(categories, dtype=np.uint8),
        np.array(lower, dtype=np.uint32),
    )


@lru_cache(maxsize=1)
def _bmp_tables() -> tuple[U8, U8, U32]:
    """`_classes` of the Basic Multilingual Plane (computed once, about 0.1 s)."""
    return _classes(range(_BMP))


def classify(points: U32) -> tuple[U8, U8, U32]:
    """`_classes` of each code point: table look-ups, with the rare code points beyond the
    Basic Multilingual Plane (emoji, ...) classified one distinct value at a time."""
    flag_table, category_table, lower_table = _bmp_tables()
    index = np.minimum(points, _BMP - 1)
    flags, categories, lower = flag_table[index], category_table[index], lower_table[index]
    beyond = points >= _BMP
    if beyond.any():
        distinct, inverse = np.unique(points[beyond], return_inverse=True)
        more_flags, more_categories, more_lower = _classes(distinct.tolist())
        flags[beyond] = more_flags[inverse]
        categories[beyond] = more_categories[inverse]
        lower[beyond] = more_lower[inverse]
    return flags, categories, lower


# ---------------------------------------------------------------- the batch as one array


@dataclass(frozen=True)
class Stream:
    """The marked texts of a batch as one array of code points."""

    points: U32
    flags: U8
    categories: U8
    lower: U32
    doc: IntArray  # text index of each position
    starts: IntArray  # first position of each text (its start marker)
    lengths: IntArray  # positions per marked text (the text's length + 4)

    @classmethod
    def of(cls, texts: Sequence[str]) -> "Stream":
        joined = "".join(marked(texts)).encode("utf-32-le", "surrogatepass")
        points = np.frombuffer(joined, dtype=np.uint32)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 4
        starts = np.cumsum(lengths) - lengths
        doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        return cls(points, *classify(points), doc, starts, lengths)

    @property
    def n(self) -> int:
        return len(self.lengths)


def _run_starts(mask: BoolArray) -> BoolArray:
    """Where a run of True begins."""
    begins = mask.copy()
    begins[1:] &= ~mask[:-1]
    return begins


def ngram_keys(s: Stream) -> U32:
    """One key per n-gram occurrence: ``text << (HASH_BITS + 1) | bucket`` (word buckets
    first, char buckets from ``BLOCK_SIZE``), unsorted; at most ``MAX_STREAM`` texts."""
    if s.n > MAX_STREAM:
        raise ValueError(f"{s.n} texts in one stream: at most {MAX_STREAM}")
    # a run of two or more whitespace characters reads as one " " (as sklearn's char
    # analyzer); a lone one (a line break between two lines) stays what it is
    space = (s.flags & SPACE) != 0
    after = np.zeros(len(space), dtype=bool)
    after[1:] = space[1:] & space[:-1]  # whitespace after whitespace: dropped
    run = after.copy()
    run[:-1] |= after[1:]  # the first of a run of two or more: read as " "
    points = np.where(run, np.uint32(32), s.points)[~after]
    keep = ~after
    flags, doc = s.flags[keep], s.doc[keep]
    base = doc.astype(np.uint32) << np.uint32(HASH_BITS + 1)
    keys = _char_keys(points, doc, base | np.uint32(BLOCK_SIZE), s.n)
    keys += _word_keys(points, flags, doc, base)
    return np.concatenate(keys)


def _char_keys(points: U32, doc: IntArray, base: U32, n_texts: int) -> list[U32]:
    ends = np.cumsum(np.bincount(doc, minlength=n_texts))
    remaining = ends[doc] - np.arange(len(doc))  # positions left in the text from here
    codes = points.astype(np.uint64) + np.uint64(1)
    h = np.zeros(len(points), dtype=np.uint64)
    keys = []
    for k in range(CHAR_NGRAMS[1]):
        m = len(points) - k
        if m <= 0:
            break
        h = h[:m] + codes[k:] * R[k]
        if k + 1 >= CHAR_NGRAMS[0]:
            keys.append(((h >> SHIFT).astype(np.uint32) | base[:m])[remaining[:m] > k])
    return keys


def run_hashes(codes: U32, first: BoolArray) -> tuple[U64, IntArray]:
    """`char_sequence_hash` of each run of ``codes``, a run beginning where ``first``
    (``first[0]`` must be True). Returns the hashes and each run's first index."""
    index = np.arange(len(codes))
    begins = np.flatnonzero(first)
    if not len(begins):
        return np.zeros(0, dtype=np.uint64), begins
    offset = index - np.maximum.accumulate(np.where(first, index, 0))
    offset = np.minimum(offset, len(R) - 1)
    values = (codes.astype(np.uint64) + np.uint64(1)) * R[offset]
    return np.add.reduceat(values, begins), begins


def _word_keys(points: U32, flags: U8, doc: IntArray, base: U32) -> list[U32]:
    # a token is a run of word characters or any other single non-space character
    word = (flags & WORD) != 0
    first = ~word
    first[1:] |= ~word[:-1]
    visible = np.flatnonzero((flags & SPACE) == 0)
    t, begins = run_hashes(points[visible], first[visible])
    at = visible[begins]
    tdoc, tbase = doc[at], base[at]
    g = np.zeros(len(t), dtype=np.uint64)
    keys = []
    for j in range(WORD_NGRAMS[1]):
        m = len(t) - j
        if m <= 0:
            break
        g = g[:m] + t[j:] * Q[j]
        if j + 1 >= WORD_NGRAMS[0]:
            keys.append(((g >> SHIFT).astype(np.uint32) | tbase[:m])[tdoc[:m] == tdoc[j:]])
    return keys


def counted(keys: U32) -> tuple[U32, IntArray]:
    """Distinct keys (sorted) and how often each occurs."""
    keys = np.sort(keys)
    new = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    begins = np.flatnonzero(new)
    return keys[begins], np.diff(begins, append=len(keys))


def count_matrix(texts: Sequence[str]) -> sp.csr_matrix:
    """N-gram counts per text (rows) and bucket (``N_BUCKETS`` columns)."""
    parts = [sp.csr_matrix((0, N_BUCKETS))]
    for start in range(0, len(texts), MAX_STREAM):
        chunk = texts[start : start + MAX_STREAM]
        keys, counts = counted(ngram_keys(Stream.of(chunk)))
        rows = (keys >> np.uint32(HASH_BITS + 1)).astype(np.int64)
        columns = (keys & np.uint32(N_BUCKETS - 1)).astype(np.int64)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(chunk)))])
        parts.append(
            sp.csr_matrix((counts.astype(np.float64), columns, indptr), (len(chunk), N_BUCKETS))
        )
    return sp.csr_matrix(sp.vstack(parts, format="csr"))


# ---------------------------------------------------------------- style rates


_SET_BITS = 16  # the word-set table is indexed by a word hash's top 16 bits


@lru_cache(maxsize=1)
def _word_set_table() -> tuple[U64, U8]:
    """Direct-address table of the words of WORD_SETS: at a hash's top ``_SET_BITS`` bits,
    the full hash and a bit per set holding the word (0: no word of any set)."""
    hashes = np.zeros(1 << _SET_BITS, dtype=np.uint64)
    bits = np.zeros(1 << _SET_BITS, dtype=np.uint8)
    for k, words in enumerate(WORD_SETS):
        for w in sorted(words):
            h = char_sequence_hash([ord(c) for c in w])
            slot = h >> (64 - _SET_BITS)
            if bits[slot] and int(hashes[slot]) != h:
                raise ValueError(f"word-set table: {w!r} shares a slot")  # never, checked
            hashes[slot], bits[slot] = h, bits[slot] | (1 << k)
    return hashes, bits


def _distinct_per_text(doc: IntArray, hashes: U64, n: int) -> FloatArray:
    """How many distinct hashes each text has (hashes compared on their top 44 bits)."""
    if not len(hashes):
        return np.zeros(n)
    keys = (doc.astype(np.uint64) << np.uint64(44)) | (hashes >> np.uint64(20))
    distinct, _ = counted(keys)
    return np.bincount((distinct >> np.uint64(44)).astype(np.int64), minlength=n).astype(float)


@dataclass(frozen=True)
class _Words:
    """The style words of a stream: runs of letters, joined across single apostrophes."""

    doc: IntArray
    hash: U64  # char_sequence_hash of the lowercased word
    length: IntArray
    lowercase: IntArray  # lowercase letters in the word
    uppercase: IntArray
    est: BoolArray  # longer than 4 characters, ending in "est" (any case)

    @classmethod
    def of(cls, s: Stream) -> "_Words":
        letter = (s.flags & LETTER) != 0
        inside = letter.copy()
        apostrophe = s.points[1:-1] == 39
        inside[1:-1] |= apostrophe & letter[:-2] & letter[2:]
        at = np.flatnonzero(inside)
        first = _run_starts(inside)[at]
        begins = np.flatnonzero(first)
        if not len(begins):
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, np.zeros(0, np.uint64), empty, empty, empty, np.zeros(0, bool))
        hashes, _ = run_hashes(s.lower[at], first)
        length = np.diff(begins, append=len(at))
        # lowercase letters + 2**16 * uppercase letters, per word (words are < 2**16 long)
        flags = s.flags[at].astype(np.int64)
        cases = np.add.reduceat(((flags & LOWER) >> 3) + ((flags & UPPER) << 12), begins)
        last = at[begins + length - 1]
        ends_est = (
            (s.lower[last] == ord("t"))
            & (s.lower[last - 1] == ord("s"))
            & (s.lower[last - 2] == ord("e"))
        )
        return cls(
            doc=s.doc[at[begins]],
            hash=hashes,
            length=length,
            lowercase=cases & 0xFFFF,
            uppercase=cases >> 16,
            est=(length > 4) & ends_est,
        )


def style_rates(s: Stream) -> FloatArray:
    """The 26 stylometric rates of STYLE_NAMES per text of the stream (all finite, 0 for "").

    Words are runs of letters, joined across an apostrophe between letters ("don't"),
    compared lowercased; sentences are the stretches between runs of . ! ? that hold a
    non-space character; rates are per word, except digits and uppercase (per character).
    """
    n = s.n
    content = _content_positions(s)
    visible = np.flatnonzero(content & ((s.flags & SPACE) == 0))
    chars = (s.lengths - 4).astype(float)
    per_cat = np.bincount(s.doc * N_CATEGORIES + s.categories, minlength=n * N_CATEGORIES)
    per_cat = per_cat.reshape(n, N_CATEGORIES).astype(float)
    words = _Words.of(s)
    n_words = np.bincount(words.doc, minlength=n).astype(float)
    per_word = np.maximum(n_words, 1.0)
    found = _word_set_hits(words, n)
    caps = (words.length > 1) & (words.lowercase == 0) & (words.uppercase > 0)
    doubled = (s.points[1:] == 32) & (s.points[:-1] == 32) & content[1:] & content[:-1]
    out = np.column_stack(
        [
            np.log1p(chars),
            np.log1p(n_words),
            np.bincount(words.doc, weights=words.length, minlength=n) / per_word,
            n_words / np.maximum(_sentence_counts(s, visible), 1),
            _distinct_per_text(words.doc, words.hash, n) / per_word,
            *(found[:, k] / per_word for k in range(len(WORD_SETS) - 1)),
            _per_text(words.est, words.doc, n) / per_word,
            found[:, len(WORD_SETS) - 1] / per_word,
            per_cat[:, 1] / per_word,  # !
            per_cat[:, 2] / per_word,  # ?
            per_cat[:, 3] / per_word,  # ,
            per_cat[:, DIGIT_CAT] / np.maximum(chars, 1),
            (per_cat[:, UPPER_CAT]) / np.maximum(chars, 1),
            _per_text(caps, words.doc, n) / per_word,
            _ends_with_punctuation(s, visible),
            _run_on_counts(s) / per_word,
            _repeated_trigram_share(words, n),
            per_cat[:, 4] / per_word,  # newline
            _per_text(doubled, s.doc[1:], n) / per_word,
            per_cat[:, 5] / per_word,  # (
            per_cat[:, 6] / per_word,  # "
        ]
    )
    return np.asarray(out.reshape(n, len(STYLE_NAMES)), dtype=np.float64)


def _per_text(mask: BoolArray, doc: IntArray, n: int) -> FloatArray:
    """How many of the positions where mask holds fall in each of the n texts."""
    return np.bincount(doc[mask], minlength=n).astype(float)


def _content_positions(s: Stream) -> BoolArray:
    """Which positions of the stream hold a text's own characters (not one of its 4 markers)."""
    content = np.ones(len(s.points), dtype=bool)
    for shift in (0, 1):
        content[s.starts + shift] = False
        content[s.starts + s.lengths - 1 - shift] = False
    return content


def _sentence_counts(s: Stream, visible: IntArray) -> IntArray:
    """Sentences per text: stretches between runs of . ! ? that hold a visible character
    other than those (``visible``: the content positions that are not spaces)."""
    ender = _ENDER_CATEGORY[s.categories]
    text_start = np.zeros(len(s.categories), dtype=bool)
    text_start[s.starts] = True
    sentence = np.cumsum(_run_starts(ender) | text_start)
    solid = visible[~ender[visible]]
    sid = sentence[solid]
    new_sentence = np.ones(len(sid), dtype=bool)
    new_sentence[1:] = sid[1:] != sid[:-1]
    return np.bincount(s.doc[solid][new_sentence], minlength=s.n)


def _ends_with_punctuation(s: Stream, visible: IntArray) -> FloatArray:
    """1.0 for each text whose last visible character is one of ENDINGS, else 0.0."""
    ends = np.zeros(s.n)
    if len(visible):
        last = visible[np.flatnonzero(np.diff(s.doc[visible], append=-1))]
        ends[s.doc[last]] = np.isin(s.points[last], [ord(c) for c in ENDINGS])
    return ends


def _run_on_counts(s: Stream) -> FloatArray:
    """Per text: how often a lowercase ASCII letter, a sentence ender and an uppercase ASCII
    letter follow each other with no space (a sentence run into the next)."""
    ender = _ENDER_CATEGORY[s.categories]
    run_on = ((s.points[:-2] - 97) < 26) & ender[1:-1] & ((s.points[2:] - 65) < 26)
    return _per_text(run_on, s.doc[1:-1], s.n)


def _repeated_trigram_share(words: _Words, n: int) -> FloatArray:
    """Per text: the share of its word trigrams that repeat an earlier one (0 with none)."""
    trigram = words.hash[:-2] * Q[0] + words.hash[1:-1] * Q[1] + words.hash[2:] * Q[2]
    same = words.doc[:-2] == words.doc[2:]
    n_trigrams = np.bincount(words.doc[:-2][same], minlength=n).astype(float)
    distinct_trigrams = _distinct_per_text(words.doc[:-2][same], trigram[same], n)
    return np.where(n_trigrams > 0, 1.0 - distinct_trigrams / np.maximum(n_trigrams, 1), 0.0)


def _word_set_hits(words: _Words, n: int) -> FloatArray:
    """Per text and word set of WORD_SETS: how many of its words are in the set."""
    hashes, bits = _word_set_table()
    slot = (words.hash >> np.uint64(64 - _SET_BITS)).astype(np.intp)
    hit = np.where(hashes[slot] == words.hash, bits[slot], 0)
    found = np.flatnonzero(hit)
    combos = np.bincount(words.doc[found] * 128 + hit[found], minlength=n * 128)
    members = (np.arange(128)[:, None] >> np.arange(len(WORD_SETS))) & 1
    return np.asarray(combos.reshape(n, 128) @ members, dtype=np.float64)


def style_matrix(texts: Sequence[str]) -> FloatArray:
    return style_rates(Stream.of(texts))


def word_counts(texts: Sequence[str]) -> list[int]:
    return [len(t.split()) for t in texts]


# ---------------------------------------------------------------- the model


def tfidf(counts: sp.csr_matrix, df: FloatArray | IntArray, n_docs: int) -> sp.csr_matrix:
    """Sublinear tf x smooth idf, l2-normalised rows: sklearn's TfidfVectorizer(
    sublinear_tf=True) given the training document frequencies ``df``."""
    out = counts.tocsr(copy=True).astype(np.float64)
    np.log(out.data, out=out.data)
    out.data += 1.0
    out = sp.csr_matrix(out @ sp.diags(idf_of(df, n_docs)))
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ out)


def idf_of(df: FloatArray | IntArray, n_docs: int) -> FloatArray:
    return np.asarray(np.log((1.0 + n_docs) / (1.0 + np.asarray(df, np.float64))) + 1.0)


def sigmoid(x: FloatArray) -> FloatArray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# the arrays of a head's trees in the model file: `Trees`'s fields, in its order
TREE_DTYPES: dict[str, type] = {
    "feature": np.int64,
    "threshold": np.float64,
    "left": np.int64,
    "right": np.int64,
    "missing_left": np.bool_,
    "value": np.float64,
    "count": np.float64,
    "roots": np.int64,
}


def tree_columns(style: FloatArray, decision: FloatArray) -> list[FloatArray | None]:
    """The trees' inputs, in their order: the STYLE_NAMES rates, then the decision value."""
    return [*(style[:, k] for k in range(style.shape[1])), decision]


@dataclass(frozen=True)
class Head:
    """One head: linear over the hashed buckets and style rates, then a Platt sigmoid or
    boosted trees (see module docstring)."""

    word_columns: IntArray  # word buckets this head keeps
    word_df: FloatArray
    char_columns: IntArray  # char buckets, counted from 0 within the char block
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
    trees: Trees | None = None  # boosted trees over (style rates, decision), if any
    tree_baseline: float = 0.0

    def weights(self) -> tuple[FloatArray, FloatArray]:
        """(idf, coefficient) per bucket of both blocks, 0 where the head has no term."""
        idf, coef = np.zeros(N_BUCKETS), np.zeros(N_BUCKETS)
        for offset, columns, df, c in (
            (0, self.word_columns, self.word_df, self.coef_word),
            (BLOCK_SIZE, self.char_columns, self.char_df, self.coef_char),
        ):
            idf[offset + columns] = idf_of(df, self.n_docs)
            coef[offset + columns] = c
        return idf, coef

    def style_term(self, style: FloatArray) -> FloatArray:
        z = (style - self.style_mean) / self.style_scale * STYLE_WEIGHT
        return np.asarray(z @ self.coef_style + self.intercept, dtype=np.float64)

    def probability(self, decision: FloatArray, style: FloatArray) -> FloatArray:
        """The trees' probability when the head has trees, else the Platt sigmoid's."""
        if self.trees is None:
            return sigmoid(self.platt_a * decision + self.platt_b)
        columns = tree_columns(style, decision)
        return sigmoid(self.tree_baseline + self.trees.total(columns, len(decision)))


class TextModel:
    """The shipped model: the two heads over the hashed buckets. Use ``TextModel.load()``."""

    def __init__(self, heads: dict[str, Head], meta: dict[str, object]) -> None:
        self.heads = heads
        self.meta = meta
        self.version = str(meta.get("version", "unknown"))
        # Per bucket a row of (idf ** 2, idf * coefficient) of each head, side by side, so
        # scoring gathers one 16-byte row per distinct n-gram of a text. Only buckets some
        # head keeps have a row of their own (``row_of``); the others share row 0 (zeros).
        columns = []
        for head in heads.values():
            idf, coef = head.weights()
            columns += [idf * idf, idf * coef]
        weights = np.column_stack(columns)
        kept = np.flatnonzero(weights.any(axis=1))
        self.row_of = np.zeros(N_BUCKETS, dtype=np.int32)
        self.row_of[kept] = np.arange(1, len(kept) + 1, dtype=np.int32)
        self.table = np.vstack([np.zeros((1, weights.shape[1])), weights[kept]]).astype(np.float32)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, object]) -> "TextModel":
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
                trees=trees_from_arrays(arrays, p),
                tree_baseline=float(scalars[3]),
            )
        return cls(heads, meta)

    @classmethod
    def from_files(cls, npz: Path = MODEL_NPZ, meta_json: Path = MODEL_JSON) -> "TextModel":
        meta = json.loads(meta_json.read_text(encoding="utf-8"))
        recipe = meta.get("recipe", {})
        made_for = (recipe.get("hash_bits"), recipe.get("word_ngrams"), recipe.get("char_ngrams"))
        expected = (HASH_BITS, list(WORD_NGRAMS), list(CHAR_NGRAMS))
        if made_for != expected:
            raise ValueError(
                f"{meta_json}: model made for hashing (bits, word, char n-grams) {made_for},"
                f" this code hashes {expected}: retrain with python -m research.train_text"
            )
        with np.load(npz, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        return cls.from_arrays(arrays, meta)

    @staticmethod
    @lru_cache(maxsize=1)
    def load() -> "TextModel":
        """The shipped model, read once per process (no network, no pickle)."""
        return TextModel.from_files()

    def decisions(self, texts: Sequence[str]) -> dict[str, FloatArray]:
        """Raw decision values per head for already-cleaned texts: per head and block,
        ``sum(tf * idf * coef) / sqrt(sum((tf * idf) ** 2))`` over the text's distinct
        buckets (`tfidf` times the coefficients), plus the style term."""
        return self.decisions_and_style(texts)[0]

    def decisions_and_style(self, texts: Sequence[str]) -> tuple[dict[str, FloatArray], FloatArray]:
        """`decisions`, and the texts' style rates."""
        n = len(texts)
        if not n:
            return {name: np.zeros(0) for name in self.heads}, np.zeros((0, len(STYLE_NAMES)))
        s = Stream.of(texts)
        keys, counts = counted(ngram_keys(s))
        # keys are sorted by text, then block: each (text, block) is one stretch of them
        firsts = np.arange(2 * n, dtype=np.uint32) << np.uint32(HASH_BITS)
        starts = np.searchsorted(keys, firsts)
        empty = np.diff(starts, append=len(keys)) == 0
        starts = np.minimum(starts, len(keys) - 1)
        buckets = (keys & np.uint32(N_BUCKETS - 1)).astype(np.intp)
        rows = np.take(self.table, np.take(self.row_of, buckets), axis=0)
        tf = np.ones(len(counts))
        repeated = np.flatnonzero(counts > 1)  # most n-grams occur once in a text
        tf[repeated] += np.log(counts[repeated])
        tf2 = tf * tf

        def per_block(weights: FloatArray) -> FloatArray:
            sums = np.add.reduceat(weights, starts)
            sums[empty] = 0.0
            return np.asarray(sums, dtype=np.float64)

        style = style_rates(s)
        out = {}
        for k, (name, head) in enumerate(self.heads.items()):
            dot = per_block(tf * rows[:, 2 * k + 1])
            norm = np.sqrt(per_block(tf2 * rows[:, 2 * k]))
            blocks = dot / np.where(norm > 0, norm, 1.0)
            out[name] = blocks.reshape(n, 2).sum(axis=1) + head.style_term(style)
        return out, style

    def score(self, texts: Sequence[object]) -> tuple[FloatArray, FloatArray]:
        """(deceptive probability, generated probability) per text; see module docstring."""
        cleaned, _ = clean_texts(texts)
        return self._score_clean(cleaned)

    def _score_clean(self, cleaned: list[str]) -> tuple[FloatArray, FloatArray]:
        n = len(cleaned)
        scored = np.flatnonzero(np.array(word_counts(cleaned), dtype=np.int64) >= MIN_WORDS)
        out = {name: np.zeros(n) for name in HEADS}
        for start in range(0, len(scored), CHUNK):
            rows = scored[start : start + CHUNK]
            probabilities = self.probabilities([cleaned[i] for i in rows])
            for name in HEADS:
                out[name][rows] = probabilities[name]
        return out["deceptive"], out["generated"]

    def probabilities(self, texts: Sequence[str]) -> dict[str, FloatArray]:
        """Each head's probability for already-cleaned texts (featurised ``BATCH`` at a
        time; a head's trees then run once over all of them, as their cost is per node)."""
        decisions = {name: np.zeros(len(texts)) for name in self.heads}
        style = np.zeros((len(texts), len(STYLE_NAMES)))
        for start in range(0, len(texts), BATCH):
            stop = min(start + BATCH, len(texts))
            batch, style[start:stop] = self.decisions_and_style(texts[start:stop])
            for name in self.heads:
                decisions[name][start:stop] = batch[name]
        return {name: h.probability(decisions[name], style) for name, h in self.heads.items()}


def trees_from_arrays(arrays: dict[str, np.ndarray], prefix: str) -> Trees | None:
    """A head's trees from the model arrays; None when it has none (a Platt head)."""
    fields: dict[str, np.ndarray] = {
        f: arrays[f"{prefix}tree_{f}"].astype(t) for f, t in TREE_DTYPES.items()
    }
    return Trees(**fields) if len(fields["roots"]) else None


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
