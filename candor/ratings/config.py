"""Every tunable constant of the rating method, in one frozen dataclass.

Defaults (each explained in METHOD.md for readers):

- ``half_life_days = 730``: a review loses half its weight every two years,
  ``recency = 0.5 ** (age_days / half_life_days)``.
- ``verified_weight = 1.0`` and ``unverified_weight = 0.5``: an unverified review
  counts half as much as one from a verified purchase.
- ``helpful_bonus_per_log = 0.1`` and ``helpful_max_bonus = 0.5``: helpful votes add
  ``min(0.5, 0.1 * ln(1 + votes))`` to a review's weight factor (1 vote +7 %,
  10 votes +24 %, 50 votes +39 %, 148 votes or more +50 %). Logarithmic and capped
  so a pile-on of votes cannot make one review dominate.
- ``prior_strength = 5.0``: when no catalogue prior is given, the default prior is
  worth 5 pseudo-ratings.
- ``default_star_shares = (0.04, 0.08, 0.20, 0.33, 0.35)`` for 1..5 stars: the
  neutral default prior, shaped like a typical book's ratings (mean 3.87).
- ``catalogue_smoothing = 50.0``: a catalogue prior's star shares are the
  catalogue's counts plus 50 ratings shaped like the typical book, so a young
  catalogue (say, one 4-star review in all) gives a sensible prior instead of
  declaring that every book must be worth exactly 4 stars.
- ``credible_level = 0.90``: the interval holds the book's long-run average with
  90 % posterior probability.

The first five are *weighting* constants: a `RatingState` bakes them into its sums
when reviews are added, so a state can only be queried or merged with the same
values. The rest are read at query time.
"""

import math
from dataclasses import dataclass, fields
from typing import ClassVar

STARS = (1, 2, 3, 4, 5)

# Shaped like the ratings of a typical book: mostly 4s and 5s, few 1s and 2s.
DEFAULT_STAR_SHARES = (0.04, 0.08, 0.20, 0.33, 0.35)


@dataclass(frozen=True)
class RatingConfig:
    half_life_days: float = 730.0
    verified_weight: float = 1.0
    unverified_weight: float = 0.5
    helpful_bonus_per_log: float = 0.1
    helpful_max_bonus: float = 0.5
    prior_strength: float = 5.0
    default_star_shares: tuple[float, ...] = DEFAULT_STAR_SHARES
    catalogue_smoothing: float = 50.0
    credible_level: float = 0.90

    # Fields baked into a RatingState's sums when a review is added.
    WEIGHTING_FIELDS: ClassVar[tuple[str, ...]] = (
        "half_life_days",
        "verified_weight",
        "unverified_weight",
        "helpful_bonus_per_log",
        "helpful_max_bonus",
    )

    def __post_init__(self) -> None:
        _require(self.half_life_days > 0, "half_life_days", "must be > 0")
        _require(self.verified_weight > 0, "verified_weight", "must be > 0")
        _require(self.unverified_weight >= 0, "unverified_weight", "must be >= 0")
        _require(self.helpful_bonus_per_log >= 0, "helpful_bonus_per_log", "must be >= 0")
        _require(self.helpful_max_bonus >= 0, "helpful_max_bonus", "must be >= 0")
        _require(self.catalogue_smoothing >= 0, "catalogue_smoothing", "must be >= 0")
        _require(self.prior_strength > 0, "prior_strength", "must be > 0")
        _require(0 < self.credible_level < 1, "credible_level", "must be between 0 and 1")
        _check_shares(self.default_star_shares)
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, float):
                _require(math.isfinite(value), field.name, "must be finite")

    def weighting_differences(self, other: "RatingConfig") -> list[str]:
        """Names of the weighting constants on which the two configs disagree."""
        return [
            name for name in self.WEIGHTING_FIELDS if getattr(self, name) != getattr(other, name)
        ]


def _check_shares(shares: tuple[float, ...]) -> None:
    _require(len(shares) == len(STARS), "default_star_shares", "needs one share per star (5)")
    _require(all(share >= 0 for share in shares), "default_star_shares", "must be >= 0")
    _require(abs(sum(shares) - 1.0) < 1e-9, "default_star_shares", "must add up to 1")


def _require(condition: bool, field: str, problem: str) -> None:
    if not condition:
        raise ValueError(f"RatingConfig.{field} {problem}")


DEFAULT_CONFIG = RatingConfig()
