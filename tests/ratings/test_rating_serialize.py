import json
from datetime import UTC, datetime, timedelta

import pytest

from candor.ratings import RatingConfig, RatingState, ReviewInput
from candor.ratings.serialize import state_from_dict, state_to_dict

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def some_state() -> RatingState:
    reviews = [
        ReviewInput(
            rating=r, created_at=NOW - timedelta(days=40 * i), verified=i % 2 == 0, helpful_votes=i
        )
        for i, r in enumerate([5, 4, 1, 3, 5, 2])
    ]
    return RatingState.of(reviews)


def test_state_survives_a_json_round_trip_exactly() -> None:
    state = some_state()
    restored = state_from_dict(json.loads(json.dumps(state_to_dict(state))))
    assert restored == state
    assert restored.result(NOW) == state.result(NOW)


def test_state_built_with_other_weighting_is_refused() -> None:
    data = state_to_dict(some_state())
    with pytest.raises(ValueError, match="half_life_days"):
        state_from_dict(data, RatingConfig(half_life_days=365.0))


def test_unknown_format_version_is_refused() -> None:
    data = state_to_dict(some_state()) | {"version": 99}
    with pytest.raises(ValueError, match="format version"):
        state_from_dict(data)


def test_stages_equal_to_the_stage_before_are_left_out_and_read_back() -> None:
    """Nobody has helpful votes and trust is 1: those stages repeat the one before."""
    reviews = [
        ReviewInput(rating=r, created_at=NOW - timedelta(days=30 * i), verified=i % 2 == 0)
        for i, r in enumerate([5, 3, 4])
    ]
    state = RatingState.of(reviews)
    data = state_to_dict(state)
    assert set(data["everyone"]) == {"counts", "recency", "verified_purchase"}
    # Verified purchases count in full: their recency and purchase stages agree.
    assert set(data["verified_only"]) == {"counts", "recency"}
    assert state_from_dict(json.loads(json.dumps(data))) == state


def test_states_stored_in_the_first_format_are_still_read() -> None:
    state = some_state()
    first_format = {
        "version": 1,
        "weighting": state_to_dict(state)["weighting"],
        **{
            name: {
                field: [str(value) for value in row]
                for field, row in zip(
                    ("counts", "recency", "verified_purchase", "helpful_votes", "trust"),
                    tally.rows,
                    strict=True,
                )
            }
            for name, tally in (
                ("everyone", state.everyone),
                ("verified_only", state.verified_only),
            )
        },
    }
    assert state_from_dict(first_format) == state
