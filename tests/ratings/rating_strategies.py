"""Shared Hypothesis strategies and a reference implementation for the candor.ratings tests."""

import math
from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st

from candor.ratings import Prior, RatingConfig, ReviewInput

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
EARLIEST = datetime(1990, 1, 1)
LATEST = datetime(2100, 1, 1)
STARS = (1, 2, 3, 4, 5)

PROPERTY = settings(max_examples=75, deadline=None)


def moments(
    earliest: datetime = EARLIEST, latest: datetime = LATEST
) -> st.SearchStrategy[datetime]:
    return st.datetimes(min_value=earliest, max_value=latest, timezones=st.just(UTC))


def reviews(
    earliest: datetime = EARLIEST, latest: datetime = LATEST, trust: bool = True
) -> st.SearchStrategy[ReviewInput]:
    return st.builds(
        ReviewInput,
        rating=st.integers(1, 5),
        created_at=moments(earliest, latest),
        verified=st.booleans(),
        trust=(st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0)) if trust else st.just(1.0),
    )


configs = st.builds(
    RatingConfig,
    half_life_days=st.sampled_from([1.0, 30.0, 365.0, 730.0]) | st.floats(0.5, 5000.0),
    recency_floor=st.floats(0.05, 1.0),
    unverified_weight=st.floats(0.05, 1.0),
    prior_strength=st.floats(0.5, 50.0),
)

priors = (
    st.lists(st.floats(0.0, 10.0), min_size=5, max_size=5)
    .filter(lambda alpha: sum(alpha) > 0.1)
    .map(lambda alpha: Prior(tuple(alpha)))
)


def reference(
    items: list[ReviewInput], now: datetime, prior: Prior, config: RatingConfig
) -> tuple[float | None, float, list[float]]:
    """The method as METHOD.md states it, written the obvious way, one review at a time:
    (rating, effective count, each review's weight)."""
    # A trust below one in a billion counts as 0 (candor.ratings.review.LEAST_TRUST).
    items = [
        ReviewInput(r.rating, r.created_at, r.verified, r.trust if r.trust >= 1e-9 else 0.0)
        for r in items
    ]
    dates = [min(review.created_at, now) for review in items]
    trusted = [date for date, review in zip(dates, items, strict=True) if review.trust > 0]
    newest = max(trusted) if trusted else max(dates)
    base, full = [], []
    for date, review in zip(dates, items, strict=True):
        purchase = config.verified_weight if review.verified else config.unverified_weight
        base.append(purchase * review.trust)
        age = max(0.0, (newest - date).total_seconds() / 86_400)
        full.append(max(config.recency_floor, 0.5 ** (age / config.half_life_days)))
    evidence = sum(review.trust for review in items)
    total_base = sum(base)
    total_recent = sum(r * b for r, b in zip(full, base, strict=True))
    if evidence == 0 or total_base == 0 or total_recent == 0:
        return None, evidence, [0.0] * len(items)
    plain = sum(b * r.rating for b, r in zip(base, items, strict=True)) / total_base
    recent = sum(f * b * r.rating for f, b, r in zip(full, base, items, strict=True)) / total_recent
    second = sum(b * r.rating**2 for b, r in zip(base, items, strict=True)) / total_base
    variance = max(config.change_min_variance, second - plain**2)
    # The same expansion as the engine's sums (see candor.ratings.score.change_scores).
    squares = (
        sum((f * b) ** 2 for f, b in zip(full, base, strict=True)) / total_recent**2
        - 2 * sum(f * b * b for f, b in zip(full, base, strict=True)) / (total_recent * total_base)
        + sum(b * b for b in base) / total_base**2
    )
    if squares <= 1e-12 * sum(b * b for b in base) / total_base**2:
        z = 0.0
    else:
        z = (recent - plain) / math.sqrt(variance * squares)
    floor = config.recency_floor
    worth = (total_recent - floor * total_base) / (1 - floor) if floor < 1 else 0.0
    span = config.change_z_full - config.change_z_start
    gate = min(1.0, max(0.0, (abs(z) - config.change_z_start) / span))
    gate *= min(1.0, max(0.0, worth) / config.change_min_recent)
    mixed = [(1 - gate * (1 - f)) * b for f, b in zip(full, base, strict=True)]
    weights = [evidence * m / sum(mixed) for m in mixed]
    alpha = list(prior.alpha)
    for weight, review in zip(weights, items, strict=True):
        alpha[review.rating - 1] += weight
    rating = sum(star * a for star, a in zip(STARS, alpha, strict=True)) / sum(alpha)
    return min(5.0, max(1.0, rating)), evidence, weights


def close(x: float | None, y: float | None, rel: float = 1e-9) -> bool:
    if x is None or y is None:
        return x is y
    return math.isclose(x, y, rel_tol=rel, abs_tol=1e-9)
