"""Every weight formula has a one-review form and an array form: they agree."""

from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rating_strategies import NOW, PROPERTY, configs, reviews

from candor.ratings import Prior, RatingConfig, ReviewInput, Reviews, rate_books, review_weight
from candor.ratings import weights as w
from candor.ratings.review import seconds_since_epoch


@PROPERTY
@given(st.lists(reviews(), min_size=1, max_size=30), configs)
def test_factors_agree(items, config):
    columns = Reviews.of(items)
    assert w.purchase_factors(columns.verified, config).tolist() == [
        w.purchase_factor(r.verified, config) for r in items
    ]
    assert w.base_weights(columns, config) == pytest.approx(
        [w.base_weight(r, config) for r in items], rel=1e-15
    )


@PROPERTY
@given(st.lists(st.floats(-1e5, 1e5), min_size=1, max_size=30), configs)
def test_recency_agrees(ages, config):
    array = np.array(ages)
    assert w.full_recencies(array, config) == pytest.approx(
        [w.full_recency(age, config) for age in ages], rel=1e-15
    )


@PROPERTY
@given(
    st.lists(st.floats(-10, 10), min_size=1, max_size=30),
    st.lists(st.floats(-5, 50), min_size=1, max_size=30),
    configs,
)
def test_gate_agrees(zs, recent, config):
    size = min(len(zs), len(recent))
    array = w.change_gates(np.array(zs[:size]), np.array(recent[:size]), config)
    assert array.tolist() == pytest.approx(
        [w.change_gate(z, r, config) for z, r in zip(zs[:size], recent[:size], strict=True)]
    )
    assert ((array >= 0) & (array <= 1)).all()


@PROPERTY
@given(st.lists(reviews(), min_size=1, max_size=25), configs)
def test_one_reviews_weight_is_its_weight_in_the_batch(items, config):
    now = seconds_since_epoch(NOW)
    rated = rate_books(
        Reviews.of(items), np.zeros(len(items), int), 1, now=now, prior=Prior.typical(config),
        config=config,
    )  # fmt: skip
    weighting = rated.scores.weighting(0)
    for review, weight in zip(items, rated.weights.tolist(), strict=True):
        clamped = (
            review
            if review.created_at <= NOW
            else type(review)(review.rating, NOW, review.verified, review.trust)
        )
        assert review_weight(clamped, weighting, config) == pytest.approx(
            weight, rel=1e-12, abs=1e-12
        )


@PROPERTY
@given(st.lists(reviews(), min_size=1, max_size=30), configs)
def test_a_weight_is_purchase_times_trust_in_both_forms(items, config):
    # Nothing else: no helpful-vote factor (an imported file can carry any count).
    columns = Reviews.of(items)
    expected = [w.purchase_factor(r.verified, config) * w.counted_trust(r.trust) for r in items]
    assert [w.base_weight(r, config) for r in items] == expected
    assert w.base_weights(columns, config).tolist() == expected


def test_helpful_votes_cannot_reach_a_weight_in_either_form():
    # A review with 300 helpful votes weighs exactly what the same review with none
    # weighs: the engine's inputs, one review or many, have no place for votes.
    assert "helpful_votes" not in {f.name for f in fields(ReviewInput)}
    assert not [f.name for f in fields(Reviews) if "helpful" in f.name]
    assert not [f.name for f in fields(RatingConfig) if "helpful" in f.name]
    assert not [name for name in dir(w) if "helpful" in name]
    with pytest.raises(TypeError):
        ReviewInput(5, NOW, True, 1.0, 300)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ReviewInput(5, NOW, True, helpful_votes=300)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Reviews.from_columns([5], [0.0], [True], [1.0], [300])  # type: ignore[call-arg]
