"""The Bayesian estimate: Dirichlet-multinomial posterior over the five star shares.

With posterior pseudo-counts ``alpha_k = prior_k + weighted count_k``, the book's
long-run average rating ``mu = sum(k * p_k)`` (with ``p ~ Dirichlet(alpha)``) has

- mean ``m = sum(k * alpha_k) / A`` where ``A = sum(alpha_k)``: the displayed rating,
  always within [1, 5];
- variance ``sum(alpha_k * (k - m) ** 2) / A / (A + 1)``, exact for the Dirichlet.

The credible interval is the normal approximation ``m ± z * sd`` with ``z`` the
standard normal quantile for the level (1.645 for 90 %), clipped to [1, 5]. It is
closed-form and deterministic: no sampling, so the same reviews always give the
same interval.

Both are computed for many books at once, in one place: `candor.ratings.batch`
(`posterior_mean`, `credible_interval`); a single book is a batch of one.
"""

from collections.abc import Sequence

from candor.ratings.config import STARS


def simple_average(counts: Sequence[int]) -> float:
    """Plain mean of the posted stars (exact: integer arithmetic, one rounding)."""
    return sum(star * count for star, count in zip(STARS, counts, strict=True)) / sum(counts)
