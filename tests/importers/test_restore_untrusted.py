"""An operator restores a backup someone could have edited: stored HTML is never served
as it is, and rows the database refuses are named one per line, with nothing restored."""

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from candor.catalog.models import Book
from candor.essays.markdown import render_html
from candor.essays.models import Essay, Reviewer
from candor.essays.services import save_essay
from candor.exports.tables import exported_models
from candor.reviews.models import CataloguePrior, Review

pytestmark = pytest.mark.django_db

REFRESH = '<meta http-equiv="refresh" content="0; url=https://attacker.example/">'


@pytest.fixture
def backup(book, owner, other_user, write, tmp_path) -> Path:
    """A backup of a site with two reviews and a published essay, then the site emptied."""
    write(owner, book, 5, "Loved it.", days_ago=30)
    write(other_user, book, 2, "Not for me.", days_ago=20)
    reviewer = Reviewer.objects.create(name="Rosa Reviewer")
    essay = Essay(
        body_markdown="A *careful* reading.",
        reviewer=reviewer,
        published_on=date(2024, 3, 5),
        status=Essay.Status.PUBLISHED,
    )
    save_essay(essay, books=[book])
    path = tmp_path / "backup.jsonl"
    call_command("export", str(path))
    CataloguePrior.objects.all().delete()
    for model in reversed(exported_models()):
        model._default_manager.all().delete()
    return path


def edited(path: Path, change: Callable[[list[dict[str, Any]]], None]) -> Path:
    """The backup with its rows (not the manifest) changed by `change`."""
    manifest, *lines = path.read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines]
    change(items)
    text = "\n".join([manifest, *(json.dumps(item) for item in items)]) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def rows_of(items: list[dict[str, Any]], table: str) -> list[dict[str, Any]]:
    return [item["row"] for item in items if item["table"] == table]


def test_restored_essay_html_is_rendered_again_from_its_markdown(backup) -> None:
    def plant_refresh(items: list[dict[str, Any]]) -> None:
        essay = rows_of(items, "essays.essay")[0]
        essay["body_html"] = REFRESH + "<p>A <em>careful</em> reading.</p>"

    call_command("restore", str(edited(backup, plant_refresh)))

    essay = Essay.objects.get()
    assert essay.body_html == render_html("A *careful* reading.")
    page = Client().get(essay.get_absolute_url())
    assert page.status_code == 200
    assert "http-equiv" not in page.content.decode()
    assert "<em>careful</em>" in page.content.decode()


def test_markup_in_a_restored_essays_markdown_is_shown_as_text(backup) -> None:
    def markdown_with_refresh(items: list[dict[str, Any]]) -> None:
        rows_of(items, "essays.essay")[0]["body_markdown"] = REFRESH

    call_command("restore", str(edited(backup, markdown_with_refresh)))
    assert "<meta" not in Essay.objects.get().body_html


def test_each_refused_row_is_one_line_and_nothing_is_restored(backup) -> None:
    def break_rows(items: list[dict[str, Any]]) -> None:
        reviews = rows_of(items, "reviews.review")
        copy = dict(reviews[0], id=9001)  # a second review by the same reader of the book
        items.append({"table": "reviews.review", "row": copy})
        reviews[1]["book_id"] = 424242  # a book the backup does not have
        rows_of(items, "catalog.book")[0]["created_at"] = "not a time"

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(edited(backup, break_rows)))

    lines = str(refused.value).splitlines()
    assert lines[0].endswith("row(s) refused, nothing restored:")
    assert len(lines) == int(lines[0].split()[0]) + 1
    assert any(line.startswith("catalog.book row id ") and "not a time" in line for line in lines)
    assert any(line.startswith("reviews.review row id 9001: ") for line in lines)
    assert any("book_id 424242 refers to no catalog.book row" in line for line in lines)
    assert not any("Traceback" in line or "IntegrityError" in line for line in lines)
    # Nothing of the refused backup was kept: the database is as empty as before.
    assert not Book.objects.exists() and not Review.objects.exists()
    assert not Essay.objects.exists() and not Reviewer.objects.exists()
