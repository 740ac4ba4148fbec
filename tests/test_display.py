import pytest

from candor.catalog.templatetags.candor import one_decimal, signed, stars


@pytest.mark.parametrize(
    ("value", "shown"), [(2.25, "2.3"), (4.05, "4.1"), (3.94999, "3.9"), (5.0, "5.0"), (1.0, "1.0")]
)
def test_ratings_show_one_decimal_rounded_half_up(value, shown) -> None:
    assert one_decimal(value) == shown


def test_no_rating_shows_nothing_rather_than_zero() -> None:
    assert one_decimal(None) == ""


@pytest.mark.parametrize(("value", "glyphs"), [(2.5, "★★★☆☆"), (4.49, "★★★★☆"), (1.0, "★☆☆☆☆")])
def test_star_glyphs_round_half_up(value, glyphs) -> None:
    assert stars(value) == glyphs


def test_signed_changes_use_a_true_minus_sign() -> None:
    assert signed(-0.2) == "\u22120.20" and signed(0.1) == "+0.10"
