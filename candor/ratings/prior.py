"""The prior: what we believe about a book before reading any of its reviews.

A Dirichlet prior over the five star shares, written as pseudo-ratings per star
(``alpha``), worth ``RatingConfig.prior_strength`` (5) ratings.

The catalogue prior (`Prior.from_books`) is the star mix of the catalogue's average
book: each book's own weighted, trusted mix (the mix its rating uses) counts with the
book's evidence, but never more than once, beside the typical book's mix counted as
``typical_books`` (400) books. So a book, however many reviews it has or gets, moves
the prior's average by at most 4 / 400 = 0.01 stars, and reviews with trust 0 do not
move it at all; a young catalogue gets mostly the typical book's mix.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from candor.ratings.config import DEFAULT_CONFIG, STARS, RatingConfig
from candor.ratings.review import FloatArray


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
        """The typical book's star mix at the configured strength."""
        return cls.from_shares(config.typical_star_shares, config.prior_strength, "typical book")

    @classmethod
    def from_books(
        cls, mixes: FloatArray, evidence: FloatArray, config: RatingConfig = DEFAULT_CONFIG
    ) -> "Prior":
        """The catalogue prior from every book's star mix (shares, (n, 5)) and evidence
        (n,): each book counts min(1, evidence) times, the typical book
        ``typical_books`` times. Books with no evidence (or no mix) count 0 times."""
        mixes = np.asarray(mixes, dtype=np.float64).reshape(-1, len(STARS))
        say = np.minimum(1.0, np.asarray(evidence, dtype=np.float64))
        usable = (say > 0) & np.all(np.isfinite(mixes), axis=1)
        say = np.where(usable, say, 0.0)
        books = np.where(usable[:, None], mixes, 0.0).T @ say
        typical = config.typical_books * np.asarray(config.typical_star_shares)
        shares = (typical + books) / (config.typical_books + say.sum())
        return cls.from_shares(shares.tolist(), config.prior_strength, "catalogue")

    @property
    def strength(self) -> float:
        return math.fsum(self.alpha)

    @property
    def mean(self) -> float:
        """The average star value the prior expects."""
        weighted = math.fsum(star * value for star, value in zip(STARS, self.alpha, strict=True))
        return weighted / self.strength
