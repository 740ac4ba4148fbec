"""Live trust: what can be known of a review the moment it is posted or edited, beyond
its own text.

The text signals (`candor.trust.score.LIVE_SIGNALS`) need nothing but the review. Three
more things are known at once from the site's own records; each gives a factor in [0, 1]
that multiplies the text's trust. The web app gathers the inputs from its database
(`candor.reviews.services.submit_review`); the next `candor trust` run replaces the
whole live score with the batch's. No factor is ever above 1: nothing here can vouch for
a review, only discount it.

Pure: plain numbers, arrays and strings in; a `Finding` (the factor and ``(code,
sentence)`` reasons) out. No Django.

Account age (code ``new_account``)
    The age of the reviewer's account on this site (from ``User.date_joined``) when the
    review is scored: at posting for the live score, at the run for `candor trust`. So a
    review from a fresh account counts less while the account is fresh, and fully once
    the account has stayed a month, whatever it was when it posted:

    =========================================  =====================================
    account age when the review is scored      factor
    =========================================  =====================================
    less than 7 days                           0.2
    7 to 30 days                               rising linearly from 0.2 to 1
    30 days or more                            1
    the review is dated before the account     1 (an import: the account's age on
    was opened                                 this site says nothing about it)
    =========================================  =====================================

    An attacker can open accounts at once and nothing else is known about them: three
    accounts opened a minute before posting one star each count as 0.6 of a review
    together until they are a week old. An attacker who waits a month before posting
    gains nothing over one who waits a month after posting; an honest reader who signs
    up to write a review is not held to the minute it posted.

Bursts (code ``burst``)
    The number of reviews of the book in the last ``WINDOW_DAYS`` (7) up to this one,
    itself included, against what the book's own history predicts: the method of
    `candor.trust.bursts`, applied to that one window. The history is the book's reviews
    in the ``CONTEXT_DAYS`` (182) before the window, ``m`` reviews over ``E`` days (from
    the book's first review at the earliest). The daily rate has the Gamma posterior
    ``Gamma(a0 + m, b0 + E)`` (``a0 = PRIOR_REVIEWS`` pseudo-reviews at
    ``TYPICAL_DAILY_RATE``), so the window's count is negative binomial with mean
    ``mu = 7 (a0 + m) / (b0 + E)``; its p-value is ``P(K >= k)`` (the Poisson upper tail,
    widened by what the history leaves uncertain about the rate). The star-mix test
    compares the window's dominant star with the history's share of it (plus
    ``PRIOR_STARS`` pseudo-reviews spread like the catalogue), times 5. The two p-values
    are adjusted together (Benjamini-Hochberg, `bursts.benjamini_hochberg`); a burst needs
    q <= ``ALPHA`` and the batch's effect floors (at least 5 reviews and 3 times the
    expected count; or at least 5 of the dominant star). As in the batch, only a burst
    that over-represents the review's own star counts (a surge with the book's usual mix
    is ordinary traffic and cannot move the rating), and the review then keeps at most
    the share of its star's reviews in the window that the history explains,
    ``min(1, mu_s / k_s)``. Unlike the batch, the live check cannot see the months after
    the window, so it does not judge a book with less than ``MIN_HISTORY_DAYS`` (30) of
    reviews before the window (a launch): the batch run does. The share is a cap, as in
    the batch: a review keeps the least of it and its other trust (`combined`).

Copies (code ``copied_text``)
    The review's title and text against every text on the site by another account, on
    any book, with the criterion of `candor.trust.duplicates` and `candor.trust.copies`:
    Jaccard similarity >= 0.8 of the character 5-gram shingles of the normalised texts,
    for texts of at least 6 distinct words. A copy counts ``COPY_FACTOR`` (0.05); the
    earlier review keeps its trust. Candidates come from LSH bands of the texts' MinHash
    signatures (`text_bands`: ``BANDS`` bands of ``ROWS`` rows, stored per review, so a
    post reads a few index entries, not the site's texts); each candidate is checked
    exactly (`similarity`). With 8 bands of 4 rows a pair at exactly J = 0.8 becomes a
    candidate with probability 0.985, at J = 0.85 0.997, at J = 0.9 0.9998.

Helpful votes
    A vote counts in a review's helpful count only from an account at least
    ``VOTER_MIN_AGE_DAYS`` (7) days old when it voted, whose own reviews are not
    distrusted (no review with trust below ``DISTRUSTED_BELOW``, 0.5, leaving out the
    account-age factor, which the first rule already covers): `vote_counts`,
    `distrusted`.

For the batch (`candor.trust.combine`), `new_account_signal` gives the account-age
factor of every review of a table as the feature ``new_account_factor``, with the flag
``new_account`` and the numbers its sentence (`new_account_sentence`) needs.
"""

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped]

from candor.trust import bursts as batch
from candor.trust.duplicates import (
    MAX_CHARS,
    MIN_WORDS,
    THRESHOLD,
    corpus_signatures,
    prepare,
    shingle_hashes,
)
from candor.trust.table import SECONDS_PER_DAY, BoolArray, FloatArray, Reviews, SignalOutput

# --- account age -----------------------------------------------------------------------
NEW_ACCOUNT = "new_account"
NEW_ACCOUNT_FEATURE = "new_account_factor"
NEW_ACCOUNT_DAYS = 7.0
NEW_ACCOUNT_FACTOR = 0.2
ESTABLISHED_ACCOUNT_DAYS = 30.0

# --- bursts ----------------------------------------------------------------------------
BURST = "burst"
WINDOW_DAYS = 7.0
CONTEXT_DAYS = float(batch.CONTEXT_DAYS)
MIN_HISTORY_DAYS = 30.0
PRIOR_REVIEWS = batch.PRIOR_REVIEWS
PRIOR_STARS = batch.PRIOR_STARS
TYPICAL_DAILY_RATE = 1.0 / 30.0  # the prior's rate: a review a month
ALPHA = batch.ALPHA
MIN_RATE_BURST = batch.MIN_RATE_BURST
MIN_RATE_RATIO = batch.MIN_RATE_RATIO
MIN_MIX_BURST = batch.MIN_MIX_BURST

# --- copies ----------------------------------------------------------------------------
COPIED_TEXT = "copied_text"
COPY_FACTOR = 0.05
COPY_THRESHOLD = THRESHOLD
BANDS = 8
ROWS = 4
BAND_SCHEME = "candor.trust.live bands v1: duplicates' MinHash, 8 bands x 4 rows"
"""Part of `text_hash`: a change of how bands are made changes every hash, so the next
`candor trust` run writes every review's bands again."""

# --- helpful votes ---------------------------------------------------------------------
VOTER_MIN_AGE_DAYS = 7.0
DISTRUSTED_BELOW = 0.5

STAR_WORDS = {1: "one-star", 2: "two-star", 3: "three-star", 4: "four-star", 5: "five-star"}


@dataclass(frozen=True)
class Finding:
    """One signal's verdict on a review: a factor in [0, 1] and why it is below 1.

    ``cap``: the factor is the most trust the review can keep (a burst: the share of it
    the book's history explains), not evidence of its own that multiplies (an account's
    age, a copy); `combined` takes the least of the caps, as the batch does."""

    factor: float = 1.0
    reasons: tuple[tuple[str, str], ...] = ()
    cap: bool = False


def combined(trust: float, findings: Iterable[Finding]) -> float:
    """The trust from ``trust`` (the text's) and the findings: times every factor that is
    evidence, then no more than any cap; in [0, 1], never above ``trust``."""
    value = min(max(float(trust), 0.0), 1.0)
    for finding in findings:
        if not finding.cap:
            value *= finding.factor
    for finding in findings:
        if finding.cap:
            value = min(value, finding.factor)
    return min(max(value, 0.0), 1.0)


# --- account age -----------------------------------------------------------------------


def new_account_factor(age_seconds: npt.ArrayLike) -> FloatArray:
    """The account-age factor for each review, from the account's age in seconds when
    the review is scored (negative: the review is dated before the account was opened;
    NaN: unknown; both 1)."""
    age = np.asarray(age_seconds, dtype=np.float64) / SECONDS_PER_DAY
    span = ESTABLISHED_ACCOUNT_DAYS - NEW_ACCOUNT_DAYS
    ramp = NEW_ACCOUNT_FACTOR + (1.0 - NEW_ACCOUNT_FACTOR) * (age - NEW_ACCOUNT_DAYS) / span
    factor = np.where(age < NEW_ACCOUNT_DAYS, NEW_ACCOUNT_FACTOR, np.minimum(1.0, ramp))
    result: FloatArray = np.where(np.isnan(age) | (age < 0), 1.0, factor)
    return result


def timespan(seconds: float) -> str:
    """A duration in words: "40 minutes", "5 hours", "2 days" (whole units, rounded down
    for days so that 6.9 days is not "7 days")."""
    minutes = seconds / 60.0
    if minutes < 1:
        return "less than a minute"
    if minutes < 90:
        return _count(int(minutes), "minute", "minutes")
    hours = minutes / 60.0
    if hours < 36:
        return _count(round(hours), "hour", "hours")
    return _count(int(hours // 24), "day", "days")


def new_account_sentence(age_seconds: float, factor: float) -> str:
    created = f"from an account created {timespan(age_seconds)} before it was scored"
    if age_seconds < NEW_ACCOUNT_DAYS * SECONDS_PER_DAY:
        return (
            f"{created}: counts {factor:.1f}x until the account is "
            f"{NEW_ACCOUNT_DAYS:.0f} days old, fully from its {ESTABLISHED_ACCOUNT_DAYS:.0f}th day"
        )
    return (
        f"{created}: counts {factor:.2f}x; reviews count fully from an account's "
        f"{ESTABLISHED_ACCOUNT_DAYS:.0f}th day"
    )


def account_age(age_seconds: float | None) -> Finding:
    """The account-age finding for one review (None: the account's start is unknown)."""
    if age_seconds is None:
        return Finding()
    factor = float(new_account_factor(age_seconds))
    if factor >= 1.0:
        return Finding()
    return Finding(factor, ((NEW_ACCOUNT, new_account_sentence(age_seconds, factor)),))


def new_account_signal(reviews: Reviews, now: float | None = None) -> SignalOutput:
    """Account age as a signal over a whole table (for the batch), at ``now`` (seconds
    since 1970; default the newest review): feature ``new_account_factor``; flag
    ``new_account`` where it is below 1, with numbers ``new_account`` (the account's
    age in seconds) and ``new_account_factor``. Without ``reviews.reviewer_since`` every
    factor is 1."""
    n = len(reviews)
    if reviews.reviewer_since is None or n == 0:
        age = np.full(n, np.nan)
    else:
        time = np.asarray(reviews.time, np.float64)
        since = np.asarray(reviews.reviewer_since, np.float64)
        at = float(time.max()) if now is None else now
        # An import dated before the account was opened says nothing of the account.
        age = np.where(time < since, -1.0, np.maximum(at, time) - since)
    factor = new_account_factor(age)
    flagged = factor < 1.0
    out = SignalOutput(name="new_accounts")
    out.features = {NEW_ACCOUNT_FEATURE: factor}
    out.flags = {NEW_ACCOUNT: flagged}
    out.numbers = {
        NEW_ACCOUNT: np.where(flagged, age, 0.0),
        NEW_ACCOUNT_FEATURE: factor,
    }
    return out


# --- bursts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BookActivity:
    """A book's reviews around a new one, per star (1 to 5 stars, in that order)."""

    window: Sequence[int]  # in the WINDOW_DAYS up to the review, the review included
    history: Sequence[int]  # in the CONTEXT_DAYS before the window
    history_days: float  # days of that history the book had reviews (its first review on)


def burst(activity: BookActivity, star: int, star_shares: Sequence[float]) -> Finding:
    """The burst finding for a review of ``star`` stars (see the module docstring);
    ``star_shares``: the catalogue's share of each star, 1 star first (the star prior)."""
    window = np.asarray(activity.window, dtype=np.float64)
    history = np.asarray(activity.history, dtype=np.float64)
    if window.shape != (5,) or history.shape != (5,) or not 1 <= star <= 5:
        raise ValueError("burst: five counts per star, and a star from 1 to 5")
    k, m, exposure = float(window.sum()), float(history.sum()), float(activity.history_days)
    if exposure < MIN_HISTORY_DAYS or k < 2:
        return Finding()
    shares = np.asarray(star_shares, dtype=np.float64)
    shares = shares / shares.sum()
    prior_b = PRIOR_REVIEWS / TYPICAL_DAILY_RATE
    shape = PRIOR_REVIEWS + m
    mu = WINDOW_DAYS * shape / (prior_b + min(exposure, CONTEXT_DAYS))
    p_rate = float(stats.nbinom.sf(k - 1, shape, shape / (shape + mu)))
    history_share = (history + PRIOR_STARS * shares) / (m + PRIOR_STARS)
    dominant = int(np.argmax(window))
    k_dominant = float(window[dominant])
    p_mix = min(1.0, 5.0 * float(stats.binom.sf(k_dominant - 1, k, history_share[dominant])))
    q_rate, q_mix = batch.benjamini_hochberg(np.array([p_rate, p_mix]))
    rate_burst = q_rate <= ALPHA and k >= MIN_RATE_BURST and k >= MIN_RATE_RATIO * mu
    mix_burst = q_mix <= ALPHA and k_dominant >= MIN_MIX_BURST
    own = star - 1
    k_own = float(window[own])
    over = float(stats.binom.sf(k_own - 1, k, history_share[own])) <= ALPHA
    if not ((rate_burst or (mix_burst and dominant == own)) and over):
        return Finding()
    expected = mu * float(history_share[own])
    factor = min(1.0, expected / max(k_own, 1.0))
    sentence = burst_sentence(k, k_own, star, expected, factor)
    return Finding(factor, ((BURST, sentence),), cap=True)


def burst_sentence(size: float, own: float, star: int, expected: float, factor: float) -> str:
    stars = STAR_WORDS[star]
    days = f"{WINDOW_DAYS:.0f} days"
    if own >= size:
        found = f"posted in a burst of {round(size):,} {stars} reviews of this book in {days}"
    else:
        found = (
            f"posted in a burst of {round(size):,} reviews of this book in {days}, "
            f"{round(own):,} of them {stars}"
        )
    if expected >= 0.05:
        predicted = f"about {expected:.1f} {stars} reviews"
    else:
        predicted = f"almost no {stars} reviews"
    counts = f"at most {factor:.2f}x" if factor >= 0.01 else "almost nothing"
    return f"{found}, where its history predicts {predicted} in {days}: counts {counts}"


# --- copies ----------------------------------------------------------------------------


_WORD = re.compile(r"[^\W_]+")  # a run of str.isalnum characters, as `normalize` keeps


def comparable(text: str) -> bool:
    """Whether a text is long enough to be called a copy: at least MIN_WORDS distinct
    words once normalised as `candor.trust.duplicates.normalize` does (stock phrases such
    as "Great book!" are not)."""
    folded = unicodedata.normalize("NFKC", text[:MAX_CHARS]).casefold()
    return len(set(_WORD.findall(folded))) >= MIN_WORDS


def text_bands(texts: Sequence[str]) -> list[list[int] | None]:
    """Per text, its BANDS LSH band keys (signed 64-bit, the band's number mixed in), or
    None for a text too short to compare (`comparable`)."""
    found: list[list[int] | None] = [None] * len(texts)
    chosen = [i for i, text in enumerate(texts) if comparable(text)]
    if not chosen:
        return found
    signatures, eligible = corpus_signatures([texts[i] for i in chosen])
    keys = band_keys(signatures)
    rows = iter(keys.tolist())
    for i, ok in zip(chosen, eligible.tolist(), strict=True):
        if ok:  # always, for a comparable text; kept in step with the signatures
            found[i] = next(rows)
    return found


_POLY = np.uint64(0x100000001B3)
_SALT = 0x9E3779B97F4A7C15


def band_keys(signatures: np.ndarray) -> npt.NDArray[np.int64]:
    """One key per band of ROWS rows of each MinHash signature, shape (n, BANDS): equal
    keys for equal bands (and equal band numbers)."""
    n = signatures.shape[0]
    keys = np.empty((n, BANDS), dtype=np.uint64)
    for band in range(BANDS):
        key = np.full(n, ((band + 1) * _SALT) % 2**64, dtype=np.uint64)
        for column in range(band * ROWS, (band + 1) * ROWS):
            key = key * _POLY  # wraps modulo 2**64, as a hash should
            key = key ^ signatures[:, column].astype(np.uint64)
        keys[:, band] = key
    return keys.view(np.int64)


def text_hash(text: str) -> int:
    """A signed 64-bit hash of a text and of BAND_SCHEME: what a review's stored bands
    were made from."""
    digest = hashlib.blake2b(
        f"{BAND_SCHEME}\n{text}".encode("utf-8", "surrogatepass"), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


def similarity(first: str, second: str) -> float:
    """The exact Jaccard similarity of two texts' sets of character 5-gram shingles
    (normalised as `candor.trust.duplicates` does); 0 when either has none."""
    points, lengths, _ = prepare([first, second])
    hashes, counts = shingle_hashes(points, lengths)
    a = np.unique(hashes[: counts[0]])
    b = np.unique(hashes[counts[0] :])
    if not len(a) or not len(b):
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


def copied(best: float, same_book: bool) -> Finding:
    """The copy finding, from the highest similarity to an existing text by another
    account (0 when there is none) and whether that text is a review of the same book."""
    if best < COPY_THRESHOLD:
        return Finding()
    which = "this book" if same_book else "another book"
    how = "the same text" if best >= 0.999 else "nearly the same text"
    return Finding(COPY_FACTOR, ((COPIED_TEXT, f"{how} as an earlier review of {which}"),))


# --- helpful votes ---------------------------------------------------------------------


def vote_counts(age_seconds: npt.ArrayLike, distrusted_voter: npt.ArrayLike) -> BoolArray:
    """Which votes count: the voter's account was at least VOTER_MIN_AGE_DAYS old when
    it voted, and the voter is not distrusted (`distrusted`)."""
    old_enough = np.asarray(age_seconds, np.float64) >= VOTER_MIN_AGE_DAYS * SECONDS_PER_DAY
    result: BoolArray = old_enough & ~np.asarray(distrusted_voter, dtype=bool)
    return result


def distrusted(
    trust: float, override: float | None, reasons: Sequence[Mapping[str, object]]
) -> bool:
    """Whether a review makes its author a voter whose votes do not count: the trust that
    counts is below DISTRUSTED_BELOW, apart from its account-age factor (recorded in the
    ``factor`` of a ``new_account`` reason), which `vote_counts` covers on its own."""
    if override is not None:
        return override < DISTRUSTED_BELOW
    age = 1.0
    for reason in reasons:
        value = reason.get("factor")
        if reason.get("code") == NEW_ACCOUNT and isinstance(value, int | float) and value > 0:
            age *= float(value)
    return trust / age < DISTRUSTED_BELOW


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"
