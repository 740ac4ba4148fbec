"""The prior: what we believe about a book before reading any of its reviews.

A Dirichlet prior over the five star shares, written as pseudo-ratings per star
(``alpha``). Its total is the prior *strength*: how many real ratings it is worth.
With strength 5 and a book holding 3 full-weight ratings, the displayed rating is
5/8 the prior's average plus 3/8 the book's own average; with 45 ratings the prior
has a 10 % say, with 95 ratings 5 %.

`Prior.from_star_counts` derives it from catalogue-wide star counts, smoothed by
`RatingConfig.catalogue_smoothing` (50) ratings shaped like the typical book so a
small catalogue cannot give a lopsided prior (one 4-star review in the whole
catalogue would otherwise put every pseudo-rating on 4 stars, and every book's
interval would collapse); when the catalogue is empty (or no prior is given to
`rate`) the typical shares of `RatingConfig.default_star_shares` (mean 3.87) are
used alone.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from candor.ratings.config import DEFAULT_CONFIG, STARS, RatingConfig


@dataclass(frozen=True)
class Prior:
    """Pseudo-ratings per star, 1 star first; ``name`` says whose average it is."""

    alpha: tuple[float, ...]
    name: str = "catalogue"

    def __post_init__(self) -> None:
        if len(self.alpha) != len(STARS):
            raise ValueError(f"alpha needs one value per star (5), got {len(self.alpha)}")
        if not all(math.isfinite(value) and value >= 0 for value in self.alpha):
            raise ValueError(f"alpha values must be finite and >= 0, got {self.alpha!r}")
        if sum(self.alpha) <= 0:
            raise ValueError("alpha must add up to more than 0 pseudo-ratings")

    @classmethod
    def from_shares(cls, shares: Sequence[float], strength: float, name: str) -> "Prior":
        if not (math.isfinite(strength) and strength > 0):
            raise ValueError(f"strength must be a finite number > 0, got {strength!r}")
        total = math.fsum(shares)
        return cls(tuple(strength * share / total for share in shares), name)

    @classmethod
    def typical(cls, config: RatingConfig = DEFAULT_CONFIG) -> "Prior":
        """The neutral default: a typical book's star shares at the configured strength."""
        return cls.from_shares(config.default_star_shares, config.prior_strength, "typical book")

    @classmethod
    def from_star_counts(
        cls,
        counts: Mapping[int, float],
        strength: float,
        smoothing: float = DEFAULT_CONFIG.catalogue_smoothing,
    ) -> "Prior":
        """A catalogue prior: the catalogue's star shares, worth ``strength`` ratings.

        ``smoothing`` typical-book ratings are added to the counts first.
        """
        unknown = set(counts) - set(STARS)
        if unknown:
            raise ValueError(f"counts keys must be stars 1..5, got {sorted(unknown)!r}")
        per_star = [float(counts.get(star, 0.0)) for star in STARS]
        if not all(math.isfinite(count) and count >= 0 for count in per_star):
            raise ValueError(f"counts must be finite and >= 0, got {dict(counts)!r}")
        if not (math.isfinite(smoothing) and smoothing >= 0):
            raise ValueError(f"smoothing must be a finite number >= 0, got {smoothing!r}")
        if sum(per_star) == 0:
            return cls.from_shares(DEFAULT_CONFIG.default_star_shares, strength, "typical book")
        typical = DEFAULT_CONFIG.default_star_shares
        smoothed = [
            count + smoothing * share for count, share in zip(per_star, typical, strict=True)
        ]
        return cls.from_shares(smoothed, strength, "catalogue")

    @property
    def strength(self) -> float:
        return math.fsum(self.alpha)

    @property
    def mean(self) -> float:
        """The average star value the prior expects."""
        return (
            math.fsum(star * value for star, value in zip(STARS, self.alpha, strict=True))
            / self.strength
        )

    def updated_with(self, weights: Sequence[float]) -> tuple[float, ...]:
        """Posterior alpha: prior pseudo-ratings plus the (weighted) ratings per star."""
        return tuple(prior + data for prior, data in zip(self.alpha, weights, strict=True))
