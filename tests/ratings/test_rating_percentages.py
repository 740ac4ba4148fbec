"""largest_remainder_percentages: whole percents adding up to exactly 100."""

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rating_strategies import PROPERTY

from candor.ratings import largest_remainder_percentages

amounts = st.integers(0, 10**6) | st.floats(0.0, 1e6)
star_amounts = st.dictionaries(st.integers(1, 5), amounts)


@PROPERTY
@given(star_amounts)
def test_percentages_add_up_to_100_and_stay_within_1_of_the_exact_share(counts):
    percents = largest_remainder_percentages(counts)
    assert list(percents) == [5, 4, 3, 2, 1]
    total = sum(Fraction(value) for value in counts.values())
    if total == 0:
        assert set(percents.values()) == {0}
        return
    assert sum(percents.values()) == 100
    for star, percent in percents.items():
        exact = 100 * Fraction(counts.get(star, 0)) / total
        assert abs(percent - exact) < 1


@PROPERTY
@given(star_amounts, st.randoms())
def test_result_does_not_depend_on_the_order_of_the_keys(counts, random):
    keys = list(counts)
    random.shuffle(keys)
    assert largest_remainder_percentages({k: counts[k] for k in keys}) == (
        largest_remainder_percentages(counts)
    )


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Three equal counts: the spare point goes to the highest star.
        ({5: 1, 4: 1, 3: 1}, {5: 34, 4: 33, 3: 33, 2: 0, 1: 0}),
        ({4: 7, 3: 7, 2: 7}, {5: 0, 4: 34, 3: 33, 2: 33, 1: 0}),
        ({5: 1, 4: 1, 3: 1, 2: 1, 1: 2}, {5: 17, 4: 17, 3: 17, 2: 16, 1: 33}),
        ({5: 2, 1: 1}, {5: 67, 4: 0, 3: 0, 2: 0, 1: 33}),
        ({5: 1, 4: 1, 3: 1, 2: 1, 1: 1}, {5: 20, 4: 20, 3: 20, 2: 20, 1: 20}),
        # The largest remainder wins over the higher star: 1 star has 0.6 left over.
        ({5: 0.994, 4: 0.0, 1: 0.006}, {5: 99, 4: 0, 3: 0, 2: 0, 1: 1}),
        ({5: 0.1, 4: 0.2}, {5: 33, 4: 67, 3: 0, 2: 0, 1: 0}),
        ({}, {5: 0, 4: 0, 3: 0, 2: 0, 1: 0}),
        ({3: 0}, {5: 0, 4: 0, 3: 0, 2: 0, 1: 0}),
    ],
)
def test_examples(counts, expected):
    result = largest_remainder_percentages(counts)
    assert result == expected
    assert list(result) == list(expected)


def test_huge_integer_amounts_are_fine():
    assert largest_remainder_percentages({5: 3 * 10**400, 4: 10**400})[5] == 75


@pytest.mark.parametrize("counts", [{0: 1}, {6: 1}, {5: -1}, {5: math.nan}, {5: math.inf}], ids=str)
def test_bad_amounts_are_rejected(counts):
    with pytest.raises(ValueError, match="amounts"):
        largest_remainder_percentages(counts)
