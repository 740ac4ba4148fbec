"""ISBN validation and normalisation: every ISBN is stored as 13 digits."""

from django.core.exceptions import ValidationError
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError as StdnumError


def normalize_isbn(value: str) -> str:
    """Return the ISBN-13 digits for an ISBN-10 or ISBN-13 in any common spelling.

    Raises django's ValidationError with a reason a person can act on.
    """
    raw = (value or "").strip()
    if not raw:
        raise ValidationError("Enter an ISBN.", code="required")
    try:
        compact = stdnum_isbn.validate(raw)
    except StdnumError as error:
        raise ValidationError(f"{raw!r} is not a valid ISBN: {error}.", code="invalid") from None
    if len(compact) != 13 and len(compact) != 10:
        raise ValidationError(f"{raw!r} is not an ISBN-10 or ISBN-13.", code="invalid")
    return stdnum_isbn.to_isbn13(compact)


def format_isbn(isbn13: str) -> str:
    """Hyphenate for display (978-0-8047-2115-8); falls back to the digits."""
    try:
        return stdnum_isbn.format(isbn13)
    except StdnumError:
        return isbn13


def looks_like_isbn(text: str) -> str | None:
    """The ISBN-13 for a search query that is an ISBN, else None."""
    try:
        return normalize_isbn(text)
    except ValidationError:
        return None
