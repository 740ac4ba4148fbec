"""Near-duplicate review texts across the whole corpus: MinHash + LSH, then clusters.

A paid campaign often posts the same review, lightly edited, from many accounts and on
many books. This signal finds clusters of reviews whose texts share most of their content
(estimated Jaccard similarity of their shingle sets >= ``threshold``, default 0.8) and
says, for every review, how big its cluster is and how many distinct accounts wrote it.

Text -> shingles
    Normalise: Unicode NFKC, casefold, every run of characters that are not letters or
    digits becomes one space (so case, punctuation and spacing edits are invisible); only
    the first ``MAX_CHARS`` characters are used. Shingles are the **character 5-grams** of
    the normalised text (across word boundaries). Char 5-grams rather than word 3-grams:
    in a 40-word review, swapping two words removes about 6 of 38 word trigrams (Jaccard
    0.73, below 0.8) but only about 20 of 200 char 5-grams (Jaccard 0.83), so "a template
    with small edits" stays above the threshold while unrelated reviews share few 5-grams.

Short texts are not clustered across accounts
    Texts with fewer than ``MIN_WORDS`` (6) words after normalisation ("Great book!",
    "Loved it, highly recommend.") never join a near-duplicate cluster: many honest readers
    type the same stock phrase, so identical short texts from different accounts are not
    evidence of a campaign, and Jaccard on a handful of shingles means little. Campaign
    scripts are longer than that. The one exception: the *same account* posting the same
    normalised short text more than once is grouped (flag ``repeated_text``), because
    counting those rows as separate votes is wrong whatever their length.

MinHash + LSH
    Each shingle gets a 32-bit hash (a 64-bit polynomial hash of its code points, mixed
    down). Signatures are exactly datasketch's ``MinHash(num_perm, seed,
    scheme="affine32")`` over those hash values (MurmurHash3 finalizer, then
    ``h_k = a_k * h + b_k mod 2^32`` with datasketch's own ``a_k, b_k``; ``to_minhash``
    returns the datasketch object and the tests check the values agree), but computed
    over a whole batch: one compiled pass (Numba) over the batch's shingle hashes, no
    Python loop per review or per shingle, in chunks of ``CHUNK`` reviews. Signatures are
    cut into ``b`` bands of ``r`` rows (``lsh_params``: the largest r whose candidate
    probability at the threshold is >= 0.995, so banding loses almost nothing: 16 x 4 for
    64 permutations at 0.8); reviews whose values agree on
    a whole band are candidates, every pair in a bucket (buckets over ``WINDOW`` reviews:
    each with its next WINDOW - 1). Reviews with identical signatures (identical texts,
    in practice) are joined first and banded once, so 1,000 copies of one text cost one
    row, not half a million pairs.

Verification and clusters
    Candidate pairs are processed band by band, skipping pairs already in one cluster. A
    pair whose MinHash estimate is >= threshold + 3 standard errors (0.95 for 0.8 and 64
    permutations) is accepted; one below threshold - 3 SE (0.65) is rejected; the
    borderline pairs get the exact Jaccard of their shingle sets (as 32-bit hashes,
    computed once per text and kept), which must be >= ``threshold``. So the threshold
    means Jaccard, not a noisy estimate of it: with the estimate alone, 64 permutations
    would miss about 1 in 9 pairs at J = 0.85. To keep exact checks few in dense
    campaigns, the borderline pairs are checked in rounds: first a maximum-estimate
    spanning forest over the current clusters, then for clusters still apart their best
    2, 4, 8, ... remaining pairs. Accepted pairs are edges; clusters are the connected
    components (union-find semantics: transitive, so a chain of small edits forms one
    cluster), via scipy's ``connected_components``.

Throughput (one core of a shared 2-core machine), measured before the MinHash minima
were compiled: about 30,000-45,000 reviews/s for ``duplicate_signal`` on review-length
texts (median 260-280 characters), about 27,000/s when a fifth of the corpus is campaigns
of 50 near-duplicates. Compiling the normalisation's squeeze, the shingle hashes and the
minima (Numba; the same integer arithmetic, so the same signatures) and lowercasing an
all-ASCII batch in one call (`_folded`) took the copied-text stage from 11.9 to 8.4
CPU-seconds on 1,000,000 generated reviews (``bench.trust_speed``).

Output (``duplicate_signal``)
    context flag ``text_truncated`` (the same as the text signal's: longer than
    ``MAX_CHARS``, so only the beginning was compared; number = MAX_CHARS), so the note is
    there whichever text signals ran;
    features ``dup_cluster_size`` (raw count of reviews in the cluster, 1 when alone or not
    clustered) and ``dup_distinct_reviewers`` (distinct accounts in the cluster, 1 when
    alone); flag ``near_duplicate`` when the cluster has >= 2 reviews by >= 2 distinct
    accounts, with number = cluster size ("one of 14 near-identical reviews"); context flag
    ``repeated_text`` when the cluster has >= 2 reviews all by one account (the same person
    posting one text on several editions or items, as in the Amazon 2018 fashion dump),
    with number = cluster size. Reviews without text (``reviews.text is None``) get zero
    features and no flags.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from datasketch import MinHash  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree  # type: ignore[import-untyped]

from candor.trust.compiled import compiled
from candor.trust.table import BoolArray, FloatArray, IntArray, Reviews, SignalOutput

THRESHOLD = 0.8
NUM_PERM = 64
SEED = 1
SHINGLE = 5  # characters
MIN_WORDS = 6
MAX_CHARS = 5_000
CHUNK = 2_048  # reviews hashed at a time (bounds memory, keeps arrays in cache)
MIN_CANDIDATE_PROBABILITY = 0.995  # LSH recall at the threshold, before verification
WINDOW = 64  # in a bigger LSH bucket, each review is paired with the next WINDOW - 1 only

_POLY = np.uint64(0x100000001B3)  # FNV prime as the polynomial base
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)


def distinct(x: np.ndarray) -> np.ndarray:
    """np.unique(x) by sorting (numpy 2's hash-based unique is ~20x slower on hashes)."""
    y = np.sort(x)
    return y[np.concatenate([[True], y[1:] != y[:-1]])] if len(y) else y


def groups(x: np.ndarray) -> tuple[np.ndarray, IntArray, IntArray]:
    """np.unique(x, return_index=True, return_inverse=True), by a stable sort."""
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    new = (
        np.concatenate([[True], sorted_x[1:] != sorted_x[:-1]]) if len(x) else sorted_x.astype(bool)
    )
    inverse = np.empty(len(x), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return sorted_x[new], order[new].astype(np.int64), inverse


def normalize(text: object) -> str:
    """NFKC, casefold, runs of characters that are not letters/digits (str.isalnum) -> one
    space, stripped; "" for None/non-str. The one-text reference for ``prepare``."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


@lru_cache(maxsize=1)
def _alnum_table() -> BoolArray:
    """str.isalnum for every code point (1.1 MB, built once in ~0.1 s). ``[^\\W_]`` in a
    str pattern is exactly isalnum (CPython's \\w is isalnum or "_")."""
    every = "".join(map(chr, range(0x110000)))
    marked = re.sub(r"[\W_]", "\x00", every).encode("utf-32-le", "surrogatepass")
    table: BoolArray = np.frombuffer(marked, dtype=np.uint32) != 0
    return table


def _folded(texts: Sequence[object]) -> tuple[str, IntArray]:
    """NFKC then casefold of each text's first MAX_CHARS characters ("" for a non-str),
    joined, and their lengths. An ASCII text is its own NFKC form and folds to its
    lowercase, so a batch of ASCII texts (most reviews) is lowercased in one call."""
    cut = [t[:MAX_CHARS] if isinstance(t, str) else "" for t in texts]
    joined = "".join(cut)
    if joined.isascii():
        return joined.lower(), np.fromiter(map(len, cut), dtype=np.int64, count=len(cut))
    folded = [unicodedata.normalize("NFKC", t).casefold() for t in cut]
    return "".join(folded), np.fromiter(map(len, folded), dtype=np.int64, count=len(folded))


def prepare(texts: Sequence[object]) -> tuple[np.ndarray, IntArray, IntArray]:
    """``normalize`` for a batch: the normalised texts' code points concatenated
    (uint64), their lengths, and their word counts."""
    joined, lengths = _folded(texts)
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return _squeeze(points, lengths, _alnum_table())


@compiled
def _squeeze(
    points: np.ndarray, lengths: IntArray, alnum: BoolArray
) -> tuple[np.ndarray, IntArray, IntArray]:
    """Each text's (``lengths[t]`` consecutive ``points``) runs of letters and digits, one
    space between two runs: the code points (uint64), the lengths, the runs per text."""
    out = np.empty(len(points), np.uint64)
    out_lengths = np.zeros(len(lengths), np.int64)
    words = np.zeros(len(lengths), np.int64)
    start = size = 0
    for t in range(len(lengths)):
        first, in_word = size, False
        for point in points[start : start + lengths[t]]:
            if not alnum[point]:
                in_word = False
                continue
            if not in_word:
                if words[t]:
                    out[size] = ord(" ")
                    size += 1
                words[t] += 1
                in_word = True
            out[size] = point
            size += 1
        start += lengths[t]
        out_lengths[t] = size - first
    return out[:size], out_lengths, words


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows): the largest rows per band whose probability of making a pair with
    Jaccard == threshold a candidate is still >= MIN_CANDIDATE_PROBABILITY."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= MIN_CANDIDATE_PROBABILITY:
            best = (bands, rows)
    return best


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters (a odd), as uint32 arrays."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (what datasketch applies before permuting)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    out: np.ndarray = h ^ (h >> np.uint32(16))
    return out


def shingle_hashes(points: np.ndarray, lengths: IntArray) -> tuple[np.ndarray, IntArray]:
    """uint32 hashes of the char SHINGLE-grams of texts given as concatenated code points
    and lengths, concatenated, and the number per text (texts shorter than SHINGLE have
    none)."""
    counts = np.maximum(lengths - SHINGLE + 1, 0)
    return _shingle_hashes(points, lengths, int(counts.sum())), counts


@compiled
def _shingle_hashes(points: np.ndarray, lengths: IntArray, total: int) -> np.ndarray:
    """For each window of SHINGLE code points inside one text: the polynomial hash of its
    points mod 2^64 (base ``_POLY``), mixed, its top 32 bits."""
    out = np.empty(total, np.uint32)
    start = k = 0
    for length in lengths:
        for at in range(start, start + length - SHINGLE + 1):
            h = np.uint64(points[at])
            for j in range(1, SHINGLE):
                h = h * _POLY + np.uint64(points[at + j])
            out[k] = np.uint32((h * _MIX) >> _SHIFT)
            k += 1
        start += length
    return out


def _split(points: np.ndarray, lengths: IntArray, rows: IntArray) -> tuple[np.ndarray, IntArray]:
    """The code points and lengths of texts ``rows`` (sorted) of a concatenation."""
    mask = np.repeat(np.isin(np.arange(len(lengths)), rows), lengths)
    return points[mask], lengths[rows]


def signatures(
    points: np.ndarray, lengths: IntArray, num_perm: int = NUM_PERM, seed: int = SEED
) -> np.ndarray:
    """MinHash signatures of prepared texts, shape (len(lengths), num_perm), uint32; row i
    equals ``to_minhash(text i).hashvalues``. Every text needs >= SHINGLE characters."""
    a, b = permutations(num_perm, seed)
    hashes, counts = shingle_hashes(points, lengths)
    if np.any(counts == 0):
        raise ValueError(f"every text needs at least {SHINGLE} characters")
    out = np.empty((len(lengths), num_perm), dtype=np.uint32)
    if not len(lengths):
        return out
    _min_hashes(fmix32(hashes), counts, a, b, out)
    return out


@compiled
def _min_hashes(
    mixed: np.ndarray, counts: IntArray, a: np.ndarray, b: np.ndarray, out: np.ndarray
) -> None:
    """``out[t, k]``: the least ``a[k] * h + b[k] mod 2^32`` over the hashes ``h`` of text
    ``t`` (``counts[t]`` consecutive values of ``mixed``, at least one). Compiled: one pass
    over the hashes instead of one per permutation."""
    end = 0
    for t in range(len(counts)):
        start, end = end, end + counts[t]
        row = out[t]
        row[:] = np.uint32(0xFFFFFFFF)
        for h in mixed[start:end]:
            for k in range(len(a)):
                # the product of two uint32 is exact in 64 bits; the cast keeps it mod 2^32
                value = np.uint32(np.uint64(a[k]) * np.uint64(h) + np.uint64(b[k]))
                if value < row[k]:
                    row[k] = value


def corpus_signatures(
    texts: Sequence[object], num_perm: int = NUM_PERM, seed: int = SEED
) -> tuple[np.ndarray, BoolArray]:
    """Signatures of the texts with >= MIN_WORDS words (in order) and which texts those
    are. Works in chunks of CHUNK texts, so memory stays small and arrays stay in cache."""
    n = len(texts)
    eligible = np.zeros(n, dtype=bool)
    parts = []
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        points, lengths, words = prepare(texts[start:stop])
        ok = words >= MIN_WORDS
        eligible[start:stop] = ok
        if not ok.all():
            points, lengths = _split(points, lengths, np.flatnonzero(ok))
        parts.append(signatures(points, lengths, num_perm, seed))
    sig = np.concatenate(parts) if parts else np.zeros((0, num_perm), np.uint32)
    return sig, eligible


def to_minhash(text: str, num_perm: int = NUM_PERM, seed: int = SEED) -> MinHash:
    """datasketch's MinHash of one text (normalised first), for interop and checking."""
    points, lengths, _ = prepare([text])
    m = MinHash(num_perm=num_perm, seed=seed, scheme="affine32", hashfunc=int)
    m.update_batch(shingle_hashes(points, lengths)[0].tolist())
    return m


def row_keys(block: np.ndarray) -> np.ndarray:
    """A 64-bit key per row of a uint32 matrix (equal rows -> equal keys)."""
    key = np.zeros(block.shape[0], dtype=np.uint64)
    for col in range(block.shape[1]):
        key *= _POLY
        key ^= block[:, col].astype(np.uint64)
    return key


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """The LSH bucket of each signature in each band: ``row_keys`` of its ``rows`` values
    there, shape (len(sig), bands), uint64."""
    keys = np.empty((sig.shape[0], bands), dtype=np.uint64)
    for band in range(bands):
        keys[:, band] = row_keys(sig[:, band * rows : (band + 1) * rows])
    return keys


def band_pairs(
    sig: np.ndarray, band: int, rows: int, window: int = WINDOW
) -> tuple[IntArray, IntArray]:
    """Pairs of reviews whose signatures agree on all rows of ``band``: every pair in a
    bucket, except that in a bucket of more than ``window`` reviews each is paired only
    with the next ``window - 1`` (in index order)."""
    n = sig.shape[0]
    key = band_keys(sig[:, band * rows : (band + 1) * rows], 1, rows)[:, 0]
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    bucket = np.concatenate([[0], np.cumsum(sorted_key[1:] != sorted_key[:-1])])
    active = np.flatnonzero(np.bincount(bucket)[bucket] >= 2)
    left, right = [], []
    for gap in range(1, window):
        active = active[active + gap < n]
        active = active[bucket[active + gap] == bucket[active]]
        if not len(active):
            break
        left.append(order[active])
        right.append(order[active + gap])
    if not left:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(left).astype(np.int64), np.concatenate(right).astype(np.int64)


def _spanning(component: IntArray, i: IntArray, j: IntArray, weight: FloatArray) -> IntArray:
    """Positions of pairs forming a maximum-weight spanning forest over the current
    components: the fewest pairs that could join everything the pairs could join."""
    ci, cj = component[i], component[j]
    lo, hi = np.minimum(ci, cj), np.maximum(ci, cj)
    order = np.argsort(-weight, kind="stable")
    nodes, _, compact = groups(np.concatenate([lo, hi]))
    k = len(nodes)
    a, b = compact[: len(lo)], compact[len(lo) :]
    # one pair (the heaviest) per pair of components
    _, first, _ = groups((a * k + b)[order])
    best = order[first]
    graph = sp.coo_matrix((2.0 - weight[best], (a[best], b[best])), shape=(k, k)).tocsr()
    forest = minimum_spanning_tree(graph).tocoo()
    rows, cols = forest.row.astype(np.int64), forest.col.astype(np.int64)
    chosen = np.minimum(rows, cols) * k + np.maximum(rows, cols)
    return np.sort(best[np.isin(a[best] * k + b[best], chosen)])


def _best_per_link(component: IntArray, i: IntArray, j: IntArray, quota: int) -> IntArray:
    """Positions of the first ``quota`` pairs (pairs come best first) per pair of
    components."""
    ci, cj = component[i], component[j]
    key = np.minimum(ci, cj) * (int(component.max()) + 1) + np.maximum(ci, cj)
    order = np.argsort(key, kind="stable")  # keeps best-first order within a link
    sorted_key = key[order]
    new = np.ones(len(key), dtype=bool)
    new[1:] = sorted_key[1:] != sorted_key[:-1]
    start = np.flatnonzero(new)[np.cumsum(new) - 1]
    rank = np.arange(len(key)) - start
    return np.sort(order[rank < quota])


def _components(m: int, i: IntArray, j: IntArray) -> IntArray:
    graph = sp.coo_matrix((np.ones(len(i)), (i, j)), shape=(m, m))
    labels: IntArray = connected_components(graph, directed=False)[1].astype(np.int64)
    return labels


def estimated_jaccard(sig: np.ndarray, i: IntArray, j: IntArray) -> FloatArray:
    out = np.empty(len(i))
    for start in range(0, len(i), 65_536):
        s = slice(start, start + 65_536)
        out[s] = (sig[i[s]] == sig[j[s]]).mean(axis=1)
    return out


class ShingleSets:
    """Distinct shingle hashes of texts, computed on first use and kept, for exact Jaccard.

    Stored as one sorted uint64 array of ``slot << 32 | hash``; slots are handed out in
    increasing order, so appending a batch keeps the array sorted and membership is a
    ``searchsorted``."""

    def __init__(self, texts: Sequence[object], index: IntArray) -> None:
        self.texts = texts
        self.index = index  # eligible position -> position in texts
        self.slot = np.full(len(index), -1, dtype=np.int64)
        self._buffer = np.zeros(1 << 16, dtype=np.uint64)
        self.keyed = self._buffer[:0]
        self.start = np.zeros(0, dtype=np.int64)
        self.size = np.zeros(0, dtype=np.int64)

    def _ensure(self, docs: IntArray) -> None:
        new = distinct(docs[self.slot[docs] < 0])
        if not len(new):
            return
        first = len(self.size)
        self.slot[new] = first + np.arange(len(new))
        points, lengths, _ = prepare([self.texts[k] for k in self.index[new].tolist()])
        hashes, counts = shingle_hashes(points, lengths)
        owner = np.repeat(np.arange(first, first + len(new), dtype=np.uint64), counts)
        keyed = distinct((owner << _SHIFT) | hashes.astype(np.uint64))
        size = np.bincount((keyed >> _SHIFT).astype(np.int64) - first, minlength=len(new))
        used = len(self.keyed)
        start = used + np.concatenate([[0], np.cumsum(size)[:-1]])
        if used + len(keyed) > len(self._buffer):  # grow by doubling: appends stay cheap
            grown = np.empty(max(2 * len(self._buffer), used + len(keyed)), dtype=np.uint64)
            grown[:used] = self.keyed
            self._buffer = grown
        self._buffer[used : used + len(keyed)] = keyed
        self.keyed = self._buffer[: used + len(keyed)]
        self.size = np.concatenate([self.size, size])
        self.start = np.concatenate([self.start, start.astype(np.int64)])

    def jaccard(self, i: IntArray, j: IntArray) -> FloatArray:
        """Exact Jaccard of the shingle sets of eligible texts i and j (pairwise)."""
        self._ensure(np.concatenate([i, j]))
        a, b = self.slot[i], self.slot[j]
        swap = self.size[a] > self.size[b]  # look up the smaller set's members
        a, b = np.where(swap, b, a), np.where(swap, a, b)
        out = np.empty(len(a))
        step = max(1, 4_000_000 // max(1, int(self.size[a].mean() if len(a) else 1)))
        for lo in range(0, len(a), step):
            sa, sb = a[lo : lo + step], b[lo : lo + step]
            reps = self.size[sa]
            pair = np.repeat(np.arange(len(sa)), reps)
            offset = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
            members = self.keyed[np.repeat(self.start[sa], reps) + offset] & _LOW32
            query = (sb[pair].astype(np.uint64) << _SHIFT) | members
            at = np.minimum(np.searchsorted(self.keyed, query), len(self.keyed) - 1)
            inter = np.bincount(pair[self.keyed[at] == query], minlength=len(sa))
            union = self.size[sa] + self.size[sb] - inter
            out[lo : lo + step] = inter / np.maximum(union, 1)
        return out


def clusters(
    texts: Sequence[object],
    threshold: float = THRESHOLD,
    num_perm: int = NUM_PERM,
    seed: int = SEED,
) -> tuple[IntArray, BoolArray]:
    """Cluster label per text (equal labels = near-duplicates; a text alone has its own
    label) and which texts took part (enough words)."""
    n = len(texts)
    sig, eligible = corpus_signatures(texts, num_perm, seed)
    index = np.flatnonzero(eligible)
    labels = np.arange(n, dtype=np.int64)
    if len(index) < 2:
        return labels, eligible
    # identical signatures (in practice identical texts) join without further checks;
    # LSH runs on one representative per distinct signature
    _, rep_pos, rep_of = groups(row_keys(sig))
    bands, rows = lsh_params(threshold, num_perm)
    sets = ShingleSets(texts, index)
    reps = sig[rep_pos]
    m = len(rep_pos)
    # MinHash settles the clear cases (3 standard errors from the threshold); borderline
    # pairs get the exact Jaccard of their shingles, but only those that would join two
    # clusters not yet joined (see _verify), so a dense campaign costs few exact checks.
    edges_i: list[IntArray] = []
    edges_j: list[IntArray] = []
    component = np.arange(m, dtype=np.int64)
    for band in range(bands):
        i, j = band_pairs(reps, band, rows)
        outside = component[i] != component[j]
        if not outside.any():
            continue
        key = distinct(np.minimum(i, j)[outside] * m + np.maximum(i, j)[outside])
        i, j = key // m, key % m
        estimate = estimated_jaccard(reps, i, j)
        sure, borderline = verdicts(estimate, threshold, num_perm)
        edges_i.append(i[sure])
        edges_j.append(j[sure])
        unsure = np.flatnonzero(borderline)
        unsure = unsure[np.argsort(-estimate[unsure], kind="stable")]
        if sure.any():
            component = _components(m, np.concatenate(edges_i), np.concatenate(edges_j))
        component = _verify_borderline(
            _Candidates(i, j, estimate, unsure),
            component,
            edges_i,
            edges_j,
            sets,
            rep_pos,
            threshold,
        )
    # back to all eligible reviews: each joins its representative's component
    component = component[rep_of]
    # label = smallest review index in the component (stable, readable)
    count = len(index)
    first = np.full(count, count, dtype=np.int64)
    np.minimum.at(first, component, np.arange(count))
    labels[index] = index[first[component]]
    return labels, eligible


def verdicts(estimate: FloatArray, threshold: float, num_perm: int) -> tuple[BoolArray, BoolArray]:
    """Which candidate pairs their MinHash estimate accepts outright (>= threshold + 3
    standard errors) and which are borderline (within 3 standard errors below that or
    above the threshold - 3 SE: `passes` decides); the rest are not near-duplicates."""
    error = 3.0 * np.sqrt(threshold * (1.0 - threshold) / num_perm)
    sure = estimate >= threshold + error
    return sure, ~sure & (estimate >= threshold - error)


def passes(exact: FloatArray, threshold: float) -> BoolArray:
    """Whether a borderline pair's exact Jaccard reaches the threshold (to rounding)."""
    result: BoolArray = exact >= threshold - 1e-12
    return result


def estimated_verdicts(
    sig_a: np.ndarray, sig_b: np.ndarray, threshold: float = THRESHOLD, num_perm: int = NUM_PERM
) -> tuple[BoolArray, BoolArray]:
    """`verdicts` on the MinHash estimate of each pair (rows k of ``sig_a`` and ``sig_b``)."""
    n = len(sig_a)
    estimate = estimated_jaccard(np.concatenate([sig_a, sig_b]), np.arange(n), n + np.arange(n))
    return verdicts(estimate, threshold, num_perm)


def exact_passes(
    texts_a: Sequence[object], texts_b: Sequence[object], threshold: float = THRESHOLD
) -> BoolArray:
    """`passes` on the exact Jaccard of each pair of texts (``texts_a[k]``, ``texts_b[k]``)."""
    n = len(texts_a)
    sets = ShingleSets([*texts_a, *texts_b], np.arange(2 * n))
    return passes(sets.jaccard(np.arange(n), n + np.arange(n)), threshold)


def accepted(
    sig_a: np.ndarray,
    sig_b: np.ndarray,
    texts: tuple[Sequence[object], Sequence[object]],
    threshold: float = THRESHOLD,
    num_perm: int = NUM_PERM,
) -> BoolArray:
    """Whether each candidate pair (row k of ``sig_a`` and ``sig_b``, with texts
    ``texts[0][k]`` and ``texts[1][k]``) is an edge of `clusters`' graph: sure by
    `estimated_verdicts`, or borderline and `exact_passes`. `clusters` checks a pair
    only while it would still join two clusters, which gives the same clusters as
    checking every pair, as this does."""
    sure, borderline = estimated_verdicts(sig_a, sig_b, threshold, num_perm)
    edge = sure.copy()
    at = np.flatnonzero(borderline).tolist()
    if at:
        pick = ([texts[0][k] for k in at], [texts[1][k] for k in at])
        edge[borderline] = exact_passes(*pick, threshold)
    return edge


@dataclass(frozen=True)
class _Candidates:
    """One band's candidate pairs of representatives, with their MinHash estimates, and
    which of them are borderline (indices into ``i`` and ``j``, best estimate first)."""

    i: IntArray
    j: IntArray
    estimate: FloatArray
    unsure: IntArray


def _verify_borderline(
    pairs: _Candidates,
    component: IntArray,
    edges_i: list[IntArray],
    edges_j: list[IntArray],
    sets: "ShingleSets",
    rep_pos: IntArray,
    threshold: float,
) -> IntArray:
    """Check the borderline pairs that would join two clusters not yet joined with the
    exact Jaccard of their shingles (``rep_pos``: each representative's text); append
    those that pass to ``edges_i`` and ``edges_j`` and return the components with them."""
    i, j, unsure = pairs.i, pairs.j, pairs.unsure
    m = len(component)
    attempt = 0
    while True:  # every round verifies >= 1 pair of ``unsure``, so this ends
        unsure = unsure[component[i[unsure]] != component[j[unsure]]]
        if not len(unsure):
            return component
        # first a spanning forest of the best pairs; then, for clusters still apart,
        # their 2, 4, 8, ... best remaining pairs
        if attempt == 0:
            pick = _spanning(component, i[unsure], j[unsure], pairs.estimate[unsure])
        else:
            quota = min(2**attempt, len(unsure))
            pick = _best_per_link(component, i[unsure], j[unsure], quota)
        attempt += 1
        batch, unsure = unsure[pick], np.delete(unsure, pick)
        exact = sets.jaccard(rep_pos[i[batch]], rep_pos[j[batch]])
        passed = batch[passes(exact, threshold)]
        if len(passed):
            edges_i.append(i[passed])
            edges_j.append(j[passed])
            component = _components(m, np.concatenate(edges_i), np.concatenate(edges_j))


def same_account_short_texts(
    texts: Sequence[object], reviewer: IntArray, labels: IntArray, eligible: BoolArray
) -> IntArray:
    """Join the short (not eligible) texts that one account posted more than once with
    the same normalised text; other short texts stay alone."""
    labels = labels.copy()
    groups: dict[tuple[int, str], int] = {}
    for i in np.flatnonzero(~eligible).tolist():
        text = normalize(texts[i])
        if text:
            labels[i] = groups.setdefault((int(reviewer[i]), text), i)
    return labels


def duplicate_signal(
    reviews: Reviews,
    threshold: float = THRESHOLD,
    num_perm: int = NUM_PERM,
    seed: int = SEED,
) -> SignalOutput:
    """See the module docstring for features, flags and numbers."""
    n = len(reviews)
    out = SignalOutput(name="duplicates")
    if reviews.text is None or n == 0:
        out.features = {"dup_cluster_size": np.zeros(n), "dup_distinct_reviewers": np.zeros(n)}
        out.flags = {
            "near_duplicate": np.zeros(n, bool),
            "repeated_text": np.zeros(n, bool),
            "text_truncated": np.zeros(n, bool),
        }
        out.numbers = {
            "near_duplicate": np.zeros(n),
            "repeated_text": np.zeros(n),
            "text_truncated": np.zeros(n),
        }
        return out
    labels, eligible = clusters(reviews.text, threshold, num_perm, seed)
    labels = same_account_short_texts(reviews.text, reviews.reviewer, labels, eligible)
    _, _, cluster = groups(labels)
    size = np.bincount(cluster).astype(np.float64)
    reviewer = np.asarray(reviews.reviewer, dtype=np.int64)
    stride = int(reviewer.max()) + 1
    pairs = distinct(cluster * stride + reviewer)
    accounts = np.bincount(pairs // stride, minlength=len(size)).astype(np.float64)
    cluster_size, reviewers = size[cluster], accounts[cluster]
    near = (cluster_size >= 2) & (reviewers >= 2)
    repeated = (cluster_size >= 2) & (reviewers < 2)
    out.features = {"dup_cluster_size": cluster_size, "dup_distinct_reviewers": reviewers}
    truncated = np.fromiter(
        (isinstance(t, str) and len(t) > MAX_CHARS for t in reviews.text), dtype=bool, count=n
    )
    out.flags = {"near_duplicate": near, "repeated_text": repeated, "text_truncated": truncated}
    out.numbers = {
        "near_duplicate": np.where(near, cluster_size, 0.0),
        "repeated_text": np.where(repeated, cluster_size, 0.0),
        "text_truncated": np.where(truncated, float(MAX_CHARS), 0.0),
    }
    return out
