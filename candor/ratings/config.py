"""Every constant of the rating method, in one frozen dataclass (METHOD.md explains them).

How a review's weight is made (`candor.ratings.weights`):

- ``verified_weight = 1``, ``unverified_weight = 0.5``: among a book's reviews, an
  unverified one counts half as much as a verified purchase.
- Helpful votes have no constant: they sort reviews, they do not weigh them (an imported
  file can carry any count, and a fake can arrive with 300 of them).
- ``half_life_days = 365``, ``recency_floor = 0.25``: when a book's recent reviews
  differ significantly from its older ones, a review's factor is
  ``max(0.25, 0.5 ** (age / 365 days))``, age counted back from the book's newest
  review. So the newest review counts at most 4 times as much as the oldest.
- ``change_z_start = 1.5``, ``change_z_full = 3``, ``change_min_recent = 5``: how
  significant (a z-score) and how well supported (reviews' worth of recent evidence)
  a change must be before recency gets a say: none below z = 1.5, all of it from z = 3
  with at least 5 recent reviews' worth. ``change_min_variance = 1`` is the least star
  variance the test assumes, so that a book whose readers all agreed does not see a
  change in one dissenting review.

How the prior is made (`candor.ratings.prior`):

- ``prior_strength = 5``: every book starts with 5 imaginary ratings.
- ``typical_star_shares``: what they look like before the catalogue speaks: the star
  mix of 4,905 Amazon Kindle book reviews (McAuley 2014 sample, nearly one review per
  book), 1 star first; mean 4.34.
- ``typical_books = 400``: the typical mix counts as 400 books when the catalogue's
  own books are averaged in, each book at most once. One book can then move the prior's
  average by at most 4 / 400 = 0.01 stars, whatever the catalogue's size.
- ``credible_level = 0.90``: the interval holds the book's long-run average with 90 %
  posterior probability.
"""

import math
from dataclasses import dataclass, fields

STARS = (1, 2, 3, 4, 5)

TYPICAL_STAR_SHARES = (0.026, 0.037, 0.094, 0.254, 0.589)


@dataclass(frozen=True)
class RatingConfig:
    verified_weight: float = 1.0
    unverified_weight: float = 0.5
    half_life_days: float = 365.0
    recency_floor: float = 0.25
    change_z_start: float = 1.5
    change_z_full: float = 3.0
    change_min_recent: float = 5.0
    change_min_variance: float = 1.0
    prior_strength: float = 5.0
    typical_star_shares: tuple[float, ...] = TYPICAL_STAR_SHARES
    typical_books: float = 400.0
    credible_level: float = 0.90

    def __post_init__(self) -> None:
        _require(self.verified_weight > 0, "verified_weight", "must be > 0")
        _require(self.unverified_weight > 0, "unverified_weight", "must be > 0")
        _require(self.half_life_days > 0, "half_life_days", "must be > 0")
        _require(0 < self.recency_floor <= 1, "recency_floor", "must be in (0, 1]")
        _require(self.change_z_start >= 0, "change_z_start", "must be >= 0")
        _require(
            self.change_z_full > self.change_z_start, "change_z_full", "must exceed change_z_start"
        )
        _require(self.change_min_recent > 0, "change_min_recent", "must be > 0")
        _require(self.change_min_variance > 0, "change_min_variance", "must be > 0")
        _require(self.prior_strength > 0, "prior_strength", "must be > 0")
        _require(self.typical_books > 0, "typical_books", "must be > 0")
        _require(0 < self.credible_level < 1, "credible_level", "must be between 0 and 1")
        _check_shares(self.typical_star_shares)
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, float):
                _require(math.isfinite(value), field.name, "must be finite")


def _check_shares(shares: tuple[float, ...]) -> None:
    _require(len(shares) == len(STARS), "typical_star_shares", "needs one share per star (5)")
    _require(all(share >= 0 for share in shares), "typical_star_shares", "must be >= 0")
    _require(abs(sum(shares) - 1.0) < 1e-9, "typical_star_shares", "must add up to 1")


def _require(condition: bool, field: str, problem: str) -> None:
    if not condition:
        raise ValueError(f"RatingConfig.{field} {problem}")


DEFAULT_CONFIG = RatingConfig()
