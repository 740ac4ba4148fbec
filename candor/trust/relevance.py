"""Off-topic text: a review whose words have nothing to do with the book it is posted on.

A campaign that posts one script on many books, or a review pasted onto the wrong book,
leaves a text that shares no vocabulary with what other readers of that book wrote. This
signal compares each review with the other reviews of its product (and the product's own
text, when given) and flags the ones far outside what that product's reviews normally
share.

Similarity
    Texts become TF-IDF vectors: word unigrams and bigrams (the terms of scikit-learn's
    ``HashingVectorizer(ngram_range=(1, 2), stop_words="english")``: lowercased tokens of
    two or more word characters, English stop words removed), sublinear term frequency
    ``1 + log tf``, smooth idf, L2-normalised rows (``TfidfTransformer(sublinear_tf=True)``),
    fitted on the whole corpus (the review texts plus the product texts). Terms are hashed
    into ``HASH_FEATURES`` (2^22) slots rather than kept in a vocabulary, which saves the
    few hundred MB of a vocabulary of millions of bigrams. Colliding terms move
    similarities a little: on amazon_electronics (600,000 distinct terms) they are a
    median 0.0002 and at most 0.03 from an exact vocabulary's.
    Terms of one document only are kept: they cannot be shared, but they are part of the
    norm, so a text made mostly of words nobody else used scores low (with them dropped,
    a cookbook review on a novel kept one shared word and scored like a genuine one).
    A product's *centroid* is the sum of its reviews' vectors plus
    ``PRODUCT_TEXT_WEIGHT`` times its product text's vector.
    A review's similarity is the cosine between its vector and its product's centroid
    *without itself* (leave-one-out, so a review is never compared with itself):
    ``(x . C - x . x) / ||C - x||``, computed for all reviews at once and without a
    centroid per review: with the rows sorted by product, a batch of products' entries is
    sorted by (product, term), so a centroid's weight of a term is a sum of adjacent
    entries, handed back to each review that has the term (`_owner_sums`).

How it is computed (for speed)
    Tokenising and hashing are done here, a chunk of texts at a time, instead of by
    scikit-learn's Python loop over every token and bigram (which was three quarters of
    the time): the texts are joined, each character classified (word character,
    whitespace) by a table of Python's own definitions, tokens are the runs of two or more
    word characters and get a polynomial hash of their code points, found and hashed in
    one compiled pass (Numba); `term_counts`' tests check its terms against
    scikit-learn's one by one. Only the hash
    differs from scikit-learn's (MurmurHash3 of the term's UTF-8 bytes), so other pairs of
    terms collide; on the real samples below that moved no flag but three on
    amazon_electronics, whose similarities went from 0.0200-0.0202 to 0.0199-0.0200,
    across ``MAX_SIMILARITY`` (each was already 3-4 MADs below its product's median).

When a review is off topic (flag ``off_topic``)
    * the text has at least ``MIN_WORDS`` (25) words: shorter texts ("Loved it, could not
      put it down") are often generic and share nothing with anyone, honestly;
    * its product has at least ``MIN_OTHERS`` (5) other reviews with text, or a product
      text: otherwise there is nothing reliable to compare with;
    * the similarity is near zero, below ``MAX_SIMILARITY`` (0.02), *and* far below the
      product's own distribution: a robust z-score ``(v - median) / (1.4826 * MAD)`` of
      ``v = log(s + SIMILARITY_FLOOR)`` below ``-MIN_Z`` (2.5), where median and MAD are
      over the product's reviews that could be flagged (long texts). A product with fewer
      than ``MIN_PEERS`` (5) such reviews is scored against the whole corpus' median and
      MAD instead. The log: similarities are bounded by 0 and skewed right (a typical
      book's median is 0.1-0.15 with most of the spread above it), so on the raw scale
      even s = 0 was only about 2 MADs below a typical median; on the log scale the
      distribution is roughly symmetric and "far below" means something. The z-score
      guards products whose reviews share little with each other anyway (an anthology, a
      product with many one-line-style reviews); the absolute ceiling keeps the flag for
      texts that really share (almost) nothing.
    * the text is English as far as function words tell: at least ``MIN_ENGLISH_SHARE``
      (10%) of its words are ``ENGLISH_MARKERS``, scikit-learn's English stop words less
      those that are also words of Spanish, French, Italian or German ("de", "no", "con",
      "in", ...). In the Amazon samples English reviews of 25+ words have 8% or more
      (telegram style: "Great quality. Perfect condition."), nearly all 25-60%; Spanish
      and German ones 0-9%. The vectors know English only, so a review in another
      language shares no words with the English reviews around it without being about
      anything else; it is not judged. (Checked only for the few texts that pass the
      other tests.)

Calibration (``bench.real_data``, every review honest): amazon_books 2 of 999 flagged
(0.2%: a personal letter about the writer's career, and a note about a friend who saw the
book in a museum), amazon_fashion 0 of 447, amazon_kindle 0 of 4,905 (nearly one review
per book: almost nothing can be judged without product texts), and as a larger check
amazon_electronics 178 of 56,662 (0.3%: short complaints about a defect, the delivery
or the description, and some Spanish that passes the English test). Power,
measured by pasting 60 long English reviews onto books of amazon_books with 5+ reviews:
shoe reviews 57% flagged, electronics reviews 63%, reviews of other books 28% (generic
praise is shared by every book's reviews, so a review of another book that names no
character or place often looks on topic).

Speed (one core): about 75,000 reviews/s on 1,000,000 generated reviews (200 characters
median, a vocabulary of 30,000 made-up words, so millions of distinct bigrams; it was
8,000/s with scikit-learn's vectoriser, 70,000/s before the token scan was compiled) and,
measured before that, 80,000/s on the 56,662 real amazon_electronics texts. Memory: about
1.6 GB above the texts for 1,000,000 reviews, nearly all the TF-IDF matrix (about 110
terms per review, 12 bytes each; the vectoriser it replaces peaked at 6.4 GB).

Output (``off_topic``)
    feature ``relevance_factor``: ``OFF_TOPIC_FACTOR`` (0.3) for flagged reviews, else 1.0
    (off-topic text is weaker evidence than a copy: an honest reader may write about the
    delivery or a different book by mistake); feature ``relevance_similarity`` (the
    leave-one-out cosine; NaN where it could not be computed); flag ``off_topic`` with
    number = the similarity in percent, rounded ("shares 1% of its words' weight with
    other reviews of this book"). Without texts every factor is 1.0.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # type: ignore[import-untyped]

from candor.trust.compiled import compiled
from candor.trust.table import BoolArray, FloatArray, IntArray, Reviews, SignalOutput

NAME = "relevance"
FACTOR = "relevance_factor"
SIMILARITY = "relevance_similarity"
CODE = "off_topic"

MIN_WORDS = 25
MIN_OTHERS = 5
MIN_PEERS = 5
MAX_SIMILARITY = 0.02
MIN_Z = 2.5
SIMILARITY_FLOOR = 0.01  # log(s + floor): keeps s = 0 finite, about 1.5 log units below 0.04
MIN_ENGLISH_SHARE = 0.10
ENGLISH_MARKERS = frozenset(ENGLISH_STOP_WORDS) - {
    *("am", "an", "con", "de", "in", "me", "no", "per", "so", "top", "un", "via"),
}
OFF_TOPIC_FACTOR = 0.3
PRODUCT_TEXT_WEIGHT = 1.0  # the product's text counts as much as one review
HASH_BITS = 22
HASH_FEATURES = 1 << HASH_BITS  # hashed terms: two terms of one text share a slot about 1 in 10^5
MAD_TO_SD = 1.4826  # MAD of a normal distribution times this is its standard deviation
MIN_SCALE = 0.1  # in log units: a product whose reviews all score alike still has some spread
CHUNK_CHARS = 1 << 18  # characters tokenised at a time: per-character arrays of 2 MB stay in cache
BLOCK = 1 << 18  # entries of the TF-IDF matrix weighted or summed at a time, for the same reason
TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern

U64Array = npt.NDArray[np.uint64]
# A token's hash is sum(code point * BASE^k) mod 2^64 over its characters (`_scan`), mixed.
_BASE = np.uint64(0x100000001B3)
_PAIR = np.uint64(0x9E3779B97F4A7C15)  # mixes a bigram's first token into its hash
_SHIFT_33 = np.uint64(33)
_TERM_SHIFT = np.uint64(64 - HASH_BITS)


def _output(factor: FloatArray, similarity: FloatArray, off: BoolArray) -> SignalOutput:
    out = SignalOutput(name=NAME)
    out.features = {FACTOR: factor, SIMILARITY: similarity}
    out.flags = {CODE: off}
    out.numbers = {CODE: np.where(off, np.round(100.0 * np.nan_to_num(similarity)), 0.0)}
    return out


@cache
def _character_classes() -> tuple[BoolArray, BoolArray]:
    """For every code point below 0x10000: is it a regex word character (``\\w``), is it
    whitespace (``str.isspace``). Computed once with Python's own definitions."""
    plane = "".join(map(chr, range(0x10000)))
    word = np.zeros(0x10000, dtype=bool)
    word[[match.start() for match in re.finditer(r"\w", plane)]] = True
    space = np.fromiter(map(str.isspace, plane), dtype=bool, count=0x10000)
    return word, space


def _classify(codes: npt.NDArray[np.uint32]) -> tuple[BoolArray, BoolArray]:
    """Word-character and whitespace masks of ``codes`` (code points)."""
    word_table, space_table = _character_classes()
    basic = np.minimum(codes, 0xFFFF)
    word, space = word_table[basic], space_table[basic]
    astral = codes > 0xFFFF  # emoji and rarer scripts: few distinct ones, looked up one by one
    if astral.any():
        found = np.unique(codes[astral])
        is_word = np.array([re.match(r"\w", chr(int(c))) is not None for c in found])
        word[astral] = is_word[np.searchsorted(found, codes[astral])]
        space[astral] = False  # every whitespace character is below 0x10000
    return word, space


def _mix(hashes: U64Array) -> U64Array:
    """MurmurHash3's 64-bit finaliser: every input bit reaches every output bit, so the top
    bits of a polynomial hash (whose low bits are weak) make a good slot."""
    hashes = hashes ^ (hashes >> _SHIFT_33)
    hashes *= np.uint64(0xFF51AFD7ED558CCD)
    hashes ^= hashes >> _SHIFT_33
    hashes *= np.uint64(0xC4CEB9FE1A85EC53)
    hashes ^= hashes >> _SHIFT_33
    return hashes


def _lowered(texts: Sequence[str]) -> tuple[str, IntArray]:
    """The lowercased texts joined with a newline after each, and each one's length with
    its newline. Lowercasing can change a length (and the final sigma depends on its
    neighbours), so texts are lowercased one by one, unless all are ASCII, where it is
    one character for one and the joined text is lowercased in one call."""
    joined = "\n".join(texts) + "\n"
    if joined.isascii():
        lowered: Sequence[str] = texts
        joined = joined.lower()
    else:
        lowered = [text.lower() for text in texts]
        joined = "\n".join(lowered) + "\n"
    lengths = np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered)) + 1
    return joined, lengths


def _tokens(texts: Sequence[str]) -> tuple[U64Array, IntArray, IntArray]:
    """The tokens of scikit-learn's default tokenizer on the lowercased texts (runs of two
    or more word characters) as hashes, the text each is in, and per text its number of
    whitespace-separated words (``len(text.split())``).

    The texts are joined with a newline after each, so no run crosses two texts, and
    classified character by character (`_classify`) instead of a regex per text; the runs
    are found and hashed in one compiled pass (`_scan`).
    """
    joined, lengths = _lowered(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    word, space = _classify(codes)
    hashes, text, words = _scan(codes, word, space, lengths)
    return _mix(hashes), text, words


@compiled
def _scan(
    codes: npt.NDArray[np.uint32], word: BoolArray, space: BoolArray, lengths: IntArray
) -> tuple[U64Array, IntArray, IntArray]:
    """Per run of two or more word characters, ``sum(code[k] * BASE^k) mod 2^64`` over its
    characters and the text it is in; per text, its runs of non-space characters. Each
    text is ``lengths[t]`` consecutive codes ending in a newline."""
    hashes = np.empty(len(codes) // 3 + 1, np.uint64)  # a run: two characters and an end
    text = np.empty(len(hashes), np.int64)
    words = np.zeros(len(lengths), np.int64)
    count = end = 0
    for t in range(len(lengths)):
        start, end = end, end + lengths[t]
        run, h, power, after_space = 0, np.uint64(0), np.uint64(1), True
        for i in range(start, end):
            if not space[i] and after_space:
                words[t] += 1
            after_space = space[i]
            if word[i]:
                h += np.uint64(codes[i]) * power
                power *= _BASE
                run += 1
                continue
            if run >= 2:
                hashes[count], text[count] = h, t
                count += 1
            run, h, power = 0, np.uint64(0), np.uint64(1)
    return hashes[:count], text[:count], words


@cache
def _stop_word_table() -> tuple[npt.NDArray[np.int16], U64Array, np.uint64]:
    """The stop words' hashes, and a table from a hash's top bits to 1 + the index of the
    only stop word with those bits (0: none), with as few bits as keep them apart."""
    hashes, _, _ = _tokens(sorted(ENGLISH_STOP_WORDS))  # "a", "i": never tokens
    hashes = np.unique(hashes)
    for bits in range(16, 33):
        top = hashes >> np.uint64(64 - bits)
        if len(np.unique(top)) == len(top):
            table = np.zeros(1 << bits, dtype=np.int16)
            table[top] = np.arange(1, len(hashes) + 1)
            return table, hashes, np.uint64(64 - bits)
    raise AssertionError("stop word hashes share their top 32 bits")


def _is_stop_word(hashes: U64Array) -> BoolArray:
    table, stop_hashes, shift = _stop_word_table()
    candidate = table[hashes >> shift].astype(np.int64) - 1
    found: BoolArray = (candidate >= 0) & (stop_hashes[candidate] == hashes)
    return found


def _chunk_term_counts(
    texts: Sequence[str],
) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
    """Per text of a chunk: its hashed terms and their counts, sorted by (text, slot), as
    (text, slot, count) rows; and each text's whitespace-separated words."""
    hashes, text, words = _tokens(texts)
    content = ~_is_stop_word(hashes)
    hashes, text = hashes[content], text[content]
    follows = text[1:] == text[:-1]  # a bigram: two consecutive content tokens of one text
    bigrams = _mix(hashes[:-1][follows] * _PAIR + hashes[1:][follows])
    slot = (np.concatenate((hashes, bigrams)) >> _TERM_SHIFT).astype(np.int64)
    key = (np.concatenate((text, text[:-1][follows])) << HASH_BITS) | slot
    key.sort()
    new = np.ones(len(key), dtype=bool)
    new[1:] = key[1:] != key[:-1]
    first = np.flatnonzero(new)
    count = np.diff(first, append=len(key)).astype(np.float64)
    unique_key = key[first]
    return unique_key >> HASH_BITS, unique_key & (HASH_FEATURES - 1), count, words


def _chunks(lengths: IntArray, budget: int) -> list[slice]:
    """Consecutive slices of items of at most ``budget`` total length (an item longer than
    that is a slice of its own)."""
    ends = np.cumsum(lengths)
    bounds, start = [], 0
    while start < len(lengths):
        limit = (ends[start - 1] if start else 0) + budget
        stop = max(int(np.searchsorted(ends, limit, side="right")), start + 1)
        bounds.append(slice(start, stop))
        start = stop
    return bounds


class _Filling:
    """A 1-d array filled part by part, reserved at an upper bound of its final size: the
    pages of ``np.empty`` take memory only once written, so, unlike concatenating a list
    of parts at the end, memory never holds all the parts and the result at once. Grown
    (copied) only if a part does not fit."""

    def __init__(self, capacity: int, dtype: type) -> None:
        self.array: npt.NDArray[Any] = np.empty(capacity, dtype=dtype)
        self.size = 0

    def append(self, part: npt.NDArray[Any]) -> None:
        end = self.size + len(part)
        if end > len(self.array):
            grown = np.empty(max(end, 2 * len(self.array)), dtype=self.array.dtype)
            grown[: self.size] = self.array[: self.size]
            self.array = grown
        self.array[self.size : end] = part
        self.size = end

    def values(self) -> npt.NDArray[Any]:
        return self.array[: self.size]


def term_counts(texts: Sequence[str]) -> tuple[sp.csr_matrix, IntArray]:
    """Counts of each text's terms in HASH_FEATURES hashed slots (CSR, one row per text),
    and each text's number of whitespace-separated words.

    Terms are what ``HashingVectorizer(ngram_range=(1, 2), stop_words="english")`` counts
    (the tests check it term by term): lowercased tokens of two or more word characters,
    stop words removed, then the tokens and the pairs of consecutive ones. Only the hash
    differs: a polynomial hash of the token's code points, and for a pair a mix of its
    two tokens' hashes, computed for a chunk of texts at once in numpy.
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    # a token takes 2 characters and a separator, and adds a term and a bigram at most
    capacity = 2 * (int(lengths.sum()) + len(texts)) // 3 + 1
    slots, counts = _Filling(capacity, np.int32), _Filling(capacity, np.float64)
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    words = np.zeros(len(texts), dtype=np.int64)
    for part in _chunks(lengths, CHUNK_CHARS):
        text, slot, count, chunk_words = _chunk_term_counts(texts[part])
        words[part] = chunk_words
        slots.append(slot)
        counts.append(count)
        indptr[part.start + 1 : part.stop + 1] = np.bincount(text, minlength=part.stop - part.start)
    np.cumsum(indptr, out=indptr)
    matrix = sp.csr_matrix(
        (counts.values(), slots.values(), indptr), shape=(len(texts), HASH_FEATURES)
    )
    matrix.has_canonical_format = True  # sorted and unique per row, by construction
    return matrix, words


@dataclass(frozen=True)
class Context:
    """What the test of one book's reviews needs from the rest of the corpus: the
    document frequency of every hashed term and the number of texts (for the idf), and
    the pooled median and MAD a book with few peers is scored against (`robust_z`).
    `relevance` on the whole corpus computes them itself; `candor score` computes them on
    the engine (`candor.pipeline.per_book`) and tests batches of whole books with them."""

    texts: int  # the corpus' texts: one per review and one per product
    slots: IntArray  # every hashed term that occurs, ascending
    document_frequency: IntArray  # per slot: the texts that have it
    pooled: tuple[float, float] | None  # median and MAD of the scored log similarities


def document_frequency(texts: Sequence[str]) -> tuple[IntArray, IntArray]:
    """The hashed terms (slots, ascending) that occur in ``texts`` and how many of the
    texts have each: summed over parts of a corpus, the corpus' document frequency."""
    counts, _ = term_counts(texts)
    slots, frequency = np.unique(counts.indices, return_counts=True)
    return slots.astype(np.int64), frequency.astype(np.int64)


def smooth_idf(texts: int, frequency: npt.NDArray[np.integer[Any]]) -> FloatArray:
    """Smooth idf ``1 + log((1 + n) / (1 + df))`` of terms in ``frequency`` of ``texts``."""
    idf: FloatArray = np.log((texts + 1.0) / (frequency + 1.0)) + 1.0
    return idf


def _idf(
    counts: sp.csr_matrix, context: Context | None = None
) -> tuple[FloatArray, npt.NDArray[np.integer[Any]]]:
    """Smooth idf (`smooth_idf`) as a table, and each entry's index into it: a table of
    every slot for a large corpus (one bincount), of only the slots that occur for a
    small one (so a few reviews do not pay for 4 million slots), of the ``context``'s
    slots for a part of a corpus (its rows among the corpus' texts)."""
    n_rows, n_slots = counts.shape
    if context is not None:
        index = np.searchsorted(context.slots, counts.indices)
        return smooth_idf(context.texts, context.document_frequency), index
    if counts.nnz >= n_slots // 8:
        frequency = np.zeros(n_slots, dtype=np.int64)
        for lo in range(0, counts.nnz, n_slots):  # bincount copies its input as int64
            frequency += np.bincount(counts.indices[lo : lo + n_slots], minlength=n_slots)
        index = counts.indices
    else:
        _, index, frequency = np.unique(counts.indices, return_inverse=True, return_counts=True)
    return smooth_idf(n_rows, frequency), index


def tfidf(counts: sp.csr_matrix, context: Context | None = None) -> sp.csr_matrix:
    """``TfidfTransformer(sublinear_tf=True)`` of ``counts``, in place: ``(1 + log tf) * idf``
    with smooth idf (`_idf`; the ``context``'s when ``counts`` are part of a corpus), rows
    L2-normalised (empty rows stay empty). BLOCK entries at a time, so no temporary is as
    large as the matrix."""
    idf, idf_index = _idf(counts, context)
    indptr = counts.indptr
    for rows in _chunks(np.diff(indptr), BLOCK):
        lo, hi = int(indptr[rows.start]), int(indptr[rows.stop])
        weight = counts.data[lo:hi]
        np.log(weight, out=weight)
        weight += 1.0
        weight *= idf[idf_index[lo:hi]]
        lengths = np.diff(indptr[rows.start : rows.stop + 1])
        row = np.repeat(np.arange(len(lengths)), lengths)
        weight /= np.sqrt(np.bincount(row, weights=weight * weight))[row]
    return counts


def _owner_sums(
    matrix: sp.csr_matrix, owner: IntArray, n_owners: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Sum the rows of ``matrix`` per ``owner`` (rows sorted by owner); for each row its dot
    product with its owner's sum and with itself, and each owner's sum's squared norm.

    Works a batch of owners at a time. A batch's entries are sorted by (owner, term)
    packed with their position into one integer (numpy sorts integers far faster than it
    argsorts them), so equal terms of one owner are adjacent: their sum is one bincount
    and goes back to each entry by its position.
    """
    n_rows, terms = matrix.shape
    if np.any(owner[1:] < owner[:-1]):
        raise ValueError("rows must be sorted by owner")
    term_bits = max(int(terms - 1).bit_length(), 1)
    # the owner's rank and the entry's position both fit in 63 bits with the term
    budget = min(BLOCK, 1 << ((63 - term_bits) // 2))
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    dot, self_dot = np.zeros(n_rows), np.zeros(n_rows)
    norm2 = np.zeros(n_owners)
    new_owner = np.ones(n_rows, dtype=bool)
    new_owner[1:] = owner[1:] != owner[:-1]
    for rows in _owner_batches(np.diff(indptr), new_owner, budget):
        lo, hi = int(indptr[rows.start]), int(indptr[rows.stop])
        total = hi - lo
        if total == 0:
            continue
        lengths = np.diff(indptr[rows.start : rows.stop + 1])
        local_row = np.repeat(np.arange(len(lengths)), lengths)
        # the owner's rank among this batch's owners: fewer bits than its code
        owner_rank = (np.cumsum(new_owner[rows]) - 1)[local_row]
        position_bits = max(total - 1, 1).bit_length()
        if int(owner_rank[-1]).bit_length() + term_bits + position_bits > 63:
            raise OverflowError("a batch key does not fit in 63 bits")
        key = owner_rank << (term_bits + position_bits)
        key |= indices[lo:hi].astype(np.int64) << position_bits
        key |= np.arange(total)
        key.sort()
        position = key & ((1 << position_bits) - 1)
        cell = key >> position_bits
        new = np.ones(total, dtype=bool)
        new[1:] = cell[1:] != cell[:-1]
        cell_id = np.cumsum(new) - 1
        weight = data[lo:hi]
        sums = np.bincount(cell_id, weights=weight[position])
        own_sum = np.empty(total)
        own_sum[position] = sums[cell_id]
        dot[rows] = np.bincount(local_row, weights=weight * own_sum, minlength=len(lengths))
        self_dot[rows] = np.bincount(local_row, weights=weight * weight, minlength=len(lengths))
        cell_owner = owner[rows][local_row[position[new]]]
        norm2 += np.bincount(cell_owner, weights=sums * sums, minlength=n_owners)
    return dot, self_dot, norm2


def _owner_batches(entries_per_row: IntArray, new_owner: BoolArray, budget: int) -> list[slice]:
    """Consecutive slices of rows, cut where a new owner starts, of at most ``budget``
    entries unless one owner alone has more."""
    first_rows = np.flatnonzero(new_owner)
    entries = np.add.reduceat(entries_per_row, first_rows) if len(first_rows) else first_rows
    ends = np.append(first_rows[1:], len(new_owner))
    return [
        slice(int(first_rows[group.start]), int(ends[group.stop - 1]))
        for group in _chunks(entries, budget)
    ]


def _cosine_to_rest(
    dot: FloatArray, self_dot: FloatArray, centroid_norm2: FloatArray
) -> FloatArray:
    """Cosine of x with C - x from x . C, x . x and ||C||^2: ``(x . C - x . x) / ||C - x||``
    (x's norm is 1); NaN where C - x or x is 0."""
    rest_norm2 = centroid_norm2 - 2.0 * dot + self_dot
    rest_norm2[rest_norm2 < 1e-12] = 0.0  # rounding error of an empty rest
    with np.errstate(invalid="ignore", divide="ignore"):
        similarity: FloatArray = (dot - self_dot) / np.sqrt(rest_norm2)
    similarity[(rest_norm2 == 0.0) | (self_dot == 0.0)] = np.nan
    return similarity


def leave_one_out_similarity(
    vectors: sp.csr_matrix, product: IntArray, extra: sp.csr_matrix
) -> FloatArray:
    """Cosine of each row of ``vectors`` with the sum of the other rows of its product plus
    that product's row of ``extra`` (shape n_products x terms); NaN where that sum is 0."""
    n = vectors.shape[0]
    n_products = extra.shape[0]
    owner = np.concatenate((np.asarray(product, dtype=np.int64), np.arange(n_products)))
    order = np.argsort(owner, kind="stable")
    stacked = sp.vstack([vectors, extra], format="csr")[order]
    stacked.sum_duplicates()
    dot, self_dot, centroid_norm2 = _owner_sums(stacked, owner[order], n_products)
    dot, self_dot = _in_row_order(dot, order)[:n], _in_row_order(self_dot, order)[:n]
    return _cosine_to_rest(dot, self_dot, centroid_norm2[product])


def _in_row_order(values: npt.NDArray[Any], order: IntArray) -> npt.NDArray[Any]:
    """``values`` of the rows ``order`` put back in row order."""
    unsorted = np.empty_like(values)
    unsorted[order] = values
    return unsorted


def _text_similarity(
    texts: list[str], about: list[str], product: IntArray, context: Context | None
) -> tuple[FloatArray, IntArray, IntArray]:
    """The leave-one-out similarity of each review (module docstring); and the number of
    distinct terms and of whitespace-separated words of every text, the reviews' then the
    product texts'."""
    n, n_products = len(texts), len(about)
    # one row per review and per product text, sorted by product: each product's rows are
    # adjacent, so its sums need no gather (a product's text is its last row)
    owner = np.concatenate((product, np.arange(n_products)))
    order = np.argsort(owner, kind="stable")
    every_text = texts + about
    counts, words = term_counts([every_text[i] for i in order.tolist()])
    vectors = tfidf(counts, context)
    terms = np.diff(vectors.indptr)
    if PRODUCT_TEXT_WEIGHT != 1.0:
        row_weight = np.where(order >= n, PRODUCT_TEXT_WEIGHT, 1.0)
        vectors.data *= np.repeat(row_weight, terms)
    dot, self_dot, centroid_norm2 = _owner_sums(vectors, owner[order], n_products)
    dot, self_dot = _in_row_order(dot, order)[:n], _in_row_order(self_dot, order)[:n]
    similarity = _cosine_to_rest(dot, self_dot, centroid_norm2[product])
    return similarity, _in_row_order(terms, order), _in_row_order(words, order)


def group_medians(values: FloatArray, group: IntArray, n_groups: int) -> FloatArray:
    """Median of ``values`` per group (NaN for an empty group), by one sort."""
    order = np.lexsort((values, group))
    sorted_values = values[order]
    count = np.bincount(group, minlength=n_groups)
    start = np.cumsum(count) - count
    low = start + np.maximum(count - 1, 0) // 2
    high = start + count // 2
    last = max(len(values) - 1, 0)
    with np.errstate(invalid="ignore"):
        middle = 0.5 * (
            sorted_values[np.minimum(low, last)] + sorted_values[np.minimum(high, last)]
        )
    return np.where(count > 0, middle, np.nan) if len(values) else np.full(n_groups, np.nan)


def median_and_mad(values: FloatArray) -> tuple[float, float]:
    """The median of ``values`` and their median absolute deviation from it."""
    median = float(np.median(values))
    return median, float(np.median(np.abs(values - median)))


def robust_z(
    values: FloatArray,
    product: IntArray,
    peers: BoolArray,
    pooled: tuple[float, float] | None = None,
) -> FloatArray:
    """``(v - median) / (1.4826 * MAD)`` against the ``peers`` of the same product, or of
    the whole corpus for a product with fewer than MIN_PEERS peers: ``pooled`` (median,
    MAD) when ``values`` are part of a corpus, else `median_and_mad` of the peers."""
    n_products = int(product.max()) + 1
    peer_values = values[peers]
    if not len(peer_values):
        return np.zeros(len(values))
    peer_product = product[peers]
    median = group_medians(peer_values, peer_product, n_products)
    mad = group_medians(np.abs(peer_values - median[peer_product]), peer_product, n_products)
    pooled_median, pooled_mad = median_and_mad(peer_values) if pooled is None else pooled
    own = np.bincount(peer_product, minlength=n_products) >= MIN_PEERS
    median = np.where(own, median, pooled_median)
    scale = MAD_TO_SD * np.where(own, mad, pooled_mad)
    z: FloatArray = (values - median[product]) / np.maximum(scale[product], MIN_SCALE)
    return z


def english_share(text: str) -> float:
    """Share of the words of ``text`` (the vectorizer's tokens) in ENGLISH_MARKERS."""
    words = TOKEN.findall(text.lower())
    return sum(word in ENGLISH_MARKERS for word in words) / max(len(words), 1)


@dataclass(frozen=True)
class _Scored:
    """Per review: its text, the leave-one-out similarity, whether it can be judged, and
    the log similarity it is judged on."""

    texts: list[str]
    product: IntArray
    similarity: FloatArray
    scored: BoolArray
    log_similarity: FloatArray


def _scored(
    reviews: Reviews, product_texts: Sequence[str] | None, context: Context | None
) -> _Scored:
    n, n_products = len(reviews), reviews.n_products
    given = reviews.text if reviews.text is not None else [""] * n
    texts = [t if isinstance(t, str) else "" for t in given]
    about = [""] * n_products if product_texts is None else list(product_texts)
    if len(about) < n_products:
        raise ValueError(f"product_texts: {len(about)} texts for {n_products} products")
    about = [t if isinstance(t, str) else "" for t in about[:n_products]]
    product = np.asarray(reviews.product, dtype=np.int64)
    similarity, terms, words = _text_similarity(texts, about, product, context)

    # a product can be judged when it has enough other reviews with text, or its own text
    has_words = terms[:n] > 0
    with_text = np.bincount(product[has_words], minlength=n_products)
    described = terms[n:] > 0
    judged = ((with_text[product] - has_words) >= MIN_OTHERS) | described[product]
    long_text = words[:n] >= MIN_WORDS
    scored = long_text & judged & np.isfinite(similarity)
    log_similarity = np.log(np.where(scored, similarity, 0.0) + SIMILARITY_FLOOR)
    return _Scored(texts, product, similarity, scored, log_similarity)


def scored_log_similarity(reviews: Reviews, context: Context) -> FloatArray:
    """The log similarity of each review of a part of a corpus that can be judged (NaN
    for the others): the values the pooled median and MAD of ``context`` are taken of."""
    if reviews.text is None or len(reviews) == 0:
        return np.full(len(reviews), np.nan)
    scored = _scored(reviews, None, context)
    return np.where(scored.scored, scored.log_similarity, np.nan)


def relevance(
    reviews: Reviews,
    product_texts: Sequence[str] | None = None,
    context: Context | None = None,
) -> SignalOutput:
    """``relevance_factor``, the similarity and the ``off_topic`` flag for every review.

    ``product_texts[p]``: title and description of product ``p`` ("" when unknown), or
    None for no product texts at all. ``context``: the corpus' (`Context`) when
    ``reviews`` are whole books of a larger corpus; None for the whole corpus.
    """
    n = len(reviews)
    if reviews.text is None or n == 0:
        return _output(np.ones(n), np.full(n, np.nan), np.zeros(n, dtype=bool))
    found = _scored(reviews, product_texts, context)
    pooled = None if context is None else context.pooled
    z = robust_z(found.log_similarity, found.product, found.scored, pooled)
    off = found.scored & (found.similarity < MAX_SIMILARITY) & (z < -MIN_Z)
    for i in np.flatnonzero(off).tolist():  # few: a loop reads only these texts
        off[i] = english_share(found.texts[i]) >= MIN_ENGLISH_SHARE
    return _output(np.where(off, OFF_TOPIC_FACTOR, 1.0), found.similarity, off)
