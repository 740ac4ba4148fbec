"""Essay fixtures: a reviewer, an essay factory and the demo essays."""

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from candor.catalog.models import Book
from candor.essays.models import Essay, Reviewer
from candor.essays.services import save_essay, tags_named


@pytest.fixture(autouse=True)
def pdf_cache(settings: Any, tmp_path: Path) -> Path:
    """Each test gets its own PDF cache folder."""
    settings.ESSAY_PDF_CACHE_DIR = tmp_path / "pdf-cache"
    return Path(settings.ESSAY_PDF_CACHE_DIR)


@pytest.fixture
def reviewer(db: Any) -> Reviewer:
    return Reviewer.objects.create(
        name="Rosa Reviewer", bio="Rosa Reviewer writes about alliances and archives."
    )


@pytest.fixture
def make_essay(reviewer: Reviewer, book: Book) -> Callable[..., Essay]:
    def make(body: str = "Some *careful* words (p. 213).", **fields: Any) -> Essay:
        books = fields.pop("books", [book])
        tags = tags_named(fields.pop("tags", []))
        fields.setdefault("reviewer", reviewer)
        fields.setdefault("published_on", date(2024, 3, 5))
        fields.setdefault("status", Essay.Status.PUBLISHED)
        return save_essay(Essay(body_markdown=body, **fields), books=books, tags=tags)

    return make


@pytest.fixture
def demo_essays(db: Any) -> list[Essay]:
    from candor.demo.load import load_demo

    load_demo()
    return list(Essay.objects.order_by("published_on"))
