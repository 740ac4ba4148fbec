"""The Amazon reviews importer's row parsing checks common values inline for speed;
whatever a row holds, it must give what the `fields` functions give: the same
values, or the same rejection (field and reason), field by field in the same order."""

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candor.importers import fields
from candor.importers.amazon import EARLIEST_MS, AmazonReviewsImporter
from candor.importers.readers import RowError, parse_json_object
from candor.reviews.limits import TEXT_MAX, TITLE_MAX
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.hostile import hostile_text, json_values

# About where an import started now accepts reviews until: a day from now.
LATEST_MS = int((datetime.now(UTC) + timedelta(days=1)).timestamp() * 1000)


def reference(row: dict[str, Any], latest_ms: int) -> tuple[Any, ...]:
    """The row read with `fields` alone, as the importer did before its inline checks."""
    timestamp = fields.milliseconds("timestamp", row["timestamp"], EARLIEST_MS, latest_ms, "1995")
    user_id = fields.text("user_id", row["user_id"], 100, required=True)
    asin = fields.text("parent_asin", row["parent_asin"], 10, required=True)
    rating = fields.stars("rating", row["rating"])
    title = fields.text("title", row.get("title"), TITLE_MAX)
    text = fields.text("text", row.get("text"), TEXT_MAX)
    helpful = fields.optional_int("helpful_vote", row.get("helpful_vote")) or 0
    verified = fields.flag("verified_purchase", row.get("verified_purchase"))
    created = datetime.fromtimestamp(timestamp / 1000, tz=UTC)
    external_id = f"amazon:{user_id}:{asin}:{timestamp}"
    return (user_id, asin, rating, title, text, created, verified, helpful, external_id)


def outcome(parse: Any, row: dict[str, Any]) -> Any:
    try:
        return tuple(parse(row))
    except RowError as error:
        return ("rejected", error.field, error.reason)


plain_values = st.one_of(
    st.sampled_from([1, 5, 1.0, 4.0, 5.0, 2.5, 0, 6, -1, True, False, "5", " 3 ", "", None]),
    st.integers(min_value=EARLIEST_MS - 2, max_value=EARLIEST_MS + 2),
    st.integers(min_value=LATEST_MS - 2, max_value=LATEST_MS + 2),
    st.integers(min_value=-3, max_value=10**9 + 3),
    st.text(max_size=12),
    st.sampled_from(["x" * 10, "x" * 11, " padded ", "a\x00b", "x" * 5001, "x" * 151]),
    hostile_text,
    json_values,
)
KEYS = ("rating", "title", "text", "parent_asin", "user_id", "timestamp")
KEYS += ("helpful_vote", "verified_purchase")


@fuzz_settings(default=300)
@given(st.fixed_dictionaries({key: plain_values for key in KEYS}))
def test_inline_checks_give_what_fields_give(row: dict[str, Any]) -> None:
    importer = AmazonReviewsImporter(count_verified=True)
    # The importer's required keys are checked before parse_row (absent or empty: missing).
    if any(row[key] in (None, "") for key in ("rating", "parent_asin", "user_id", "timestamp")):
        return
    assert outcome(importer.parse_row, row) == outcome(
        partial(reference, latest_ms=importer.latest_ms), row
    )


@fuzz_settings(default=300)
@given(st.one_of(json_values.map(json.dumps), hostile_text, st.text(max_size=40)))
def test_a_line_reads_as_json_loads_reads_it(text: str) -> None:
    try:
        expected: Any = json.loads(text)
        if not isinstance(expected, dict):
            expected = ("rejected", "line")
    except ValueError as error:
        expected = ("rejected", "line", f"not JSON: {error}")
    got = parse_json_object(text)
    if isinstance(got, RowError):
        got = (
            ("rejected", got.field)
            if "not a JSON object" in got.reason
            else (
                "rejected",
                got.field,
                got.reason,
            )
        )
    assert got == expected


VALID = {
    "rating": 4.0,
    "title": " Good ",
    "text": "Liked it.",
    "parent_asin": "0143039431",
    "user_id": "AFIXTUREUSERAAAA",
    "timestamp": 1_600_000_000_000,
    "helpful_vote": 2,
    "verified_purchase": True,
}
TRICKY = [None, "", " ", True, False, 0, 1, 5, 5.0, 5.5, "5", 10**9, 10**9 + 1, -1, [], {}]
TRICKY += ["a\x00b", "x" * 11, "x" * 151, "x" * 5001, EARLIEST_MS - 1, LATEST_MS + 1, "1e3"]


@fuzz_settings(default=300)
@given(st.sampled_from(KEYS), st.sampled_from(TRICKY))
def test_a_valid_row_with_one_tricky_field_gives_what_fields_give(key: str, value: Any) -> None:
    row = {**VALID, key: value}
    if key in ("rating", "parent_asin", "user_id", "timestamp") and value in (None, ""):
        return  # reported as missing before parse_row
    importer = AmazonReviewsImporter(count_verified=True)
    assert outcome(importer.parse_row, row) == outcome(
        partial(reference, latest_ms=importer.latest_ms), row
    )


def test_the_valid_row_parses_to_its_values() -> None:
    importer = AmazonReviewsImporter(count_verified=True)
    parsed = importer.parse_row(dict(VALID))
    assert parsed == reference(dict(VALID), importer.latest_ms)
    assert (parsed.rating, parsed.title, parsed.helpful, parsed.verified) == (4, "Good", 2, True)


def test_timestamps_outside_1995_to_tomorrow_are_refused_with_the_reason() -> None:
    importer = AmazonReviewsImporter(count_verified=True)
    future = {**VALID, "timestamp": importer.latest_ms + 1}
    assert outcome(importer.parse_row, future)[1:] == (
        "timestamp",
        f"{importer.latest_ms + 1} is in the future (milliseconds since 1970)",
    )
    old = {**VALID, "timestamp": -(10**12)}
    assert outcome(importer.parse_row, old)[2].endswith("is before 1995 (milliseconds since 1970)")


def test_the_files_verified_flag_counts_only_when_the_operator_says_so() -> None:
    """Whoever made the file can set the flag (the threat model's bought "verified"):
    it makes a verified purchase only with --count-verified; a bad flag is still refused."""
    assert AmazonReviewsImporter().parse_row(dict(VALID)).verified is False
    assert AmazonReviewsImporter(count_verified=True).parse_row(dict(VALID)).verified is True
    with pytest.raises(RowError):
        AmazonReviewsImporter().parse_row({**VALID, "verified_purchase": "maybe"})
