"""`rate`: the one function that turns a book's reviews into what its page shows."""

from collections.abc import Iterable
from datetime import datetime

from candor.ratings.config import DEFAULT_CONFIG, RatingConfig
from candor.ratings.prior import Prior
from candor.ratings.result import RatingResult
from candor.ratings.review import ReviewInput
from candor.ratings.state import RatingState


def rate(
    reviews: Iterable[ReviewInput],
    *,
    now: datetime,
    prior: Prior | None = None,
    config: RatingConfig = DEFAULT_CONFIG,
    view: str = "candor",
) -> RatingResult:
    """The rating of ``reviews`` at ``now`` in ``view`` ("candor", "as_posted", "verified").

    Built as a RatingState and read with `RatingState.result`, so it gives exactly
    what an incrementally maintained state gives. Reviews dated after ``now`` count
    as age 0.
    """
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise ValueError(f"now must be a timezone-aware datetime, got {now!r}")
    state = RatingState.of((review.dated_no_later_than(now) for review in reviews), config)
    return state.result(now, prior, config, view)
