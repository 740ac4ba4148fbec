"""How much one review counts in its book's rating: every factor, for one review and for many.

Each formula is written twice, side by side: for one value (plain floats) and for an
array of them (numpy); `tests/ratings` checks that the two agree.

A review's weight in its book is

    weight = scale * recency * purchase * trust

- ``purchase``: 1 for a verified purchase, 0.5 otherwise;
- ``trust`` in [0, 1] from trust analysis (or a moderator; below one in a billion, 0);
- ``recency`` = 1 - gate * (1 - max(0.25, 0.5 ** (age / 365 days))), where age is counted
  back from the book's newest review that counts (its `BookWeighting.reference`), and
  the gate in [0, 1] says how clearly the book's recent reviews differ from its older
  ones (`change_gate`): recency only has a say when they do;
- ``scale`` makes the weights of a book add up to its *evidence*, the sum of its
  reviews' trust: age and purchase decide how the evidence is shared among a book's
  reviews, not how much there is. So a book whose readers all wrote years ago is not
  pulled toward the catalogue for their age.

Helpful votes are not a factor: they sort reviews, they do not weigh them. An imported
file can carry any count (a fake can arrive with 300 helpful votes), and what an
attacker controls may lower a review's trust, never make it count for more than an
honest reviewer's (the threat model).

The product ``purchase * trust`` is a review's *base* weight; the per-book numbers
(reference, gate, scale) come from `candor.ratings.score`.
"""

from dataclasses import dataclass

import numpy as np

from candor.ratings.config import RatingConfig
from candor.ratings.review import BoolArray, FloatArray, ReviewInput, Reviews
from candor.ratings.review import seconds_since_epoch as seconds_of

SECONDS_PER_DAY = 86_400.0
# A trust below this counts as 0: weights that small would underflow in the sums of
# squares the change test takes, and mean nothing.
LEAST_TRUST = 1e-9


def counted_trust(trust: float) -> float:
    return trust if trust >= LEAST_TRUST else 0.0


def counted_trusts(trust: FloatArray) -> FloatArray:
    return np.where(trust >= LEAST_TRUST, trust, 0.0)


def purchase_factor(verified: bool, config: RatingConfig) -> float:
    return config.verified_weight if verified else config.unverified_weight


def purchase_factors(verified: BoolArray, config: RatingConfig) -> FloatArray:
    return np.where(verified, config.verified_weight, config.unverified_weight)


def base_weight(review: ReviewInput, config: RatingConfig) -> float:
    """purchase * trust: what the review is worth among its book's reviews, recency
    aside."""
    return purchase_factor(review.verified, config) * counted_trust(review.trust)


def base_weights(reviews: Reviews, config: RatingConfig) -> FloatArray:
    result: FloatArray = purchase_factors(reviews.verified, config) * counted_trusts(reviews.trust)
    return result


def full_recency(age_days: float, config: RatingConfig) -> float:
    """max(floor, 0.5 ** (age / half-life)): recency when the gate is fully open."""
    decayed: float = 0.5 ** (max(age_days, 0.0) / config.half_life_days)
    return max(config.recency_floor, decayed)


def full_recencies(age_days: FloatArray, config: RatingConfig) -> FloatArray:
    return np.maximum(
        config.recency_floor, 0.5 ** (np.maximum(age_days, 0.0) / config.half_life_days)
    )


def change_gate(z: float, recent: float, config: RatingConfig) -> float:
    """How much say recency gets, in [0, 1]: none while the recent reviews' average is
    within ``change_z_start`` standard errors of the whole history's, all of it from
    ``change_z_full``; scaled down when the recent reviews are fewer than
    ``change_min_recent`` reviews' worth (one dissenting review is not a change)."""
    span = config.change_z_full - config.change_z_start
    significance = min(1.0, max(0.0, (abs(z) - config.change_z_start) / span))
    return significance * min(1.0, max(0.0, recent) / config.change_min_recent)


def change_gates(z: FloatArray, recent: FloatArray, config: RatingConfig) -> FloatArray:
    span = config.change_z_full - config.change_z_start
    significance = np.clip((np.abs(z) - config.change_z_start) / span, 0.0, 1.0)
    support = np.minimum(1.0, np.maximum(recent, 0.0) / config.change_min_recent)
    result: FloatArray = significance * support
    return result


@dataclass(frozen=True)
class BookWeighting:
    """What a review's weight needs to know of its book (see the module docstring).

    ``reference``: the date of the book's newest review that counts (seconds since
    1970); ``gate``: recency's say in [0, 1]; ``scale``: makes the weights add up to
    the book's evidence (0 when nothing counts).
    """

    reference: float
    gate: float
    scale: float


def recency(review_seconds: float, weighting: BookWeighting, config: RatingConfig) -> float:
    age_days = (weighting.reference - review_seconds) / SECONDS_PER_DAY
    return 1.0 - weighting.gate * (1.0 - full_recency(age_days, config))


def recencies(
    seconds: FloatArray, reference: FloatArray, gate: FloatArray, config: RatingConfig
) -> FloatArray:
    """`recency` of many reviews; ``reference`` and ``gate`` are each review's book's."""
    age_days = (reference - seconds) / SECONDS_PER_DAY
    result: FloatArray = 1.0 - gate * (1.0 - full_recencies(age_days, config))
    return result


def review_weight(review: ReviewInput, weighting: BookWeighting, config: RatingConfig) -> float:
    """How many ratings the review counts as in its book's rating."""
    age = recency(seconds_of(review.created_at), weighting, config)
    return weighting.scale * age * base_weight(review, config)


def review_weights(
    reviews: Reviews,
    reference: FloatArray,
    gate: FloatArray,
    scale: FloatArray,
    config: RatingConfig,
) -> FloatArray:
    """`review_weight` of many reviews; the three arrays hold each review's book's
    `BookWeighting`."""
    age = recencies(reviews.seconds, reference, gate, config)
    result: FloatArray = scale * age * base_weights(reviews, config)
    return result
