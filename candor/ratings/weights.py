"""How much one review counts.

weight = recency * verified-purchase factor * (1 + helpful bonus) * trust

- recency = 0.5 ** (age_days / half_life_days), half_life_days = 730 by default;
  age is measured from the query time ``now``, and a review dated after ``now``
  counts as age 0 (`rate` moves such dates back to ``now``).
- verified-purchase factor: 1.0 verified, 0.5 unverified by default.
- helpful bonus = min(helpful_max_bonus, helpful_bonus_per_log * ln(1 + votes)),
  by default min(0.5, 0.1 * ln(1 + votes)).
- trust in [0, 1], supplied per review.

The explanation switches these factors on one at a time, so this module gives, for
each weighted stage, the product of the non-recency factors switched on so far.
Recency is kept apart as an exponent (`half_lives_since_epoch`) so that a state can
store it relative to a fixed epoch (see fixed_point.py).
"""

import math
from datetime import datetime

from candor.ratings.config import RatingConfig
from candor.ratings.fixed_point import EPOCH
from candor.ratings.review import ReviewInput

SECONDS_PER_DAY = 86_400.0

# Weighted stages of the explanation, in the order their factors are switched on.
WEIGHTED_STAGES = ("recency", "verified_purchase", "helpful_votes", "trust")


def half_lives_since_epoch(moment: datetime, config: RatingConfig) -> float:
    """Recency exponent: 0.5 ** (age / half-life) == 2 ** (this(review) - this(now))."""
    seconds = (moment - EPOCH).total_seconds()
    return seconds / (config.half_life_days * SECONDS_PER_DAY)


def purchase_factor(verified: bool, config: RatingConfig) -> float:
    return config.verified_weight if verified else config.unverified_weight


def helpful_bonus(helpful_votes: int, config: RatingConfig) -> float:
    # Logarithmic and capped: the 100th vote adds far less than the first.
    return min(config.helpful_max_bonus, config.helpful_bonus_per_log * math.log1p(helpful_votes))


def stage_multipliers(review: ReviewInput, config: RatingConfig) -> tuple[float, ...]:
    """For each of WEIGHTED_STAGES, what multiplies the review's recency factor."""
    purchase = purchase_factor(review.verified, config)
    helpful = purchase * (1.0 + helpful_bonus(review.helpful_votes, config))
    return (1.0, purchase, helpful, helpful * review.trust)
