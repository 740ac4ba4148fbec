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

import numpy as np
from scipy import stats  # type: ignore[import-untyped]

from candor.trust.behaviour import days
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


def benjamini_hochberg(p: FloatArray, family: int | None = None) -> FloatArray:
    """BH-adjusted q-values (step-up, monotone), same order as ``p``.

    ``family``: the number of tests when ``p`` holds only some of them and every left-out
    test has p = 1 (so it ranks after all of ``p`` and cannot change their q-values).
    """
    m = len(p)
    if m == 0:
        return np.zeros(0)
    total = m if family is None else max(family, m)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * total / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def overdispersion(product: IntArray, day: IntArray, n_products: int) -> float:
    """Method-of-moments ``phi`` in ``Var = mean + phi * mean**2`` for daily review counts.

    Per product with at least ``PHI_MIN_REVIEWS`` reviews, over its active span including
    days without reviews; the median over products, clipped to ``[0, PHI_MAX]``.
    """
    if len(day) == 0:
        return 0.0
    key = product * (int(day.max() - day.min()) + 1) + (day - day.min())
    unique_key, per_day = np.unique(key, return_counts=True)
    day_product = unique_key // (int(day.max() - day.min()) + 1)
    count = np.bincount(product, minlength=n_products).astype(np.float64)
    squares = np.bincount(
        day_product, weights=per_day.astype(np.float64) ** 2, minlength=n_products
    )
    first = np.full(n_products, np.iinfo(np.int64).max)
    np.minimum.at(first, product, day)
    last = np.full(n_products, np.iinfo(np.int64).min)
    np.maximum.at(last, product, day)
    big = count >= PHI_MIN_REVIEWS
    if not big.any():
        return 0.0
    span = (last - first + 1)[big].astype(np.float64)
    mean = count[big] / span
    var = squares[big] / span - mean**2
    phi = np.maximum(var - mean, 0.0) / mean**2
    return float(np.clip(np.median(phi), 0.0, PHI_MAX))


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


def bursts(reviews: Reviews, alpha: float = ALPHA) -> SignalOutput:
    """Burst features and the ``burst`` flag for every review (see the module docstring)."""
    n = len(reviews)
    if n == 0:
        return _empty(0)
    product = reviews.product
    n_products = reviews.n_products
    day = days(reviews.time)
    day = day - day.min() + CONTEXT_DAYS + max(WIDTHS) + 1  # keep all offsets positive
    stride = int(day.max()) + CONTEXT_DAYS + 2 * max(WIDTHS) + 2
    key = product * stride + day

    order = np.argsort(key, kind="stable")
    skey = key[order]
    sday = day[order]
    srating = reviews.rating[order]
    cum_star = np.zeros((6, n + 1), np.int64)
    for star in range(1, 6):
        cum_star[star, 1:] = np.cumsum(srating == star)

    count = np.bincount(product, minlength=n_products)
    first = np.full(n_products, np.iinfo(np.int64).max)
    np.minimum.at(first, product, day)
    last = np.full(n_products, np.iinfo(np.int64).min)
    np.maximum.at(last, product, day)
    span = (last - first + 1).astype(np.float64)
    multi = count >= 2
    base_rate = (
        float(np.median((count[multi] - 1) / span[multi])) if multi.any() else 1.0 / CONTEXT_DAYS
    )
    prior_a = PRIOR_REVIEWS
    prior_b = PRIOR_REVIEWS / max(base_rate, 1e-9)
    star_prior = PRIOR_STARS * (np.bincount(reviews.rating, minlength=6)[1:] / n)
    phi = overdispersion(product, day, n_products)

    anchors = np.unique(skey)  # one window start per (product, review day)
    a_product = anchors // stride
    a_day = anchors % stride
    widths = np.asarray(WIDTHS, np.int64)
    nw = len(widths)
    m = len(anchors)

    # per (width, anchor) window statistics, flattened width-major
    w = np.repeat(widths, m)
    start = np.tile(anchors, nw)
    wp = np.tile(a_product, nw)
    wd = np.tile(a_day, nw)
    lo = np.searchsorted(skey, start, "left")
    hi = np.searchsorted(skey, start + w, "left")
    k = (hi - lo).astype(np.float64)
    ctx_lo = np.searchsorted(skey, start - CONTEXT_DAYS, "left")
    ctx_hi = np.searchsorted(skey, start + w + CONTEXT_DAYS, "left")
    ctx = (ctx_hi - ctx_lo).astype(np.float64) - k
    p_first, p_last = first[wp], last[wp]
    exposure = np.maximum(wd - np.maximum(wd - CONTEXT_DAYS, p_first), 0) + np.maximum(
        np.minimum(wd + w + CONTEXT_DAYS, p_last + 1) - (wd + w), 0
    )
    shape_rate = prior_a + ctx
    mu = w * shape_rate / (prior_b + exposure)

    # windows with one review cannot be bursts: test only the others (p = 1 for the rest,
    # which still count in the size of the BH family)
    cand = np.flatnonzero(k >= 2)
    kc = k[cand]
    shape = 1.0 / (1.0 / shape_rate[cand] + phi / w[cand])
    p_rate = np.ones(len(k))
    p_rate[cand] = stats.nbinom.sf(kc - 1, shape, shape / (shape + mu[cand]))

    lo_c, hi_c, clo_c, chi_c = lo[cand], hi[cand], ctx_lo[cand], ctx_hi[cand]
    in_window = np.stack([cum_star[s, hi_c] - cum_star[s, lo_c] for s in range(1, 6)])
    in_context = (
        np.stack([cum_star[s, chi_c] - cum_star[s, clo_c] for s in range(1, 6)]) - in_window
    )
    columns = np.arange(len(cand))
    dominant_c = np.argmax(in_window, axis=0)
    share_hist = (in_context[dominant_c, columns] + star_prior[dominant_c]) / (
        ctx[cand] + PRIOR_STARS
    )
    dominant = np.zeros(len(k), np.int64)
    dominant[cand] = dominant_c
    k_dom = np.minimum(k, 1.0)
    k_dom[cand] = in_window[dominant_c, columns]
    p_mix = np.ones(len(k))
    p_mix[cand] = np.minimum(5.0 * stats.binom.sf(k_dom[cand] - 1, kc, share_hist), 1.0)
    if len(k):  # a lone review's window: its own star
        single = k == 1
        dominant[single] = srating[lo[single]] - 1

    q_rate = np.ones(len(k))
    q_mix = np.ones(len(k))
    q_cand = benjamini_hochberg(np.concatenate((p_rate[cand], p_mix[cand])), family=2 * len(k))
    q_rate[cand], q_mix[cand] = q_cand[: len(cand)], q_cand[len(cand) :]
    rate_burst = (q_rate <= alpha) & (k >= MIN_RATE_BURST) & (k >= MIN_RATE_RATIO * mu)
    mix_burst = (q_mix <= alpha) & (k_dom >= MIN_MIX_BURST)
    significant = rate_burst | mix_burst
    q_best = np.minimum(q_rate, q_mix)

    # most significant window containing each review, among all and among significant ones
    best_all = np.full(n, -1, np.int64)
    best_sig = np.full(n, -1, np.int64)
    score_all = np.full(n, np.inf)
    score_sig = np.full(n, np.inf)
    for j, width in enumerate(WIDTHS):
        offset = j * m
        a_lo = np.searchsorted(anchors, skey - width + 1, "left")
        a_hi = np.searchsorted(anchors, skey, "right") - 1
        block_q = q_best[offset : offset + m]
        block_sig = np.where(significant[offset : offset + m], block_q, np.inf)
        for score, best, block in (
            (score_all, best_all, block_q),
            (score_sig, best_sig, block_sig),
        ):
            arg = _range_argmin(block, a_lo, a_hi)
            better = block[arg] < score
            score[better] = block[arg][better]
            best[better] = arg[better] + offset

    has_all = best_all >= 0
    ball = np.where(has_all, best_all, 0)
    star_of_window = dominant + 1
    feature_q = np.where(has_all, -np.log10(np.maximum(q_best[ball], 1e-300)), 0.0)
    feature_ratio = np.where(has_all, k[ball] / np.maximum(mu[ball], 1e-9), 0.0)
    feature_size = np.where(has_all, k[ball], 0.0)
    feature_match = np.where(has_all, (star_of_window[ball] == srating).astype(np.float64), 0.0)

    has_sig = best_sig >= 0
    bsig = np.where(has_sig, best_sig, 0)
    in_burst = has_sig & (rate_burst[bsig] | (star_of_window[bsig] == srating))
    one_sided = mix_burst[bsig] | (k_dom[bsig] >= ONE_SIDED_SHARE * k[bsig])
    first_in = sday[np.minimum(lo[bsig], n - 1)]
    last_in = sday[np.maximum(hi[bsig] - 1, 0)]

    # expected / observed reviews of the review's own star in its burst window
    own = srating
    w_lo, w_hi = lo[bsig], hi[bsig]
    k_own = (cum_star[own, w_hi] - cum_star[own, w_lo]).astype(np.float64)
    c_own = cum_star[own, ctx_hi[bsig]] - cum_star[own, ctx_lo[bsig]] - k_own
    share_own = (c_own + star_prior[own - 1]) / (ctx[bsig] + PRIOR_STARS)
    expected_own = mu[bsig] * share_own
    # Only a burst that changes the product's star mix can move its rating: a surge with
    # the product's usual mix (a launch, a mention in the press) is traffic. So a review
    # is flagged when its own star is over-represented in the window (binomial tail at
    # ALPHA), or the window's mean differs from the history's (z-test at ALPHA) and its
    # star is on the side the window moved to.
    shifted, history_mean = mean_shift(cum_star, w_lo, w_hi, ctx_lo[bsig], ctx_hi[bsig], star_prior)
    k_window = (w_hi - w_lo).astype(np.float64)
    over = stats.binom.sf(k_own - 1, k_window, share_own) <= ALPHA
    flagged = in_burst & (over | (shifted * (srating - history_mean) > 0))
    explained = np.where(flagged, np.minimum(1.0, expected_own / np.maximum(k_own, 1.0)), 1.0)

    def unsort(values: FloatArray | BoolArray) -> FloatArray:
        result = np.empty(n, dtype=np.float64)
        result[order] = values
        return result

    out = SignalOutput(name=NAME)
    out.features = {
        "burst_log10_q": unsort(feature_q),
        "burst_ratio": unsort(feature_ratio),
        "burst_size": unsort(feature_size),
        "burst_star_match": unsort(feature_match),
        "burst_member": unsort(in_burst),  # the combiner's feature, as it was fitted
        EXPLAINED: unsort(explained),
    }
    flag = np.zeros(n, bool)
    flag[order] = flagged
    out.flags = {"burst": flag}
    out.numbers = {
        "burst": unsort(np.where(flagged, k[bsig], 0.0)),
        "burst_days": unsort(np.where(flagged, last_in - first_in + 1, 0.0)),
        "burst_star": unsort(np.where(flagged & one_sided, star_of_window[bsig], 0.0)),
        "burst_star_count": unsort(np.where(flagged & one_sided, k_dom[bsig], 0.0)),
        "burst_expected": unsort(np.where(flagged, mu[bsig], 0.0)),
    }
    return out
