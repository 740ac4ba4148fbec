"""Parsing one field of a row: each function names the field and the reason when it fails."""

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from candor.catalog.isbn import normalize_isbn
from candor.importers.readers import RowError


def isbn13(field: str, value: Any) -> str:
    text = str(value or "").strip()
    # Spreadsheet exports (Goodreads) write ISBNs as ="0375725784" to keep leading zeros.
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    try:
        return normalize_isbn(text)
    except ValidationError as error:
        raise RowError(field, " ".join(error.messages)) from None


def text(field: str, value: Any, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise RowError(field, f"expected text, got {type(value).__name__}")
    value = value.strip()
    if "\x00" in value:
        raise RowError(field, "contains a null character")
    if required and not value:
        raise RowError(field, "empty")
    if len(value) > limit:
        raise RowError(field, f"{len(value):,} characters; at most {limit:,} are kept")
    return value


def web_address(field: str, value: Any, limit: int) -> str:
    """An http(s) address, or "" for an empty value."""
    address = text(field, value, limit)
    if address and not address.startswith(("http://", "https://")):
        raise RowError(field, f"{address!r} is not an http(s) address")
    return address


def optional_int(field: str, value: Any, low: int = 0, high: int = 10**9) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise RowError(field, f"{value!r} is not a whole number")
    try:
        number = int(value) if isinstance(value, int) else int(str(value).strip())
    except ValueError:
        raise RowError(field, f"{value!r} is not a whole number") from None
    if not low <= number <= high:
        raise RowError(field, f"{number} is out of range ({low} to {high})")
    return number


def stars(field: str, value: Any, allow_fractions: bool = False) -> int:
    """A 1-5 star rating; fractional ratings (StoryGraph's quarter stars) round half up."""
    try:
        number = float(str(value).strip()) if not isinstance(value, bool) else math.nan
    except ValueError:
        raise RowError(field, f"{value!r} is not a number of stars") from None
    if not math.isfinite(number) or not 0 < number <= 5:
        raise RowError(field, f"{value!r} is out of range: ratings are 1 to 5 stars")
    if number != int(number) and not allow_fractions:
        raise RowError(field, f"{value!r} is not a whole number of stars")
    return max(1, math.floor(number + 0.5))


def price(field: str, value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    raw = str(value).strip().lstrip("$£€").replace(",", "")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise RowError(field, f"{value!r} is not a price") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e8"):
        raise RowError(field, f"{value!r} is not a price") from None
    return amount.quantize(Decimal("0.01"))


def day(field: str, value: Any, required: bool = False) -> datetime | None:
    """A date like 2024-03-31 or 2024/03/31 (as exports write them), as midnight UTC."""
    text_value = str(value or "").strip()
    if not text_value:
        if required:
            raise RowError(field, "empty: give a date like 2024-03-31")
        return None
    try:
        parsed = date.fromisoformat(text_value.replace("/", "-")[:10])
    except ValueError:
        raise RowError(field, f"{text_value!r} is not a date like 2024-03-31") from None
    return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)


# A review (or an order) dated outside this window is a data error: refused, not stored.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
FUTURE_ALLOWANCE = timedelta(days=1)  # time zones and clocks: a day ahead is accepted


def latest_date() -> datetime:
    return datetime.now(UTC) + FUTURE_ALLOWANCE


def review_date(field: str, moment: datetime) -> datetime:
    """``moment`` when a review or an order could have been dated then: not before 1900
    and not more than a day in the future (the rating counts a date up to a day ahead
    as today)."""
    if moment < EARLIEST:
        raise RowError(field, f"{moment.date().isoformat()} is before 1900")
    if moment > latest_date():
        raise RowError(field, f"{moment.date().isoformat()} is in the future")
    return moment


def milliseconds(field: str, value: Any, earliest_ms: int, latest_ms: int, since: str) -> int:
    """A required time in milliseconds since 1970, from ``earliest_ms`` (the year
    ``since``) to ``latest_ms`` (`latest_date`, taken once per import)."""
    number = optional_int(field, value, -(10**15), 10**15)
    if number is None:
        raise RowError(field, "empty: give milliseconds since 1970")
    if number < earliest_ms:
        raise RowError(field, f"{number} is before {since} (milliseconds since 1970)")
    if number > latest_ms:
        raise RowError(field, f"{number} is in the future (milliseconds since 1970)")
    return number


def flag(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text_value = str(value or "").strip().lower()
    if text_value in ("true", "1", "yes", "y"):
        return True
    if text_value in ("false", "0", "no", "n", ""):
        return False
    raise RowError(field, f"{value!r} is not true or false")
