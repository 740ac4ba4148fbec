"""RatingState: mergeable sufficient statistics of a book's reviews.

Like a running mean that can ``update`` and ``revert``, a state can `add` and
`remove` single reviews and `merge` with another state, without ever looking at
the other reviews again. It holds, for all reviews and for verified purchases
only, a Tally: raw counts per star plus, per explanation stage, the per-star
weighted sums.

Recency is stored relative to one fixed reference time, the epoch 1970-01-01
UTC, for every state: a review's stored weight is ``multiplier * 2 ** x`` with x
the half-lives from the epoch to its date. At query time ``now`` the data sums (not
the prior, which does not age) are multiplied by ``2 ** -x_now``, which is exact
because it rescales every review's weight by the same factor. The sums are exact
integers (fixed_point.py), so no date from 1990 to 2100 or beyond overflows, states
never need rescaling to merge, and add / remove / merge are exact: a state built
one review at a time equals one built at once or merged from parts, bit for bit.

States are immutable; every method returns a new state.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from candor.ratings.config import DEFAULT_CONFIG, RatingConfig
from candor.ratings.prior import Prior
from candor.ratings.result import RatingResult
from candor.ratings.review import ReviewInput
from candor.ratings.tally import EMPTY_TALLY, Tally, tally_of
from candor.ratings.views import as_posted, check_view, weighted


@dataclass(frozen=True)
class RatingState:
    config: RatingConfig = DEFAULT_CONFIG
    everyone: Tally = EMPTY_TALLY
    verified_only: Tally = EMPTY_TALLY

    @classmethod
    def of(
        cls, reviews: Iterable[ReviewInput], config: RatingConfig = DEFAULT_CONFIG
    ) -> "RatingState":
        """A state holding ``reviews`` (equal to adding them one by one, just faster)."""
        listed = list(reviews)
        verified = [review for review in listed if review.verified]
        return cls(config, tally_of(listed, config), tally_of(verified, config))

    @property
    def count(self) -> int:
        return self.everyone.count

    def add(self, review: ReviewInput) -> "RatingState":
        """This state with ``review`` added."""
        single = tally_of([review], self.config)
        verified_only = self.verified_only.plus(single) if review.verified else self.verified_only
        return RatingState(self.config, self.everyone.plus(single), verified_only)

    def remove(self, review: ReviewInput) -> "RatingState":
        """This state without ``review``: the exact inverse of `add`."""
        single = tally_of([review], self.config)
        verified_only = self.verified_only.minus(single) if review.verified else self.verified_only
        return RatingState(self.config, self.everyone.minus(single), verified_only)

    def merge(self, other: "RatingState") -> "RatingState":
        """A state holding the reviews of both (built with the same weighting constants)."""
        _check_same_weighting(self.config, other.config, "other")
        return RatingState(
            self.config,
            self.everyone.plus(other.everyone),
            self.verified_only.plus(other.verified_only),
        )

    def result(
        self,
        now: datetime,
        prior: Prior | None = None,
        config: RatingConfig | None = None,
        view: str = "candor",
    ) -> RatingResult:
        """The rating as shown at ``now``.

        ``prior`` defaults to `Prior.typical(config)`. ``config`` defaults to the
        state's; a different one may change query-time constants only (prior
        strength, default shares, credible level). Ages are measured from ``now``;
        reviews should not be dated after it (`rate` moves such dates back to ``now``).
        """
        check_view(view)
        if not isinstance(now, datetime) or now.utcoffset() is None:
            raise ValueError(f"now must be a timezone-aware datetime, got {now!r}")
        config = self.config if config is None else config
        _check_same_weighting(self.config, config, "config")
        if view == "as_posted":
            return as_posted(self.everyone)
        prior = Prior.typical(config) if prior is None else prior
        if view == "verified":
            return weighted(self.verified_only, now, prior, config, "verified-purchase rating")
        return weighted(self.everyone, now, prior, config, "rating")


def _check_same_weighting(mine: RatingConfig, theirs: RatingConfig, argument: str) -> None:
    differing = mine.weighting_differences(theirs)
    if differing:
        raise ValueError(
            f"{argument}: {', '.join(differing)} differ from the values this state was "
            "built with; rebuild the state with the new config"
        )
