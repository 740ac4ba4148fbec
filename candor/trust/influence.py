"""Bounded influence: what any number of new reviews can do to an established book.

The other signals look for evidence that a review is not genuine, and an attacker who
has read them can try to leave none. This one needs no evidence and no threshold to stay
under. Time is cut into blocks of ``PERIOD_DAYS`` days (counted from 1970, the same for
every book). Once a book has ``ESTABLISHED`` reviews' worth of trust from the blocks
before, the reviews of one block count together for at most ``SHARE`` of that history:

    admitted(block) = min(found(block), SHARE * history(block))
    history(block)  = sum of admitted(b) over the book's earlier blocks

where ``found`` is the block's sum of trust from every other signal. When a block holds
more, each of its reviews keeps ``admitted / found`` of its trust: the block's star mix
is kept, its say is bounded. The history is what was admitted, not what was posted, so a
flood in one block does not buy a bigger allowance for the next.

What it guarantees (METHOD.md states it, `tests/trust/test_influence.py` checks it with
hypothesis): in any block, reviews of an established book, whatever their number, stars
and flags, hold at most SHARE / (1 + SHARE) of the book's evidence (a half with 1.0):
they move it at most half of the way toward what they say.
A campaign spread over many blocks gains SHARE of the history per block at most; the
long-window change signal (`candor.trust.changepoint`) is what looks at that.

What it costs honest books: a block with more than the book's whole history (a prize,
a film, a new edition) is counted as the history until the next blocks add to the
history, so an established book follows a sudden honest wave over a few months instead
of at once. Books below ``ESTABLISHED`` (new books) are not bounded: their readers are
the whole history they have.
"""

import numpy as np

from candor.ratings.config import RatingConfig
from candor.ratings.weights import purchase_factors
from candor.trust.table import SECONDS_PER_DAY, BoolArray, FloatArray, IntArray

PERIOD_DAYS = 30
SHARE = 1.0
ESTABLISHED = 20.0
FACTOR = "influence_factor"
CODE = "bounded_influence"
RATING = RatingConfig()  # the weights the bound is stated against


def blocks_of(time: IntArray) -> IntArray:
    """Each review's block: whole PERIOD_DAYS periods since 1970."""
    result: IntArray = np.floor_divide(
        np.asarray(time, np.int64), PERIOD_DAYS * SECONDS_PER_DAY
    ).astype(np.int64)
    return result


def history_floor(admitted: float, decayed: float) -> float:
    """The least say the history can have against a block's reviews, in their units:
    each earlier review counts at least ``recency_floor`` of a new one, and at least its
    recency decay to the block (a sum of maxima is at least either sum)."""
    return max(RATING.recency_floor * admitted, decayed)


def admitted_share(found: float, admitted: float, decayed: float) -> float:
    """The share of a block's units that counts, given the history before it."""
    least = history_floor(admitted, decayed)
    if admitted < ESTABLISHED or found <= SHARE * least:
        return 1.0
    return SHARE * least / found


def admitted_shares(found: FloatArray, admitted: FloatArray, decayed: FloatArray) -> FloatArray:
    least = np.maximum(RATING.recency_floor * admitted, decayed)
    bounded = (admitted >= ESTABLISHED) & (found > SHARE * least)
    result: FloatArray = np.where(bounded, SHARE * least / np.maximum(found, 1e-300), 1.0)
    return result


def bounded_influence(
    trust: FloatArray, verified: BoolArray, product: IntArray, time: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per review: the share of its trust its block may keep (1.0 unless bounded), the
    number of reviews in its block, and the history (reviews' worth) before the block.

    A review's units are its trust times its purchase factor (`candor.ratings.weights`),
    so verified flags in an imported file cannot double a block's allowance.
    """
    n = len(trust)
    share, block_size, history_before = np.ones(n), np.zeros(n), np.zeros(n)
    if n == 0:
        return share, block_size, history_before
    units = np.asarray(trust, np.float64) * purchase_factors(np.asarray(verified), RATING)
    block = blocks_of(time)
    keys, group = np.unique(np.stack([product, block], axis=1), axis=0, return_inverse=True)
    group = group.reshape(-1)
    found = np.bincount(group, weights=units, minlength=len(keys)).astype(np.float64)
    count = np.bincount(group, minlength=len(keys)).astype(np.float64)
    kept, before = shares_per_block(keys[:, 0], keys[:, 1], found)
    return kept[group], count[group], before[group]


def shares_per_block(
    books: IntArray, blocks: IntArray, found: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """For (book, block) groups sorted by book then block: each group's admitted share,
    and the history admitted before it.

    Blocks are visited in time order within each book; each step is vectorised over
    books, so the loop runs as many times as the longest book has blocks.
    """
    starts = np.flatnonzero(np.r_[True, books[1:] != books[:-1]])
    lengths = np.diff(np.r_[starts, len(books)])
    kept, before = np.ones(len(found)), np.zeros(len(found))
    admitted, decayed = np.zeros(len(starts)), np.zeros(len(starts))
    last_block = np.zeros(len(starts), np.int64)
    decay_per_block = 0.5 ** (PERIOD_DAYS / RATING.half_life_days)
    for step in range(int(lengths.max())):
        live = np.flatnonzero(lengths > step)
        rows = starts[live] + step
        if step:  # the history is that many blocks older at the end of this block
            decayed[live] *= decay_per_block ** (blocks[rows] - last_block[live])
        share = admitted_shares(found[rows], admitted[live], decayed[live])
        kept[rows], before[rows] = share, admitted[live]
        counted = found[rows] * share
        admitted[live] += counted
        # Counted as if posted at the block's start: the history's least say.
        decayed[live] += counted * decay_per_block
        last_block[live] = blocks[rows]
    return kept, before
