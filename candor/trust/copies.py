"""Copied text: a review whose text repeats an earlier review by another account, or an
earlier review of another book by the same account.

A campaign writes one review and posts it, as it is or lightly edited, under many
accounts and on many books. The first posting may be an honest review that was copied
(or the campaign's own first post); every later posting is a copy, and a copy says
nothing new about the book it is posted on.

Near-duplicates
    Exactly the criterion of ``candor.trust.duplicates``: Jaccard similarity >= 0.8 of
    the character 5-gram shingles of the normalised texts, for texts of at least
    ``duplicates.MIN_WORDS`` (6) words, clustered transitively (MinHash + LSH, verified)
    by ``duplicates.clusters``. Shorter texts ("Great book!") never join a cluster: many
    honest readers type the same stock phrase. Here the words are also counted once each:
    a text needs ``MIN_WORDS`` *distinct* words to be a copy, because a title repeated as
    the body ("Works as expected / Works as expected") reaches six words with three, and
    such doubled stock phrases recur by chance in a large corpus (the 2023 electronics
    sample has dozens of them).

Which review keeps its trust
    In each cluster the reviews are ordered by time (ties by row order). The earliest
    keeps ``copy_factor`` 1.0, and so does any later member written by the *same account
    on the same book* as the earliest while no other account or book has come in between
    (the same person saving one review twice is not a copy of anyone else's; with one
    review per account per book it does not happen in practice). Every other member is
    a copy: ``copy_factor`` = ``COPY_FACTOR`` (0.05). The same account posting one text
    on several books is a copy too: a review of one book is not evidence about another.

On the honest Amazon samples (``bench.real_data``)
    amazon_books 9 of 999 flagged (0.9%): each the second of a pair of identical or
    nearly identical texts on the same book under two account ids, 8 of the 9 pairs
    within a day of each other: a double vote whoever wrote it;
    amazon_kindle 0 of 4,905; amazon_fashion 0 of 447 (its loader keeps a text repeated
    across product variants once); amazon_electronics 154 of 56,662 (0.3%): that sample
    has no account ids, so every row is its own account, and most of these are the same
    review scraped twice.

Speed: the near-duplicate clustering (``duplicates.clusters``) is nearly all of it: about
120,000 reviews/s on one core on 1,000,000 generated reviews of 200 characters median
(``bench.trust_speed``; 84,000/s before its hashing was compiled). Measured before that:
31,000-38,000/s on the 63,000 real Amazon texts, and 6,600/s on ``bench.generate``'s
template texts, its worst case (many pairs near the threshold).

Output (``copied_text``)
    feature ``copy_factor`` (1.0 unless a copy); flag ``copied_text`` on the copies, with
    number = the size of the cluster, the original included ("one of 14 copies of the
    same text"). Without texts (``reviews.text is None``) every factor is 1.0.
"""

from collections.abc import Sequence

import numpy as np

from candor.trust.duplicates import MIN_WORDS, clusters, groups, normalize
from candor.trust.table import BoolArray, FloatArray, IntArray, Reviews, SignalOutput

NAME = "copies"
FACTOR = "copy_factor"
CODE = "copied_text"
COPY_FACTOR = 0.05  # a copy adds (almost) nothing: the text was written for another post


def _output(factor: FloatArray, copied: BoolArray, cluster_size: FloatArray) -> SignalOutput:
    out = SignalOutput(name=NAME)
    out.features = {FACTOR: factor}
    out.flags = {CODE: copied}
    out.numbers = {CODE: np.where(copied, cluster_size, 0.0)}
    return out


def originals(cluster: IntArray, time: IntArray, author: IntArray) -> BoolArray:
    """Per review, whether it is not a copy: the earliest of its cluster (time, then row
    order), or a later one with the same ``author`` key (account and book) as the
    earliest, with only that key before it."""
    n = len(cluster)
    order = np.lexsort((np.arange(n), time, cluster))
    sorted_cluster = cluster[order]
    sorted_author = author[order]
    first = np.ones(n, dtype=bool)
    first[1:] = sorted_cluster[1:] != sorted_cluster[:-1]
    start = np.flatnonzero(first)[np.cumsum(first) - 1]  # position of the cluster's first
    # a review by another author than the first's ends the run of originals for good
    breaks = np.cumsum(sorted_author != sorted_author[start])
    keeps = breaks == breaks[start]
    result = np.empty(n, dtype=bool)
    result[order] = keeps
    return result


def without_stock_phrases(labels: IntArray, texts: Sequence[object]) -> IntArray:
    """``labels`` with every clustered text of fewer than MIN_WORDS distinct words put in a
    cluster of its own. Only clustered texts are read (few), so this stays cheap."""
    _, _, cluster = groups(labels)
    clustered = np.flatnonzero(np.bincount(cluster)[cluster] >= 2)
    labels = labels.copy()
    for i in clustered.tolist():
        if len(set(normalize(texts[i]).split())) < MIN_WORDS:
            labels[i] = -1 - i  # a label no other review has
    return labels


def copies_in(
    labels: IntArray, time: IntArray, reviewer: IntArray, product: IntArray
) -> tuple[BoolArray, FloatArray]:
    """Which reviews are copies, and the size of each one's cluster, from cluster labels
    (equal labels: one cluster) and each review's time, account and book codes, rows in
    input order. Only equalities of labels and codes count, so the rows of whole clusters
    give the same answer for them as the whole corpus."""
    _, _, cluster = groups(labels)
    size = np.bincount(cluster).astype(np.float64)[cluster]
    author = reviewer * (int(product.max()) + 1) + product  # one key per (account, book)
    return ~originals(cluster, time, author), size


def copy_output(copied: BoolArray, cluster_size: FloatArray) -> SignalOutput:
    """The signal's output for reviews found ``copied`` in clusters of ``cluster_size``."""
    return _output(np.where(copied, COPY_FACTOR, 1.0), copied, cluster_size)


def copied_text(reviews: Reviews) -> SignalOutput:
    """``copy_factor`` and the ``copied_text`` flag for every review (see module doc)."""
    n = len(reviews)
    if reviews.text is None or n == 0:
        return copy_output(np.zeros(n, dtype=bool), np.zeros(n))
    labels, _ = clusters(reviews.text)  # texts too short to compare keep labels of their own
    labels = without_stock_phrases(labels, reviews.text)
    copied, size = copies_in(
        labels,
        np.asarray(reviews.time, dtype=np.int64),
        np.asarray(reviews.reviewer, dtype=np.int64),
        np.asarray(reviews.product, dtype=np.int64),
    )
    return copy_output(copied, size)
