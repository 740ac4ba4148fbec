"""RatingState: incremental, from-scratch and merged states are the same thing."""

from datetime import UTC, datetime, timedelta
from functools import reduce

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rating_strategies import NOW, PROPERTY, assert_results_close, books, configs, reviews

from candor.ratings import VIEWS, RatingConfig, RatingState, ReviewInput, rate


def one_by_one(items: list[ReviewInput], config: RatingConfig) -> RatingState:
    return reduce(RatingState.add, items, RatingState(config))


@PROPERTY
@given(books(), configs, st.data())
def test_add_one_by_one_from_scratch_and_merged_partitions_agree(book, config, data):
    now, items = book
    in_first = data.draw(st.lists(st.booleans(), min_size=len(items), max_size=len(items)))
    first = [review for review, chosen in zip(items, in_first, strict=True) if chosen]
    second = [review for review, chosen in zip(items, in_first, strict=True) if not chosen]

    incremental = one_by_one(items, config)
    scratch = RatingState.of(items, config)
    merged = RatingState.of(first, config).merge(one_by_one(second, config))

    # Integer sums: the states are identical, not just close.
    assert incremental == scratch == merged
    for view in VIEWS:
        expected = rate(items, now=now, config=config, view=view)
        for state in (incremental, merged):
            assert_results_close(state.result(now, None, config, view), expected)


@PROPERTY
@given(books(), configs, reviews(latest=NOW.replace(tzinfo=None)))
def test_remove_is_the_exact_inverse_of_add(book, config, extra):
    _, items = book
    state = RatingState.of(items, config)
    assert state.add(extra).remove(extra) == state


@PROPERTY
@given(books(max_size=15), st.data())
def test_removing_a_review_equals_never_having_added_it(book, data):
    now, items = book
    if not items:
        return
    index = data.draw(st.integers(0, len(items) - 1))
    rest = items[:index] + items[index + 1 :]
    state = RatingState.of(items).remove(items[index])
    assert state == RatingState.of(rest)
    assert_results_close(state.result(now), rate(rest, now=now))


@PROPERTY
@given(books(max_size=10), books(max_size=10))
def test_merge_is_commutative(a, b):
    left, right = RatingState.of(a[1]), RatingState.of(b[1])
    assert left.merge(right) == right.merge(left)


def test_removing_a_review_that_is_not_there_fails():
    review = ReviewInput(4, NOW, verified=True)
    with pytest.raises(ValueError, match="review"):
        RatingState().remove(review)


def test_states_with_different_weighting_cannot_be_merged():
    a = RatingState(RatingConfig(half_life_days=365))
    with pytest.raises(ValueError, match="half_life_days"):
        a.merge(RatingState())


def test_result_rejects_a_config_with_different_weighting():
    state = RatingState.of([ReviewInput(4, NOW, verified=False)])
    with pytest.raises(ValueError, match="unverified_weight"):
        state.result(NOW, config=RatingConfig(unverified_weight=0.25))


def test_result_accepts_a_config_that_changes_query_time_constants_only():
    state = RatingState.of([ReviewInput(5, NOW, verified=True)])
    loose = state.result(NOW, config=RatingConfig(prior_strength=1.0))
    strict = state.result(NOW, config=RatingConfig(prior_strength=50.0))
    assert loose.rating is not None and strict.rating is not None
    assert loose.rating > strict.rating


@pytest.mark.parametrize("half_life_days", [1.0, 730.0])
def test_dates_from_1990_to_2100_neither_overflow_nor_underflow(half_life_days):
    config = RatingConfig(half_life_days=half_life_days)
    old = ReviewInput(1, datetime(1990, 1, 1, tzinfo=UTC), verified=True)
    new = ReviewInput(5, datetime(2100, 1, 1, tzinfo=UTC), verified=True)
    state = RatingState.of([old, new], config)
    result = state.result(datetime(2100, 1, 1, tzinfo=UTC))
    assert result.rating is not None and 1.0 <= result.rating <= 5.0
    # The 2100 review is fresh (weight 1); the 1990 one is 55 or 40,000 half-lives old.
    assert result.effective_count == pytest.approx(1.0 + 0.5 ** (40_177 / half_life_days))
    assert state.remove(new).remove(old) == RatingState(config)


def test_a_state_can_be_queried_later_as_it_ages():
    state = RatingState.of([ReviewInput(5, NOW, verified=True)])
    assert state.result(NOW).effective_count == pytest.approx(1.0)
    later = state.result(NOW + timedelta(days=730))
    assert later.effective_count == pytest.approx(0.5, rel=1e-12)
