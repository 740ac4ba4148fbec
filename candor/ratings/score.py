"""The rating's numbers, for many books at once: `score` turns `BookSums` into `Scores`.

The method (METHOD.md says it for readers):

1. **The change test.** Is the book's recency-weighted average (every review's base
   weight times its full recency) significantly different from its plain weighted
   average? ``z`` is that difference over its standard error, taking the reviews'
   weights as fixed and their stars as independent draws with the book's own
   variance (at least ``change_min_variance``). The gate (`weights.change_gates`)
   turns ``z`` and the recent reviews' worth into recency's say.
2. **The mix.** The book's star shares: each star's base weights, recency applied as
   far as the gate opens.
3. **The evidence.** The sum of trust: how many reviews' worth the book holds.
4. **The posterior.** Dirichlet pseudo-counts: the prior's, plus evidence times mix.
   The rating is their mean star value; the interval is mean +- z * sd of the book's
   long-run average (exact Dirichlet variance, normal approximation, clipped to 1..5).
5. **The explanation stages**: the rating with one more factor switched on at a time
   (`STAGES`): the simple average; the prior's pull (every review counting 1); the
   verified-purchase factor; trust (which also sets the evidence); recency. Each
   stage's rating minus the previous one is that factor's effect, so the effects add
   up to the rating minus the simple average. (Helpful votes are no stage: they do not
   weigh reviews.)

A book whose reviews all have trust 0 has no rating (NaN), whatever its count.
"""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from candor.ratings.config import STARS, RatingConfig
from candor.ratings.prior import Prior
from candor.ratings.review import BoolArray, FloatArray, IntArray
from candor.ratings.rounding import percentages
from candor.ratings.sums import BookSums
from candor.ratings.weights import BookWeighting, change_gates

STAGES = ("simple_average", "prior", "verified_purchase", "trust", "recency")
_TRUST = STAGES.index("trust")
_RECENCY = STAGES.index("recency")

_STAR_VALUES = np.array(STARS, dtype=np.float64)
# A mix this close to the previous stage's is "unchanged" (float noise, not a factor).
_SAME = 1e-12


@dataclass(frozen=True)
class Scores:
    """What `score` gives, one row per book (NaN numbers where nothing counts)."""

    count: IntArray  # (n,) reviews
    star_counts: IntArray  # (n, 5) reviews per star, 1 star first
    rating: FloatArray  # (n,)
    interval: FloatArray  # (n, 2): low, high
    evidence: FloatArray  # (n,) the effective number of ratings
    stars: IntArray  # (n, 5) whole percents, 1 star first, adding up to 100
    mix: FloatArray  # (n, 5) the star shares the rating uses (the prior's input)
    stage_ratings: FloatArray  # (n, len(STAGES)): the rating after each of STAGES
    changed: BoolArray  # (n, len(STAGES)): whether that stage changed how reviews count
    reference: FloatArray  # (n,) BookWeighting.reference
    gate: FloatArray  # (n,) BookWeighting.gate
    scale: FloatArray  # (n,) BookWeighting.scale
    change_z: FloatArray  # (n,) the change test's z-score

    def __len__(self) -> int:
        return int(self.count.shape[0])

    def weighting(self, book: int) -> BookWeighting:
        return BookWeighting(
            float(self.reference[book]), float(self.gate[book]), float(self.scale[book])
        )

    def rows(self, index: npt.ArrayLike) -> "Scores":
        """The books at ``index``."""
        return Scores(*(getattr(self, field.name)[index] for field in fields(self)))

    def kept(self, book: int) -> dict[str, Any]:
        """What a store keeps of book ``book`` (KEPT, as JSON: NaN as null): enough for
        `candor.ratings.rating.results` and the book's weighting (`from_kept`)."""
        return self.rows([book]).kept_rows()[0]

    def kept_rows(self) -> list[dict[str, Any]]:
        """`kept` of every book, made column by column."""
        columns = []
        for name in KEPT:
            values = getattr(self, name)
            if values.dtype.kind == "f":
                missing = np.isnan(values)
                if missing.any():
                    values = values.astype(object)
                    values[missing] = None
            columns.append(values.tolist())
        return [dict(zip(KEPT, row, strict=True)) for row in zip(*columns, strict=True)]

    @classmethod
    def from_kept(cls, kept: Sequence[dict[str, Any]]) -> "Scores":
        """Scores of books from what `kept` gave (the prior's inputs, ``mix`` and
        ``change_z``, are not kept: NaN)."""
        count = len(kept)
        found = {
            name: np.array([_nan(item[name]) for item in kept], dtype=kind)
            for name, kind in KEPT_TYPES.items()
        }
        return cls(
            **found,
            mix=np.full((count, len(STARS)), np.nan),
            change_z=np.full(count, np.nan),
        )


# Scores' fields a store keeps per book (see `Scores.kept`), with their array types.
KEPT_TYPES: dict[str, Any] = {
    "count": np.int64,
    "star_counts": np.int64,
    "rating": np.float64,
    "interval": np.float64,
    "evidence": np.float64,
    "stars": np.int64,
    "stage_ratings": np.float64,
    "changed": bool,
    "reference": np.float64,
    "gate": np.float64,
    "scale": np.float64,
}
KEPT = tuple(KEPT_TYPES)


def _nan(value: Any) -> Any:
    if isinstance(value, list):
        return [_nan(item) for item in value]
    return np.nan if value is None else value


def score(sums: BookSums, prior: Prior, config: RatingConfig) -> Scores:
    """Ratings, intervals, percentages, explanation stages and weightings of every book."""
    counts = sums.counts
    count = counts.sum(axis=1)
    alpha = np.asarray(prior.alpha, dtype=np.float64)
    evidence = sums.evidence
    base_total = sums.base.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        change_z = change_scores(sums, config)
        gate = _gates(sums, change_z, config)
        mixed = (1.0 - gate)[:, None] * sums.base + gate[:, None] * sums.recent
        mixed_total = mixed.sum(axis=1)
        mix = mixed / mixed_total[:, None]
        scale = np.where(mixed_total > 0, evidence / mixed_total, 0.0)
        shares = _stage_shares(sums, mix)
        stage_ratings = _stage_ratings(sums, alpha, shares)
        interval = credible_interval(alpha + evidence[:, None] * mix, config.credible_level)
    # Nothing counts when every trust is 0 (or so small that the weights underflow).
    nothing = ~((evidence > 0) & (mixed_total > 0) & (base_total > 0))
    stage_ratings[count == 0] = np.nan
    stage_ratings[nothing, _TRUST:] = np.nan
    interval[nothing] = np.nan
    shown = np.where(nothing[:, None], counts.astype(np.float64), mixed)
    return Scores(
        count=count,
        star_counts=counts,
        rating=stage_ratings[:, -1].copy(),
        interval=interval,
        evidence=np.where(count > 0, evidence, 0.0),
        stars=percentages(shown),
        mix=mix,
        stage_ratings=stage_ratings,
        changed=_changed_stages(shares, evidence != count, gate),
        reference=sums.reference,
        gate=gate,
        scale=scale,
        change_z=np.nan_to_num(change_z),
    )


def _gates(sums: BookSums, change_z: FloatArray, config: RatingConfig) -> FloatArray:
    """Recency's say per book (`weights.change_gates`) from the change test's z and the
    recent reviews' worth: their base weights, each times how far its full recency is
    above the floor (1 for a new review, 0 at the floor); NaN read as 0."""
    floor = config.recency_floor
    base_total = sums.base.sum(axis=1)
    recent_total = sums.recent.sum(axis=1)
    recent_worth = (recent_total - floor * base_total) / (1.0 - floor) if floor < 1 else 0.0
    gate: FloatArray = np.nan_to_num(change_gates(change_z, np.asarray(recent_worth), config))
    return gate


def _stage_shares(sums: BookSums, mix: FloatArray) -> list[FloatArray]:
    """The star shares of the STAGES after the simple average, each (n, 5): every review
    counting 1, then weighted by the purchase factor, then by its base weight (trust
    too), then ``mix`` (recency too, as far as the gate opens)."""
    counts = sums.counts
    return [
        counts / counts.sum(axis=1)[:, None],
        sums.purchase / sums.purchase.sum(axis=1, keepdims=True),
        sums.base / sums.base.sum(axis=1)[:, None],
        mix,
    ]


def _stage_ratings(sums: BookSums, alpha: FloatArray, shares: list[FloatArray]) -> FloatArray:
    """The rating after each of STAGES, (n, len(STAGES)): the simple average, then the
    posterior mean of the prior ``alpha`` plus each of `_stage_shares` times the book's
    count (the prior's and the purchase factor's stages) or its evidence (the others)."""
    counts = sums.counts
    count = counts.sum(axis=1)
    sizes = [count, count, sums.evidence, sums.evidence]
    ratings: FloatArray = np.column_stack(
        [
            (counts @ np.array(STARS, dtype=np.int64)) / count,
            *(
                posterior_mean(alpha + size[:, None] * share)
                for size, share in zip(sizes, shares, strict=True)
            ),
        ]
    )
    return ratings


def _changed_stages(
    shares: list[FloatArray], evidence_not_count: BoolArray, gate: FloatArray
) -> BoolArray:
    """Per book and stage of STAGES, whether the stage changed how reviews count: the
    first two always; a later one when its star shares (`_stage_shares`) moved from the
    previous stage's; trust also when the book's evidence is not its count; recency
    only when its gate is open."""
    changed = np.ones((len(gate), len(STAGES)), dtype=bool)
    for stage in range(2, len(STAGES)):
        moved = np.any(np.abs(shares[stage - 1] - shares[stage - 2]) > _SAME, axis=1)
        changed[:, stage] = moved
    changed[:, _TRUST] |= evidence_not_count
    changed[:, _RECENCY] &= gate > 0
    return changed


def change_scores(sums: BookSums, config: RatingConfig) -> FloatArray:
    """The change test's z per book: (recency-weighted average - weighted average) over
    its standard error (0 where there is nothing to compare)."""
    base_total = sums.base.sum(axis=1)
    recent_total = sums.recent.sum(axis=1)
    plain = (sums.base @ _STAR_VALUES) / base_total
    recent = (sums.recent @ _STAR_VALUES) / recent_total
    spread = (sums.base @ _STAR_VALUES**2) / base_total - plain**2
    variance = np.maximum(spread, config.change_min_variance)
    # sum over reviews of (recency weight share - base weight share) ** 2
    squared = (
        sums.recent_squares / recent_total**2
        - 2.0 * sums.cross / (recent_total * base_total)
        + sums.base_squares / base_total**2
    )
    # Equal shares leave only rounding noise, far below any real difference.
    squared = np.where(squared > _SAME * sums.base_squares / base_total**2, squared, 0.0)
    z: FloatArray = np.where(squared > 0, (recent - plain) / np.sqrt(variance * squared), 0.0)
    return z


def posterior_mean(alpha: FloatArray) -> FloatArray:
    """Mean star value of Dirichlet pseudo-counts ``alpha`` (n, 5), kept within [1, 5]
    (rounding could otherwise step a hair outside)."""
    mean: FloatArray = np.clip((alpha @ _STAR_VALUES) / alpha.sum(axis=1), 1.0, 5.0)
    return mean


def credible_interval(alpha: FloatArray, level: float) -> FloatArray:
    """mean +- z * sd of the book's long-run average, clipped to [1, 5]; shape (n, 2).

    The Dirichlet variance of sum(k * p_k) is sum(alpha_k * (k - m) ** 2) / A / (A + 1).
    """
    mean = posterior_mean(alpha)
    total = alpha.sum(axis=1)
    spread = (alpha * (_STAR_VALUES[None, :] - mean[:, None]) ** 2).sum(axis=1)
    half_width = z_score(level) * np.sqrt(spread / total / (total + 1))
    return np.column_stack([np.maximum(1.0, mean - half_width), np.minimum(5.0, mean + half_width)])


def z_score(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)
