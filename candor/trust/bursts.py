"""Review bursts: windows where a product's review rate or star mix jumps above its own history.

Method (all vectorised over windows; dates are used at day resolution)
-----------------------------------------------------------------------
Candidate windows are ``[d, d + w)`` for every day ``d`` on which a product received a
review and every width ``w`` in ``WIDTHS`` days. For each window:

*Rate test.* The product's *history* is the context ``[d - H, d)`` plus ``[d + w, d + w + H)``
(``H = CONTEXT_DAYS``) clipped to the product's active span (first to last review): ``m``
reviews over ``E`` exposure days. The underlying daily rate gets a Gamma posterior
``Gamma(a0 + m, b0 + E)`` whose prior (``a0 = PRIOR_REVIEWS`` pseudo-reviews at the corpus'
median product rate) keeps new products with no history from looking infinitely bursty.
Day-to-day variation of genuine traffic (weekends, a newspaper mention) is overdispersion
``phi`` estimated once per corpus by the method of moments on daily counts
(``Var = mean + phi * mean**2``, median over products with enough reviews). The window count
``K`` is then negative binomial (Gamma-Poisson) with mean ``mu = w * (a0 + m) / (b0 + E)``
and shape ``s = 1 / (1 / (a0 + m) + phi / w)``; the p-value is ``P(K >= k)``.

*Star-mix test.* The window's dominant star ``s*`` with ``k_s*`` of its ``k`` reviews is
tested against the same history's star shares (plus a prior of ``PRIOR_STARS``
pseudo-reviews spread like the whole corpus): ``P(Binomial(k, pi_s*) >= k_s*)``, times 5
(Bonferroni for picking the dominant star).

*Multiple testing.* All rate and mix p-values of all windows of all products form one
Benjamini-Hochberg family (valid under the positive dependence of overlapping windows,
Benjamini & Yekutieli 2001). A window is a burst when ``q <= ALPHA`` *and* the effect is
material: for the rate test at least ``MIN_RATE_BURST`` reviews and at least
``MIN_RATE_RATIO`` times the expected count; for the mix test at least ``MIN_MIX_BURST``
reviews of the dominant star. The effect floors are there so that two reviews on one day of
a quiet product, however improbable, are not called a burst.

*Which burst a review is in.* A review belongs to the windows that contain it. Of those, it
takes the most significant (smallest q) via a range-minimum query over the windows that
start in the ``w`` days up to the review (a sparse table, so still no loop over reviews).
A review in a window that is significant only for its star mix is flagged only if it has
the dominant star. And a review is flagged only when its own star is over-represented in
the window against the history's share of it (binomial upper tail at ``ALPHA``), or the
window's mean stars differ from the history's (z-test at ``ALPHA``, `mean_shift`) and its
own star lies on the side the window moved to. A surge with the product's usual star mix
(a launch, a mention in the press) cannot move its rating, and on the real Amazon book
sample such launches were most of what the rate test found; a campaign mixing four and
five stars on a book whose readers also give one to three is a shift up, and both its
stars are above the mean. ``burst_member`` (a feature of the fitted combiner) keeps the
window test alone, as it was fitted.

Features per review: ``burst_log10_q`` (-log10 q of the most significant window containing
it, significant or not), ``burst_ratio`` (k / mu of that window), ``burst_size`` (k),
``burst_star_match`` (review's star is the window's dominant star), ``burst_member``
(1.0 when flagged). Flag ``burst`` with ``numbers``: ``burst`` (reviews in the window),
``burst_days`` (days from first to last review of the window, inclusive), ``burst_star``
(the dominant star when the mix is one-sided: significant mix test or at least
``ONE_SIDED_SHARE`` of the window; else 0), ``burst_star_count`` (reviews of that star in
the window), ``burst_expected`` (mu, the count the product's history predicts). So a
sentence can say "posted in a burst of 40 five-star reviews in 2 days" (all 40 five-star)
or "... of 40 reviews in 2 days, 36 of them five-star".
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from candor.trust.behaviour import days
from candor.trust.duplicates import distinct
from candor.trust.table import BoolArray, FloatArray, IntArray, Reviews, SignalOutput

NAME = "bursts"
WIDTHS = (1, 3, 7, 14, 30)
CONTEXT_DAYS = 182
PRIOR_REVIEWS = 0.5
PRIOR_STARS = 2.0
ALPHA = 0.01
MIN_RATE_BURST = 5
MIN_RATE_RATIO = 3.0
MIN_MIX_BURST = 5
ONE_SIDED_SHARE = 0.6
PHI_MIN_REVIEWS = 30
PHI_MAX = 5.0

BURST_NUMBERS = ("burst", "burst_days", "burst_star", "burst_star_count", "burst_expected")
FEATURES = ("burst_log10_q", "burst_ratio", "burst_size", "burst_star_match", "burst_member")
EXPLAINED = "burst_explained"
"""Per review: for a flagged review, the share of its window's reviews *with its star* that
the product's own history explains, ``min(1, mu * pi_s / k_s)`` (``pi_s``: the history's
share of star ``s``, with the prior); 1.0 for reviews not in a burst. Not a combiner
feature: the combiner uses it as a cap on trust (see ``candor.trust.combine``)."""


def mean_shift(
    cum_star: IntArray,
    w_lo: IntArray,
    w_hi: IntArray,
    ctx_lo: IntArray,
    ctx_hi: IntArray,
    star_prior: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """For each window: the sign of a significant shift of its mean stars from its
    history's (+1 up, -1 down, 0 none; z-test of the window's mean against the history's
    mean and variance, two-sided at ``ALPHA``), and the history's mean. ``cum_star[s, i]``
    counts the ``s``-star reviews before sorted row ``i``; the history is the context
    rows without the window's, plus ``star_prior`` pseudo-reviews."""
    stars = np.arange(1, 6, dtype=np.float64)[:, None]
    window = (cum_star[1:, w_hi] - cum_star[1:, w_lo]).astype(np.float64)
    context = (cum_star[1:, ctx_hi] - cum_star[1:, ctx_lo]).astype(np.float64) - window
    history = context + star_prior[:, None]
    shares = history / history.sum(axis=0)
    mean = (shares * stars).sum(axis=0)
    variance = np.maximum((shares * (stars - mean) ** 2).sum(axis=0), 0.25)
    size = np.maximum(window.sum(axis=0), 1.0)
    z = ((window * stars).sum(axis=0) / size - mean) / np.sqrt(variance / size)
    significant = 2.0 * stats.norm.sf(np.abs(z)) <= ALPHA
    return np.where(significant, np.sign(z), 0.0), mean


@dataclass(frozen=True)
class Steps:
    """Benjamini-Hochberg's q-values as a step function of p: a test's q is the ``q`` of
    the first ``value`` at or above its p, 1 past the last. The steps are the sorted
    family's right-to-left minima of ``p * family / rank`` below 1 (a tie group ranks at
    its last member): BH's q of a p-value is the smallest such value at or after it."""

    value: FloatArray  # ascending
    q: FloatArray  # ascending

    def of(self, p: FloatArray) -> FloatArray:
        at = np.searchsorted(self.value, p, "left")
        inside = at < len(self.value)
        q = np.ones(len(p))
        q[inside] = self.q[at[inside]]
        return q


def bh_steps(values: FloatArray, counts: IntArray, family: int, before: int = 0) -> Steps:
    """The `Steps` of ``values`` (distinct, ascending), each ``counts`` times in a family
    of ``family`` tests of which ``before`` have smaller p-values than all of these (a
    contiguous range of the sorted family: `joined_steps` puts the ranges together)."""
    rank = before + np.cumsum(counts)
    total = max(family, int(rank[-1])) if len(rank) else family
    ranked = values * total / rank
    later = np.minimum.accumulate(ranked[::-1])[::-1]
    step = np.ones(len(ranked), bool)
    step[:-1] = ranked[:-1] < later[1:]
    step &= ranked < 1.0
    return Steps(value=values[step], q=ranked[step])


def joined_steps(parts: Sequence[Steps]) -> Steps:
    """The `Steps` of a family from those of its contiguous ranges (ascending p, each
    `bh_steps` with the tests before it): a step stays unless a later range has a step
    as low."""
    kept: list[Steps] = []
    lowest = np.inf
    for part in reversed(parts):
        below = part.q < lowest
        kept.append(Steps(part.value[below], part.q[below]))
        if len(part.q):
            lowest = min(lowest, float(part.q[0]))
    kept.reverse()
    return Steps(
        value=np.concatenate([part.value for part in kept] + [np.zeros(0)]),
        q=np.concatenate([part.q for part in kept] + [np.zeros(0)]),
    )


def benjamini_hochberg(p: FloatArray, family: int | None = None) -> FloatArray:
    """BH-adjusted q-values (step-up, monotone), same order as ``p``.

    ``family``: the number of tests when ``p`` holds only some of them and every left-out
    test has p = 1 (so it ranks after all of ``p`` and cannot change their q-values).
    """
    if len(p) == 0:
        return np.zeros(0)
    values, counts = np.unique(p, return_counts=True)
    return bh_steps(values, counts, len(p) if family is None else family).of(p)


def product_overdispersion(product: IntArray, day: IntArray, n_products: int) -> FloatArray:
    """Method-of-moments ``phi`` in ``Var = mean + phi * mean**2`` for each product's daily
    review counts over its active span including days without reviews; NaN for a product
    with fewer than ``PHI_MIN_REVIEWS`` reviews."""
    phi = np.full(n_products, np.nan)
    if len(day) == 0:
        return phi
    key = product * (int(day.max() - day.min()) + 1) + (day - day.min())
    unique_key, per_day = np.unique(key, return_counts=True)
    day_product = unique_key // (int(day.max() - day.min()) + 1)
    count = np.bincount(product, minlength=n_products).astype(np.float64)
    squares = np.bincount(
        day_product, weights=per_day.astype(np.float64) ** 2, minlength=n_products
    )
    first, last = _active_span(product, day, n_products)
    big = count >= PHI_MIN_REVIEWS
    span = (last - first + 1)[big].astype(np.float64)
    mean = count[big] / span
    var = squares[big] / span - mean**2
    phi[big] = np.maximum(var - mean, 0.0) / mean**2
    return phi


def median_overdispersion(phi: FloatArray) -> float:
    """The corpus' ``phi``: the median over products of `product_overdispersion` (NaN
    left out), clipped to ``[0, PHI_MAX]``; 0 when no product has enough reviews."""
    known = phi[np.isfinite(phi)]
    return float(np.clip(np.median(known), 0.0, PHI_MAX)) if len(known) else 0.0


def overdispersion(product: IntArray, day: IntArray, n_products: int) -> float:
    """Method-of-moments ``phi`` in ``Var = mean + phi * mean**2`` for daily review counts.

    Per product with at least ``PHI_MIN_REVIEWS`` reviews, over its active span including
    days without reviews; the median over products, clipped to ``[0, PHI_MAX]``.
    """
    return median_overdispersion(product_overdispersion(product, day, n_products))


def _active_span(product: IntArray, day: IntArray, n_products: int) -> tuple[IntArray, IntArray]:
    """Each product's first and last review day."""
    first = np.full(n_products, np.iinfo(np.int64).max)
    np.minimum.at(first, product, day)
    last = np.full(n_products, np.iinfo(np.int64).min)
    np.maximum.at(last, product, day)
    return first, last


def _range_argmin(score: FloatArray, lo: IntArray, hi: IntArray) -> IntArray:
    """Index of the minimum of ``score[lo..hi]`` (inclusive) for each query, via a sparse table."""
    m = len(score)
    length = hi - lo + 1
    levels = max(int(length.max()).bit_length(), 1) if len(length) else 1
    index = np.arange(m, dtype=np.int64)
    tables = [index]
    for level in range(1, levels):
        previous = tables[-1]
        shifted = np.concatenate(
            (previous[1 << (level - 1) :], previous[-1:].repeat(1 << (level - 1)))
        )
        tables.append(np.where(score[shifted] < score[previous], shifted, previous))
    table = np.stack(tables)
    k = np.floor(np.log2(np.maximum(length, 1))).astype(np.int64)
    left = table[k, lo]
    right = table[k, hi - (1 << k) + 1]
    result: IntArray = np.where(score[right] < score[left], right, left)
    return result


def _empty(n: int) -> SignalOutput:
    out = SignalOutput(name=NAME)
    out.features = {f: np.zeros(n) for f in FEATURES}
    out.features[EXPLAINED] = np.ones(n)
    out.flags = {"burst": np.zeros(n, bool)}
    out.numbers = {k: np.zeros(n) for k in BURST_NUMBERS}
    return out


@dataclass(frozen=True)
class _ByProductDay:
    """The reviews sorted by product, then day: every window is a run of these rows."""

    order: IntArray  # sorted position -> row of the input table
    key: IntArray  # product * stride + day, ascending
    day: IntArray
    rating: IntArray
    stars_before: IntArray  # [star, i]: reviews of that star before sorted row i
    stride: int  # days per product in ``key``, more than any window and its context reach


def _sort_by_product_day(reviews: Reviews, day: IntArray) -> _ByProductDay:
    stride = int(day.max()) + CONTEXT_DAYS + 2 * max(WIDTHS) + 2
    key = reviews.product * stride + day
    order = np.argsort(key, kind="stable")
    rating = reviews.rating[order]
    stars_before = np.zeros((6, len(reviews) + 1), np.int64)
    for star in range(1, 6):
        stars_before[star, 1:] = np.cumsum(rating == star)
    return _ByProductDay(order, key[order], day[order], rating, stars_before, stride)


@dataclass(frozen=True)
class Context:
    """What the test of one product needs from the rest of the corpus: the priors of the
    rate and star-mix tests, the overdispersion, and the Benjamini-Hochberg family. `bursts`
    on the whole corpus computes it itself; `candor score` computes it on the engine from
    one summary row per product (`product_summaries`) and the star counts, and the
    family's `Steps` from the p-values of every batch of products (`window_p_values`)."""

    prior_days: float  # the days over which the rate prior's pseudo-reviews were seen
    star_prior: FloatArray  # pseudo-reviews per star 1..5, spread like the whole corpus
    overdispersion: float  # phi of genuine day-to-day traffic
    family: int  # tests in the BH family: two per window of the corpus
    steps: Steps | None = None  # the family's BH q-values; None until known


def _shifted_days(reviews: Reviews) -> IntArray:
    """Review days, shifted so that every window and context offset stays positive."""
    day = days(reviews.time)
    shifted: IntArray = day - day.min() + CONTEXT_DAYS + max(WIDTHS) + 1
    return shifted


def product_summaries(reviews: Reviews) -> dict[str, FloatArray]:
    """Per product: its review rate over its active span (``rate``, NaN with fewer than
    two reviews), its `product_overdispersion` (``phi``) and its number of windows
    (``windows``: one per width and review day). What `corpus_context` takes of it does
    not depend on which products share a call."""
    n_products = reviews.n_products
    if len(reviews) == 0:
        return {name: np.zeros(0) for name in ("rate", "phi", "windows")}
    product, day = reviews.product, _shifted_days(reviews)
    count = np.bincount(product, minlength=n_products)
    first, last = _active_span(product, day, n_products)
    span = (last - first + 1).astype(np.float64)
    several = count >= 2
    rate = np.full(n_products, np.nan)
    rate[several] = (count[several] - 1) / span[several]
    review_days = np.bincount(
        distinct(product * (int(day.max()) + 1) + day) // (int(day.max()) + 1), minlength=n_products
    )
    return {
        "rate": rate,
        "phi": product_overdispersion(product, day, n_products),
        "windows": (len(WIDTHS) * review_days).astype(np.float64),
    }


def corpus_context(summaries: dict[str, FloatArray], star_counts: IntArray) -> Context:
    """The corpus' `Context` but its steps, from every product's `product_summaries` (in
    any order) and the corpus' reviews of each star 1..5."""
    rate = summaries["rate"][np.isfinite(summaries["rate"])]
    median_rate = float(np.median(rate)) if len(rate) else 1.0 / CONTEXT_DAYS
    return Context(
        prior_days=PRIOR_REVIEWS / max(median_rate, 1e-9),
        star_prior=PRIOR_STARS * (star_counts / max(int(star_counts.sum()), 1)),
        overdispersion=median_overdispersion(summaries["phi"]),
        family=2 * int(summaries["windows"].sum()),
    )


@dataclass(frozen=True)
class _Priors:
    """What a window's history is measured with: each product's active span and the
    corpus-wide priors of the rate and star-mix tests."""

    first_day: IntArray  # per product
    last_day: IntArray  # per product
    prior_reviews: float  # pseudo-reviews of the rate prior
    prior_days: float  # the days over which they were seen (the corpus' median rate)
    star_prior: FloatArray  # pseudo-reviews per star 1..5, spread like the whole corpus
    overdispersion: float  # phi of genuine day-to-day traffic


def _priors(reviews: Reviews, day: IntArray, context: Context) -> _Priors:
    first, last = _active_span(reviews.product, day, reviews.n_products)
    return _Priors(
        first_day=first,
        last_day=last,
        prior_reviews=PRIOR_REVIEWS,
        prior_days=context.prior_days,
        star_prior=context.star_prior,
        overdispersion=context.overdispersion,
    )


@dataclass(frozen=True)
class _Windows:
    """Every candidate window ``[start, start + width)``, width-major: the windows of
    ``WIDTHS[j]`` are ``j * len(anchors)`` onwards, one per anchor."""

    anchors: IntArray  # one window start per (product, review day): a sorted key
    width: IntArray  # days
    start_row: IntArray  # the window's reviews are sorted rows start_row..end_row-1
    end_row: IntArray
    context_start_row: IntArray  # rows of the window and its context on both sides
    context_end_row: IntArray
    size: FloatArray  # reviews in the window (k)
    context_size: FloatArray  # reviews in the context, the window's own not counted
    history_reviews: FloatArray  # context reviews plus the rate prior's pseudo-reviews
    expected: FloatArray  # reviews the history predicts for the window (mu)


def _windows(by_day: _ByProductDay, priors: _Priors) -> _Windows:
    anchors = distinct(by_day.key)
    repeats = len(WIDTHS)
    width = np.repeat(np.asarray(WIDTHS, np.int64), len(anchors))
    start = np.tile(anchors, repeats)
    product = np.tile(anchors // by_day.stride, repeats)
    start_day = np.tile(anchors % by_day.stride, repeats)
    start_row = np.searchsorted(by_day.key, start, "left")
    end_row = np.searchsorted(by_day.key, start + width, "left")
    size = (end_row - start_row).astype(np.float64)
    context_start_row = np.searchsorted(by_day.key, start - CONTEXT_DAYS, "left")
    context_end_row = np.searchsorted(by_day.key, start + width + CONTEXT_DAYS, "left")
    context_size = (context_end_row - context_start_row).astype(np.float64) - size
    # the context's days, clipped to the product's active span
    days_before = np.maximum(
        start_day - np.maximum(start_day - CONTEXT_DAYS, priors.first_day[product]), 0
    )
    days_after = np.maximum(
        np.minimum(start_day + width + CONTEXT_DAYS, priors.last_day[product] + 1)
        - (start_day + width),
        0,
    )
    history_reviews = priors.prior_reviews + context_size
    expected = width * history_reviews / (priors.prior_days + (days_before + days_after))
    return _Windows(
        anchors=anchors,
        width=width,
        start_row=start_row,
        end_row=end_row,
        context_start_row=context_start_row,
        context_end_row=context_end_row,
        size=size,
        context_size=context_size,
        history_reviews=history_reviews,
        expected=expected,
    )


@dataclass(frozen=True)
class _Tests:
    """The rate and star-mix tests of the windows with at least two reviews (a window
    with one review cannot be a burst), and each window's dominant star."""

    tested: IntArray  # indices of the tested windows
    rate_p: FloatArray  # per tested window
    mix_p: FloatArray  # per tested window
    dominant_star: IntArray  # per window, 1..5; a lone review's window: its star
    dominant_count: FloatArray  # per window, reviews of the dominant star


def _rate_p(windows: _Windows, tested: IntArray, phi: float) -> FloatArray:
    """P(K >= k) for negative binomial K with the history's mean and overdispersion."""
    size = windows.size[tested]
    shape = 1.0 / (1.0 / windows.history_reviews[tested] + phi / windows.width[tested])
    p: FloatArray = stats.nbinom.sf(size - 1, shape, shape / (shape + windows.expected[tested]))
    return p


def _tests(windows: _Windows, by_day: _ByProductDay, priors: _Priors) -> _Tests:
    tested = np.flatnonzero(windows.size >= 2)
    stars_before = by_day.stars_before
    start, end = windows.start_row[tested], windows.end_row[tested]
    context_start = windows.context_start_row[tested]
    context_end = windows.context_end_row[tested]
    in_window = np.stack([stars_before[s, end] - stars_before[s, start] for s in range(1, 6)])
    in_context = (
        np.stack(
            [stars_before[s, context_end] - stars_before[s, context_start] for s in range(1, 6)]
        )
        - in_window
    )
    columns = np.arange(len(tested))
    dominant_of_tested = np.argmax(in_window, axis=0)  # 0-based star index
    history_share = (
        in_context[dominant_of_tested, columns] + priors.star_prior[dominant_of_tested]
    ) / (windows.context_size[tested] + PRIOR_STARS)
    dominant = np.zeros(len(windows.size), np.int64)
    dominant[tested] = dominant_of_tested
    dominant_count = np.minimum(windows.size, 1.0)
    dominant_count[tested] = in_window[dominant_of_tested, columns]
    # times 5: Bonferroni for picking the dominant star
    mix_p = np.minimum(
        5.0 * stats.binom.sf(dominant_count[tested] - 1, windows.size[tested], history_share), 1.0
    )
    single = windows.size == 1
    dominant[single] = by_day.rating[windows.start_row[single]] - 1
    return _Tests(
        tested=tested,
        rate_p=_rate_p(windows, tested, priors.overdispersion),
        mix_p=mix_p,
        dominant_star=dominant + 1,
        dominant_count=dominant_count,
    )


@dataclass(frozen=True)
class _Verdicts:
    """Per window: which test calls it a burst (significant and material), and its q."""

    rate_burst: BoolArray
    mix_burst: BoolArray
    significant: BoolArray
    q: FloatArray  # the smaller of the two tests' BH q-values


def _p_values(tests: _Tests) -> FloatArray:
    """The p-values of the tested windows' rate tests, then of their star-mix tests."""
    return np.concatenate((tests.rate_p, tests.mix_p))


def _verdicts(windows: _Windows, tests: _Tests, alpha: float, steps: Steps) -> _Verdicts:
    """The verdicts of the windows, their tests' q-values read off the BH ``steps``."""
    n_windows, n_tested = len(windows.size), len(tests.tested)
    q_tested = steps.of(_p_values(tests))
    rate_q = np.ones(n_windows)
    mix_q = np.ones(n_windows)
    rate_q[tests.tested], mix_q[tests.tested] = q_tested[:n_tested], q_tested[n_tested:]
    size = windows.size
    rate_burst = (
        (rate_q <= alpha) & (size >= MIN_RATE_BURST) & (size >= MIN_RATE_RATIO * windows.expected)
    )
    mix_burst = (mix_q <= alpha) & (tests.dominant_count >= MIN_MIX_BURST)
    return _Verdicts(rate_burst, mix_burst, rate_burst | mix_burst, np.minimum(rate_q, mix_q))


def _most_significant_windows(
    windows: _Windows, verdicts: _Verdicts, key: IntArray
) -> tuple[IntArray, IntArray]:
    """For each sorted review, the window containing it with the smallest q: among all
    windows, and among the significant ones (-1 when there is none)."""
    n, per_width = len(key), len(windows.anchors)
    best_any = np.full(n, -1, np.int64)
    best_significant = np.full(n, -1, np.int64)
    q_any = np.full(n, np.inf)
    q_significant = np.full(n, np.inf)
    for j, width in enumerate(WIDTHS):
        offset = j * per_width
        # the windows of this width that contain the review start in its last `width` days
        first_anchor = np.searchsorted(windows.anchors, key - width + 1, "left")
        last_anchor = np.searchsorted(windows.anchors, key, "right") - 1
        block_q = verdicts.q[offset : offset + per_width]
        block_significant = np.where(
            verdicts.significant[offset : offset + per_width], block_q, np.inf
        )
        for best_q, best, block in (
            (q_any, best_any, block_q),
            (q_significant, best_significant, block_significant),
        ):
            arg = _range_argmin(block, first_anchor, last_anchor)
            better = block[arg] < best_q
            best_q[better] = block[arg][better]
            best[better] = arg[better] + offset
    return best_any, best_significant


def _window_features(
    windows: _Windows, tests: _Tests, verdicts: _Verdicts, best: IntArray, rating: IntArray
) -> dict[str, FloatArray]:
    """The combiner's features of each sorted review's most significant window."""
    has = best >= 0
    window = np.where(has, best, 0)
    return {
        "burst_log10_q": np.where(has, -np.log10(np.maximum(verdicts.q[window], 1e-300)), 0.0),
        "burst_ratio": np.where(
            has, windows.size[window] / np.maximum(windows.expected[window], 1e-9), 0.0
        ),
        "burst_size": np.where(has, windows.size[window], 0.0),
        "burst_star_match": np.where(
            has, (tests.dominant_star[window] == rating).astype(np.float64), 0.0
        ),
    }


@dataclass(frozen=True)
class _Flagged:
    """Per sorted review, about its most significant significant window (``window``)."""

    window: IntArray  # 0 when there is none (then ``member`` is False)
    member: BoolArray  # in the window by the window test alone: the combiner's feature
    flagged: BoolArray  # and its star is over-represented or on the side the mean moved
    explained: FloatArray  # share of its star's reviews there the history explains


def _flag(
    windows: _Windows,
    tests: _Tests,
    verdicts: _Verdicts,
    best: IntArray,
    by_day: _ByProductDay,
    star_prior: FloatArray,
) -> _Flagged:
    has = best >= 0
    window = np.where(has, best, 0)
    star = by_day.rating
    member = has & (verdicts.rate_burst[window] | (tests.dominant_star[window] == star))
    stars_before = by_day.stars_before
    start, end = windows.start_row[window], windows.end_row[window]
    context_start = windows.context_start_row[window]
    context_end = windows.context_end_row[window]
    # expected / observed reviews of the review's own star in the window
    own_in_window = (stars_before[star, end] - stars_before[star, start]).astype(np.float64)
    own_in_context = (
        stars_before[star, context_end] - stars_before[star, context_start] - own_in_window
    )
    own_share = (own_in_context + star_prior[star - 1]) / (
        windows.context_size[window] + PRIOR_STARS
    )
    own_expected = windows.expected[window] * own_share
    # Only a burst that changes the product's star mix can move its rating: a surge with
    # the product's usual mix (a launch, a mention in the press) is traffic. So a review
    # is flagged when its own star is over-represented in the window (binomial tail at
    # ALPHA), or the window's mean differs from the history's (z-test at ALPHA) and its
    # star is on the side the window moved to.
    shifted, history_mean = mean_shift(
        stars_before, start, end, context_start, context_end, star_prior
    )
    window_size = (end - start).astype(np.float64)
    over = stats.binom.sf(own_in_window - 1, window_size, own_share) <= ALPHA
    flagged = member & (over | (shifted * (star - history_mean) > 0))
    explained = np.where(
        flagged, np.minimum(1.0, own_expected / np.maximum(own_in_window, 1.0)), 1.0
    )
    return _Flagged(window, member, flagged, explained)


def _burst_numbers(
    windows: _Windows,
    tests: _Tests,
    verdicts: _Verdicts,
    flagged: _Flagged,
    day: IntArray,
) -> dict[str, FloatArray]:
    """What the sentence of a flagged sorted review quotes about its window (0 if not
    flagged; the star only when the window's mix is one-sided)."""
    window, is_flagged = flagged.window, flagged.flagged
    one_sided = verdicts.mix_burst[window] | (
        tests.dominant_count[window] >= ONE_SIDED_SHARE * windows.size[window]
    )
    first_day = day[np.minimum(windows.start_row[window], len(day) - 1)]
    last_day = day[np.maximum(windows.end_row[window] - 1, 0)]
    return {
        "burst": np.where(is_flagged, windows.size[window], 0.0),
        "burst_days": np.where(is_flagged, last_day - first_day + 1, 0.0),
        "burst_star": np.where(is_flagged & one_sided, tests.dominant_star[window], 0.0),
        "burst_star_count": np.where(is_flagged & one_sided, tests.dominant_count[window], 0.0),
        "burst_expected": np.where(is_flagged, windows.expected[window], 0.0),
    }


def _unsorted(values: FloatArray | BoolArray, order: IntArray) -> FloatArray:
    result = np.empty(len(order), dtype=np.float64)
    result[order] = values
    return result


def _corpus_context(reviews: Reviews) -> Context:
    """The `Context` of ``reviews`` as a whole corpus, but its steps."""
    star_counts = np.bincount(reviews.rating, minlength=6)[1:]
    return corpus_context(product_summaries(reviews), star_counts)


@dataclass(frozen=True)
class _Tested:
    """A part of a corpus sorted by product and day, its windows and their tests."""

    by_day: _ByProductDay
    priors: _Priors
    windows: _Windows
    tests: _Tests


def _tested(reviews: Reviews, context: Context) -> _Tested:
    day = _shifted_days(reviews)
    by_day = _sort_by_product_day(reviews, day)
    priors = _priors(reviews, day, context)
    windows = _windows(by_day, priors)
    return _Tested(by_day, priors, windows, _tests(windows, by_day, priors))


def window_p_values(reviews: Reviews, context: Context) -> FloatArray:
    """The p-values of both tests of every tested window of ``reviews`` (whole products of
    a corpus with the given ``context``): their part of the corpus' BH family."""
    if len(reviews) == 0:
        return np.zeros(0)
    return _p_values(_tested(reviews, context).tests)


def bursts(reviews: Reviews, alpha: float = ALPHA, context: Context | None = None) -> SignalOutput:
    """Burst features and the ``burst`` flag for every review (see the module docstring).

    ``context``: the corpus' (`Context`, with its steps) when ``reviews`` are whole
    products of a larger corpus; None for the whole corpus.
    """
    if len(reviews) == 0:
        return _empty(0)
    found = _tested(reviews, context or _corpus_context(reviews))
    by_day, windows, tests = found.by_day, found.windows, found.tests
    if context is None or context.steps is None:
        # One BH family of both tests of every window; the untested have p = 1.
        values, counts = np.unique(_p_values(tests), return_counts=True)
        steps = bh_steps(values, counts, 2 * len(windows.size))
    else:
        steps = context.steps
    verdicts = _verdicts(windows, tests, alpha, steps)
    best_any, best_significant = _most_significant_windows(windows, verdicts, by_day.key)
    features = _window_features(windows, tests, verdicts, best_any, by_day.rating)
    flagged = _flag(windows, tests, verdicts, best_significant, by_day, found.priors.star_prior)
    numbers = _burst_numbers(windows, tests, verdicts, flagged, by_day.day)

    order = by_day.order
    out = SignalOutput(name=NAME)
    out.features = {name: _unsorted(values, order) for name, values in features.items()}
    out.features["burst_member"] = _unsorted(flagged.member, order)  # as the combiner was fitted
    out.features[EXPLAINED] = _unsorted(flagged.explained, order)
    flag = np.zeros(len(reviews), bool)
    flag[order] = flagged.flagged
    out.flags = {"burst": flag}
    out.numbers = {name: _unsorted(values, order) for name, values in numbers.items()}
    return out
