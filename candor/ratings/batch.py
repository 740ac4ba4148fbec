"""The one implementation of the rating's numbers, vectorised over many books at once.

Input: per book, per explanation stage, one sum per star (arrays of shape (n, 5), 1 star
first), as a Tally holds them but already decoded to floats relative to ``now``:

- ``counts``: raw counts per star (whole numbers);
- ``recency`` .. ``trust``: the weights with the explanation's factors switched on
  cumulatively (recency; * verified-purchase factor; * (1 + helpful bonus); * trust).

Output (`Scores`): per book the rating (posterior mean), the credible interval, whole
star percentages, the effective number of ratings, and the rating after each
explanation stage plus whether that stage changed any weight. The explanation's
sentences are written from these by `candor.ratings.explanation` (`Scores.factors`).

`RatingState.result` (and so `rate`) decodes its exact integer sums and calls `score`
with n = 1; the batch scorer (`candor score`) calls it with one row per product. So the
web page and a batch run share every formula here.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from candor.ratings.config import STARS, RatingConfig
from candor.ratings.explanation import Explainer, Wording
from candor.ratings.prior import Prior
from candor.ratings.weights import WEIGHTED_STAGES

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Rows of the input, in the order a Tally holds them.
SUM_ROWS = ("counts", *WEIGHTED_STAGES)
# Stages of the explanation: the simple average, the prior's pull, then each weighting factor.
EXPLANATION_STAGES = ("simple_average", "prior", *WEIGHTED_STAGES)

_STAR_VALUES = np.array(STARS, dtype=np.float64)
# Whole-percent rounding treats shares this close as equal, so float noise in the sums
# (1e-16 relative) can never break a tie differently from exact arithmetic.
_SHARE_RESOLUTION = 1e-9


@dataclass(frozen=True)
class StarSums:
    """Per-book, per-star sums for each row of SUM_ROWS; every array is (n, 5)."""

    counts: IntArray
    recency: FloatArray
    verified_purchase: FloatArray
    helpful_votes: FloatArray
    trust: FloatArray

    @property
    def weighted(self) -> tuple[FloatArray, ...]:
        return (self.recency, self.verified_purchase, self.helpful_votes, self.trust)

    def __len__(self) -> int:
        return int(self.counts.shape[0])


@dataclass(frozen=True)
class Scores:
    """What `score` gives, one row per book (a book without ratings has NaN numbers)."""

    count: IntArray  # (n,)
    rating: FloatArray  # (n,)
    interval: FloatArray  # (n, 2): low, high
    effective_count: FloatArray  # (n,)
    stars: IntArray  # (n, 5) whole percents, 1 star first, adding up to 100
    stage_ratings: FloatArray  # (n, 6): the rating after each of EXPLANATION_STAGES
    changed: BoolArray  # (n, 6): whether switching that stage on changed any weight

    def __len__(self) -> int:
        return int(self.count.shape[0])

    def rows(self, start: int, end: int) -> "Scores":
        """The books start..end-1."""
        return Scores(
            self.count[start:end],
            self.rating[start:end],
            self.interval[start:end],
            self.effective_count[start:end],
            self.stars[start:end],
            self.stage_ratings[start:end],
            self.changed[start:end],
        )

    def factors(self, explainer: Explainer) -> Iterator[list[tuple[str, str, float, str]]]:
        """Per book: the explanation as (code, label, delta, sentence), built by ``explainer``."""
        counts = self.count.tolist()
        ratings = self.stage_ratings.tolist()
        changed = self.changed.tolist()
        for count, stage_ratings, stage_changed in zip(counts, ratings, changed, strict=True):
            yield explainer.factors(count, stage_ratings, stage_changed)


def score(sums: StarSums, prior: Prior, config: RatingConfig) -> Scores:
    """Ratings, intervals, percentages and explanation stages for every row of ``sums``."""
    counts = np.asarray(sums.counts, dtype=np.int64)
    weighted = [np.asarray(row, dtype=np.float64) for row in sums.weighted]
    alpha = np.asarray(prior.alpha, dtype=np.float64)
    count = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Integer sums and one division: the exact simple average, correctly rounded.
        simple = (counts @ np.array(STARS, dtype=np.int64)) / count
        stage_ratings = np.column_stack(
            [
                simple,
                posterior_mean(alpha + counts),
                *(posterior_mean(alpha + row) for row in weighted),
            ]
        )
        final = alpha + weighted[-1]
        interval = credible_interval(final, config.credible_level)
    full = weighted[-1]
    total = full.sum(axis=1)
    # A total weight of 0 (every review fully distrusted) has no shares: show the raw split.
    shown = np.where((total > 0)[:, None], full, counts.astype(np.float64))
    changed = np.ones((len(count), len(EXPLANATION_STAGES)), dtype=bool)
    for stage in range(1, len(weighted)):
        changed[:, 2 + stage] = np.any(weighted[stage] != weighted[stage - 1], axis=1)
    empty = count == 0
    stage_ratings[empty] = np.nan
    interval[empty] = np.nan
    return Scores(
        count=count,
        rating=stage_ratings[:, -1].copy(),
        interval=interval,
        effective_count=np.where(empty, 0.0, total),
        stars=percentages(shown),
        stage_ratings=stage_ratings,
        changed=changed,
    )


def posterior_mean(alpha: FloatArray) -> FloatArray:
    """Mean star value of Dirichlet pseudo-counts ``alpha`` (n, 5), kept within [1, 5].

    Rounding could step a hair outside [1, 5]; the promise is that it never does.
    """
    mean: FloatArray = np.clip((alpha @ _STAR_VALUES) / alpha.sum(axis=1), 1.0, 5.0)
    return mean


def credible_interval(alpha: FloatArray, level: float) -> FloatArray:
    """mean ± z * sd of the book's long-run average, clipped to [1, 5]; shape (n, 2).

    The Dirichlet variance of sum(k * p_k) is sum(alpha_k * (k - m) ** 2) / A / (A + 1).
    """
    mean = posterior_mean(alpha)
    total = alpha.sum(axis=1)
    spread = (alpha * (_STAR_VALUES[None, :] - mean[:, None]) ** 2).sum(axis=1)
    half_width = z_score(level) * np.sqrt(spread / total / (total + 1))
    return np.column_stack([np.maximum(1.0, mean - half_width), np.minimum(5.0, mean + half_width)])


def z_score(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def percentages(amounts: FloatArray) -> IntArray:
    """Whole percents per star (n, 5), 1 star first, adding up to exactly 100 per row.

    Largest-remainder rounding, as `largest_remainder_percentages` describes: the floor
    of each share, then one point each to the largest remainders, ties to the higher
    star. Rows adding up to 0 give all 0.
    """
    amounts = np.asarray(amounts, dtype=np.float64)
    total = amounts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, 100.0 * amounts / total, 0.0)
    nearest = np.round(shares)
    shares = np.where(np.abs(shares - nearest) < _SHARE_RESOLUTION, nearest, shares)
    floors = np.floor(shares)
    remainders = np.round((shares - floors) / _SHARE_RESOLUTION)
    missing = np.where(total[:, 0] > 0, 100 - floors.sum(axis=1), 0).astype(np.int64)
    # Rank stars by remainder, larger first; on a tie the higher star (larger index) first.
    key = remainders * len(STARS) + np.arange(len(STARS))
    order = np.argsort(-key, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(len(STARS))[None, :], axis=1)
    bonus = ranks < np.clip(missing, 0, len(STARS))[:, None]
    return (floors + bonus).astype(np.int64)


def star_sums(rows: Sequence[Sequence[Sequence[float]]]) -> StarSums:
    """StarSums from nested rows: SUM_ROWS, each (n, 5) (a convenience for small inputs)."""
    counts, *weighted = rows
    return StarSums(
        np.asarray(counts, dtype=np.int64),
        *(np.asarray(row, dtype=np.float64) for row in weighted),
    )


__all__ = [
    "EXPLANATION_STAGES",
    "SUM_ROWS",
    "Explainer",
    "Scores",
    "StarSums",
    "Wording",
    "credible_interval",
    "percentages",
    "posterior_mean",
    "score",
    "star_sums",
]
