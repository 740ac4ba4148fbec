"""Largest-remainder rounding: star bars that add up to 100, steps that add up as shown."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rating_strategies import PROPERTY

from candor.ratings import star_percentages
from candor.ratings.rounding import half_up, half_up_units, shown_steps, shown_steps_of_many

amounts = st.integers(0, 10**6) | st.floats(0.0, 1e6)
star_amounts = st.dictionaries(st.integers(1, 5), amounts)


@PROPERTY
@given(star_amounts)
def test_percentages_add_up_to_100_and_stay_within_1_of_the_exact_share(counts):
    percents = star_percentages(counts)
    assert list(percents) == [5, 4, 3, 2, 1]
    total = sum(Fraction(value) for value in counts.values())
    if total == 0:
        assert set(percents.values()) == {0}
        return
    assert sum(percents.values()) == 100
    for star, percent in percents.items():
        exact = 100 * Fraction(counts.get(star, 0)) / total
        assert abs(percent - exact) < 1


def test_equal_shares_round_up_on_the_higher_star():
    assert star_percentages({5: 1, 4: 1, 3: 1}) == {5: 34, 4: 33, 3: 33, 2: 0, 1: 0}


def test_bad_amounts_are_refused():
    with pytest.raises(ValueError, match=r"stars 1\.\.5"):
        star_percentages({6: 1})
    with pytest.raises(ValueError, match="finite"):
        star_percentages({5: float("nan")})


@PROPERTY
@given(st.floats(1, 5), st.lists(st.floats(-2, 2), min_size=1, max_size=6))
def test_shown_steps_add_up_to_the_shown_difference(start, steps):
    end = start + sum(steps)
    shown = shown_steps(start, end, steps)
    assert sum(round(step * 100) for step in shown) == int(
        (half_up(end, 2) - half_up(start, 2)) * 100
    )
    for exact, rounded in zip(steps, shown, strict=True):
        assert abs(exact - rounded) < 0.01 + 1e-9


def test_half_up_rounds_as_readers_expect():
    assert str(half_up(2.25, 1)) == "2.3"
    assert str(half_up(4.525, 2)) == "4.53"
    assert str(half_up(4.0, 2)) == "4.00"


def test_the_example_from_the_issue_adds_up():
    # -0.06 in the table and -0.1 in the words, once: now both say the same, and add up.
    shown = shown_steps(4.53, 4.32, [-0.064, -0.146])
    assert shown == [-0.06, -0.15]


@PROPERTY
@given(st.lists(st.floats(-10, 10) | st.sampled_from([4.525, 2.25, 0.005, -1.125]), min_size=1))
def test_half_up_of_many_is_half_up_of_each(values):
    assert half_up_units(np.array(values), 2).tolist() == [
        int(half_up(value, 2).scaleb(2)) for value in values
    ]


@PROPERTY
@given(st.lists(st.lists(st.floats(1, 5), min_size=6, max_size=6), min_size=1, max_size=20))
def test_shown_steps_of_many_rows_are_each_rows_shown_steps(rows):
    many = shown_steps_of_many(np.array(rows))
    for row, shown in zip(rows, many.tolist(), strict=True):
        steps = [row[i] - row[i - 1] for i in range(1, len(row))]
        assert shown == pytest.approx(shown_steps(row[0], row[-1], steps), abs=1e-12)
