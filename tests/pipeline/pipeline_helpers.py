"""Helpers for the `candor score` tests: run the scorer, read its output files."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from candor.pipeline.run import Options, Summary, score_corpus


@dataclass
class Scored:
    out: Path
    summary: Summary
    messages: list[str]

    def lines(self, name: str) -> list[dict[str, Any]]:
        text = (self.out / name).read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines()]

    @property
    def products(self) -> list[dict[str, Any]]:
        return self.lines("products.jsonl")

    @property
    def reviews(self) -> list[dict[str, Any]]:
        return self.lines("reviews.jsonl")

    @property
    def rejects(self) -> list[dict[str, Any]]:
        return self.lines("rejects.jsonl")


def run_score(input_path: Path, out: Path, **options: Any) -> Scored:
    """`candor score` in-process. The input's verified flags count unless the test says
    otherwise (``count_verified=False``, the command's default), so that the numbers can
    be checked against the engine's verified-purchase weights."""
    options.setdefault("count_verified", True)
    messages: list[str] = []
    summary = score_corpus(Options(input=input_path, out=out, **options), messages.append)
    return Scored(out, summary, messages)


def close(a: Any, b: Any, rel: float = 1e-9) -> bool:
    """Equal JSON values, numbers (not ints) within ``rel`` relative (1e-12 absolute)."""
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, int | float)
            and isinstance(b, int | float)
            and (abs(a - b) <= max(rel * max(abs(a), abs(b)), 1e-12))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(close(a[key], b[key], rel) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y, rel) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def assert_rows_close(mine: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> None:
    assert len(mine) == len(theirs)
    for row, other in zip(mine, theirs, strict=True):
        assert close(row, other), (row, other)


def changed_mind(product: str, late: datetime = datetime(2024, 12, 1, tzinfo=UTC)) -> list[dict]:
    """Ten five-star reviews over 2020, then ten one-star ones a day apart from
    ``late`` on: a change recency must have its say in."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    return [
        {
            "review_id": f"{product}-{i}",
            "product_id": product,
            "reviewer_id": f"{product}-u{i}",
            "rating": 5 if i < 10 else 1,
            "created_at": start + timedelta(days=30 * i) if i < 10 else late + timedelta(days=i),
            "verified_purchase": True,
            "helpful_votes": 0,
            "title": "t",
            "text": "x",
        }
        for i in range(20)
    ]
