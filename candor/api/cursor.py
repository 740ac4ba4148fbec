"""Cursor pagination of reviews: keyset on the list's sort order.

A cursor holds the sort key of the last review a client saw (signed, so clients
treat it as opaque and cannot forge one). The next page is the reviews strictly
after that key, so reviews posted meanwhile never shift a page: nothing is
repeated or skipped, whatever is inserted between two requests.
"""

from datetime import datetime
from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet

from candor.api.errors import ApiError
from candor.reviews.models import Review

# Each sort is a descending order over these fields; id breaks every tie.
SORT_FIELDS = {
    "helpful": ("helpful_count", "created_at", "id"),
    "recent": ("created_at", "id"),
}
SALT = "candor.api.reviews-cursor"
BIGINT_MAX = 2**63 - 1


def encode(sort: str, star: int | None, review: Review) -> str:
    key = [getattr(review, name) for name in SORT_FIELDS[sort]]
    key = [value.isoformat() if isinstance(value, datetime) else value for value in key]
    return signing.dumps({"s": sort, "r": star, "k": key}, salt=SALT, compress=True)


def bad(reason: str) -> ApiError:
    return ApiError(400, "The cursor is not valid.", "bad_cursor", {"cursor": reason})


def decode(cursor: str, sort: str, star: int | None) -> list[Any]:
    """The sort key stored in cursor, checked against this request's sort and filter."""
    try:
        payload = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise bad("not a cursor this API issued") from None
    if not isinstance(payload, dict) or payload.get("s") != sort or payload.get("r") != star:
        raise bad("the cursor belongs to a different sort or star filter")
    return [parse(name, value) for name, value in zip(SORT_FIELDS[sort], payload["k"], strict=True)]


def parse(name: str, value: Any) -> Any:
    if name == "created_at":
        return datetime.fromisoformat(value)
    if not isinstance(value, int) or not 0 <= value <= BIGINT_MAX:
        raise bad(f"{name} out of range")
    return value


def after(reviews: QuerySet[Review], sort: str, key: list[Any]) -> QuerySet[Review]:
    """Reviews that come strictly after key in the sort's descending order."""
    later = Q()
    equal: dict[str, Any] = {}
    for name, value in zip(SORT_FIELDS[sort], key, strict=True):
        later |= Q(**equal, **{f"{name}__lt": value})
        equal[name] = value
    return reviews.filter(later)


def ordering(sort: str) -> list[str]:
    return [f"-{name}" for name in SORT_FIELDS[sort]]
