"""The three views of a book's ratings, each computed from a Tally.

- "candor": the full method (weights, prior, explanation) over all reviews; star
  percentages use the full weights, because showing the raw split next to a
  weighted rating would make them disagree;
- "as_posted": the plain average of every rating, raw percentages, no interval
  (it is a description of what was posted, not an estimate);
- "verified": the full method over verified purchases only.
"""

from datetime import datetime

from candor.ratings.batch import EXPLANATION_STAGES, score, star_sums
from candor.ratings.config import STARS, RatingConfig
from candor.ratings.explanation import Explainer, nothing_to_rate, opening
from candor.ratings.percentages import HIGHEST_FIRST, largest_remainder_percentages
from candor.ratings.posterior import simple_average
from candor.ratings.prior import Prior
from candor.ratings.result import Factor, RatingResult
from candor.ratings.tally import Row, Tally, decode_row
from candor.ratings.weights import half_lives_since_epoch

VIEWS = ("candor", "as_posted", "verified")


def check_view(view: str) -> None:
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}; got {view!r}")


def as_posted(tally: Tally) -> RatingResult:
    if tally.count == 0:
        return empty("rating")
    average = simple_average(tally.counts)
    return RatingResult(
        rating=average,
        count=tally.count,
        stars=percentages(tally.counts),
        interval=None,
        effective_count=float(tally.count),
        explanation=[opening(average, tally.count, "rating")],
    )


def weighted(
    tally: Tally, now: datetime, prior: Prior, config: RatingConfig, noun: str
) -> RatingResult:
    """The full method: the exact sums decoded to floats at ``now``, then `batch.score`."""
    if tally.count == 0:
        return empty(noun)
    now_exponent = half_lives_since_epoch(now, config)
    sums = star_sums(
        [[tally.counts], *([decode_row(row, now_exponent)] for row in tally.weighted_rows)]
    )
    scores = score(sums, prior, config)
    [factors] = scores.factors(Explainer(noun, prior, config, EXPLANATION_STAGES))
    low, high = scores.interval[0].tolist()
    return RatingResult(
        rating=float(scores.rating[0]),
        count=tally.count,
        stars=dict(zip(HIGHEST_FIRST, scores.stars[0, ::-1].tolist(), strict=True)),
        interval=(low, high),
        effective_count=float(scores.effective_count[0]),
        explanation=[Factor(*factor) for factor in factors],
    )


def empty(noun: str) -> RatingResult:
    return RatingResult(
        rating=None,
        count=0,
        stars=percentages((0,) * len(STARS)),
        interval=None,
        effective_count=0.0,
        explanation=nothing_to_rate(noun),
    )


def percentages(row: Row) -> dict[int, int]:
    return largest_remainder_percentages(dict(zip(STARS, row, strict=True)))
