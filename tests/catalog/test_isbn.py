import pytest
from django.core.exceptions import ValidationError

from candor.catalog.isbn import format_isbn, normalize_isbn


@pytest.mark.parametrize(
    "spelling",
    ["9780804721158", "978-0-8047-2115-8", " 978 0 8047 2115 8 ", "0804721157", "0-8047-2115-7"],
)
def test_isbn_spellings_normalise_to_13_digits(spelling: str) -> None:
    assert normalize_isbn(spelling) == "9780804721158"


def test_isbn10_with_x_check_digit_converts() -> None:
    assert normalize_isbn("0-8044-2957-X") == "9780804429573"


@pytest.mark.parametrize("bad", ["9780804721159", "12345", "not an isbn", "080472115X"])
def test_invalid_isbn_is_refused_with_reason(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_isbn(bad)
    assert "not a valid ISBN" in caught.value.messages[0]


def test_empty_isbn_is_required() -> None:
    with pytest.raises(ValidationError, match="Enter an ISBN"):
        normalize_isbn("  ")


def test_isbn_is_hyphenated_for_display() -> None:
    assert format_isbn("9780804721158") == "978-0-8047-2115-8"
