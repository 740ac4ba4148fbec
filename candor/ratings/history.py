"""A book's rating as it stood at several moments, computed in one vectorised call.

Used for the chart of the rating over time: given states that each hold the reviews
of one period (oldest first), the rating at the end of period k is the result of the
merged states 0..k at that moment. Every cumulative tally is decoded to floats at its
own moment and all of them are scored together by `batch.score`, the same formulas as
`rate`; no explanation is written, which is what makes this cheap.
"""

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from candor.ratings.batch import StarSums, score
from candor.ratings.config import DEFAULT_CONFIG, RatingConfig
from candor.ratings.prior import Prior
from candor.ratings.state import RatingState
from candor.ratings.tally import EMPTY_TALLY, decode_row
from candor.ratings.weights import half_lives_since_epoch


def rating_history(
    periods: Sequence[tuple[datetime, RatingState]],
    prior: Prior | None = None,
    config: RatingConfig = DEFAULT_CONFIG,
) -> list[float | None]:
    """Candor's rating at each period's moment, counting that period and all before it.

    None where no review had been counted yet.
    """
    prior = Prior.typical(config) if prior is None else prior
    tally = EMPTY_TALLY
    counts, weighted = [], []
    for moment, state in periods:
        tally = tally.plus(state.everyone)
        exponent = half_lives_since_epoch(moment, config)
        counts.append(tally.counts)
        weighted.append([decode_row(row, exponent) for row in tally.weighted_rows])
    if not periods:
        return []
    stages = np.asarray(weighted, dtype=np.float64)  # (n, 4 stages, 5 stars)
    sums = StarSums(np.asarray(counts, dtype=np.int64), *(stages[:, i, :] for i in range(4)))
    ratings = score(sums, prior, config).rating
    return [
        None if count == 0 else float(value)
        for count, value in zip(sums.counts.sum(axis=1), ratings, strict=True)
    ]
