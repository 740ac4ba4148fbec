"""states_by_key (bulk rebuilds): each key holds the state of adding its reviews one by one."""

from functools import reduce

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rating_strategies import PROPERTY, books, configs

from candor.ratings import Prior, RatingState
from candor.ratings.grouped import candor_ratings, states_and_totals, states_by_key


@PROPERTY
@given(books(), configs, st.data())
def test_each_key_holds_the_state_of_adding_its_reviews_one_by_one(book, config, data):
    _, items = book
    keys = data.draw(st.lists(st.integers(0, 3), min_size=len(items), max_size=len(items)))

    grouped = states_by_key(zip(keys, items, strict=True), config)

    assert set(grouped) == set(keys)
    for key, state in grouped.items():
        mine = [review for review, k in zip(items, keys, strict=True) if k == key]
        assert state == reduce(RatingState.add, mine, RatingState(config))


@PROPERTY
@given(books(), configs, st.data())
def test_each_group_total_is_the_merge_of_its_parts(book, config, data):
    _, items = book
    keys = data.draw(
        st.lists(
            st.tuples(st.integers(0, 2), st.integers(0, 2)),
            min_size=len(items),
            max_size=len(items),
        )
    )

    parts, totals = states_and_totals(zip(keys, items, strict=True), config)

    assert parts == states_by_key(zip(keys, items, strict=True), config)
    assert set(totals) == {group for group, _ in keys}
    for group, total in totals.items():
        mine = [state for (g, _), state in parts.items() if g == group]
        assert total == reduce(RatingState.merge, mine, RatingState(config))


@PROPERTY
@given(books(), configs, st.data())
def test_ratings_scored_together_equal_each_states_own_result(book, config, data):
    now, items = book
    keys = data.draw(st.lists(st.integers(0, 3), min_size=len(items), max_size=len(items)))
    grouped = states_by_key(zip(keys, items, strict=True), config)
    # An empty state among them (a book whose reviews all left) has no rating.
    states = [*grouped.values(), RatingState(config)]
    prior = Prior.typical(config)

    together = candor_ratings(states, now, prior)

    assert together[-1] == (None, 0)
    for state, (rating, count) in zip(states, together, strict=True):
        alone = state.result(now, prior, config, "candor")
        assert count == alone.count
        if alone.rating is None:
            assert rating is None
        else:
            assert rating == pytest.approx(alone.rating, rel=1e-12, abs=1e-12)
