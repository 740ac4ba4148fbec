"""A user's own reviews as CSV or JSON (the download on their profile page)."""

import csv
import io
import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from candor.reviews.models import Review

# The columns of the CSV and the keys of each JSON object, in this order.
FIELDS = [
    "review_id",
    "book_title",
    "book_slug",
    "isbn13",
    "rating",
    "title",
    "text",
    "created_at",
    "updated_at",
    "verified_purchase",
    "helpful_votes",
    "hidden",
]


def own_reviews(user: AbstractBaseUser) -> list[dict[str, Any]]:
    """Every review the user wrote, hidden ones included (it is their data), oldest first;
    not the ones they deleted (withdrawn, `services.withdraw_review`)."""
    reviews = (
        Review.objects.current()
        .filter(user=user)
        .select_related("book")
        .order_by("created_at", "id")
    )
    return [
        {
            "review_id": review.pk,
            "book_title": review.book.full_title,
            "book_slug": review.book.slug,
            "isbn13": review.book.isbn13,
            "rating": review.rating,
            "title": review.title,
            "text": review.text,
            "created_at": review.created_at.isoformat(),
            "updated_at": review.updated_at.isoformat(),
            "verified_purchase": review.verified_purchase,
            "helpful_votes": review.helpful_count,
            "hidden": review.hidden,
        }
        for review in reviews
    ]


# Spreadsheets run a cell that starts with one of these as a formula; the CSV is meant
# to be opened in one, so such text cells get a leading apostrophe (OWASP's advice).
# The JSON download keeps every text exactly as written.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_FIELDS = ("book_title", "title", "text")


def spreadsheet_safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def as_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        flags = {k: str(row[k]).lower() for k in ("verified_purchase", "hidden")}
        texts = {k: spreadsheet_safe(str(row[k])) for k in TEXT_FIELDS}
        writer.writerow({**row, **flags, **texts})
    return buffer.getvalue()


def as_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps({"reviews": rows}, ensure_ascii=False, indent=2) + "\n"
