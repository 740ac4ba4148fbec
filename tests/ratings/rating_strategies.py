"""Shared Hypothesis strategies and helpers for the candor.ratings tests."""

import math
from datetime import UTC, datetime

from hypothesis import settings
from hypothesis import strategies as st

from candor.ratings import Prior, RatingConfig, RatingResult, ReviewInput

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
EARLIEST = datetime(1990, 1, 1)
LATEST = datetime(2100, 1, 1)

PROPERTY = settings(max_examples=75, deadline=None)


def moments(
    earliest: datetime = EARLIEST, latest: datetime = LATEST
) -> st.SearchStrategy[datetime]:
    return st.datetimes(min_value=earliest, max_value=latest, timezones=st.just(UTC))


def reviews(latest: datetime = LATEST) -> st.SearchStrategy[ReviewInput]:
    return st.builds(
        ReviewInput,
        rating=st.integers(1, 5),
        created_at=moments(latest=latest),
        verified=st.booleans(),
        trust=st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0),
        helpful_votes=st.integers(0, 400),
    )


@st.composite
def books(draw: st.DrawFn, max_size: int = 25) -> tuple[datetime, list[ReviewInput]]:
    """A query time anywhere in 1990..2100 and reviews all dated no later than it."""
    now = draw(moments())
    latest = now.replace(tzinfo=None)
    return now, draw(st.lists(reviews(latest=latest), max_size=max_size))


configs = st.builds(
    RatingConfig,
    half_life_days=st.sampled_from([1.0, 30.0, 365.0, 730.0]) | st.floats(0.5, 5000.0),
    unverified_weight=st.floats(0.0, 1.0),
    helpful_bonus_per_log=st.floats(0.0, 1.0),
    helpful_max_bonus=st.floats(0.0, 2.0),
    prior_strength=st.floats(0.5, 50.0),
)

priors = st.lists(st.integers(0, 10_000), min_size=5, max_size=5).map(
    lambda counts: Prior.from_star_counts(dict(zip(range(1, 6), counts, strict=True)), 5.0)
)


def assert_results_close(a: RatingResult, b: RatingResult, rel: float = 1e-9) -> None:
    assert a.count == b.count
    assert a.stars == b.stars
    assert _close(a.rating, b.rating, rel)
    assert _close(a.effective_count, b.effective_count, rel)
    assert (a.interval is None) == (b.interval is None)
    if a.interval is not None and b.interval is not None:
        assert all(_close(x, y, rel) for x, y in zip(a.interval, b.interval, strict=True))
    assert [f.code for f in a.explanation] == [f.code for f in b.explanation]
    assert all(
        math.isclose(f.delta, g.delta, rel_tol=rel, abs_tol=1e-12)
        for f, g in zip(a.explanation, b.explanation, strict=True)
    )


def _close(x: float | None, y: float | None, rel: float) -> bool:
    if x is None or y is None:
        return x is y
    return math.isclose(x, y, rel_tol=rel, abs_tol=1e-12)
