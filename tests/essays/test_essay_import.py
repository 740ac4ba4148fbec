"""`candor essays import FOLDER`: idempotent, bad files reported and skipped."""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from candor.essays.importer import import_folder
from candor.essays.models import Essay

GOOD_MARKDOWN = """---
title: Allies at Odds
reviewer: Rosa Reviewer
reviewer_bio: Rosa writes about alliances.
date: 2021-07-04
books: [978-0-8047-2115-8]
tags: [Korean War, Alliances]
summary: A review.
---
The book's chapter on Moscow is the best part (p. 85).[^1]

[^1]: A note.
"""

GOOD_HTML = """---
reviewer: Hal Html
date: 2022-11-30
books: ["0804721157"]
status: draft
---
<html><head><title>ignored</title><style>p { color: red }</style></head><body>
<h1>An Archived Review</h1>
<p>It costs $5 &amp; uses # signs, <em>emphasis</em> and <script>alert(1)</script>.</p>
<blockquote><p>A quotation.</p></blockquote>
</body></html>
"""

BAD_FILES = {
    "no-front-matter.md": (
        "Just text.\n",
        'no front matter: the file must start with a "---" line',
    ),
    "unknown-book.md": (
        "---\nreviewer: R\ndate: 2021-01-01\nbooks: [9780000000002]\n---\nText.\n",
        "books: no book with ISBN 9780000000002 in the catalogue",
    ),
    "bad-isbn.md": (
        "---\nreviewer: R\ndate: 2021-01-01\nbooks: [12345]\n---\nText.\n",
        "books: '12345' is not a valid ISBN",
    ),
    "bad-date.md": (
        "---\nreviewer: R\ndate: 5 March\nbooks: [9780804721158]\n---\nText.\n",
        "date: '5 March' is not a date (YYYY-MM-DD)",
    ),
    "no-reviewer.md": (
        "---\ndate: 2021-01-01\nbooks: [9780804721158]\n---\nText.\n",
        "reviewer: missing",
    ),
    "bad-yaml.md": ("---\ntitle: [unclosed\n---\nText.\n", "front matter is not valid YAML"),
    "empty.html": (
        "---\nreviewer: R\ndate: 2021-01-01\nbooks: [9780804721158]\n---\n<p> </p>\n",
        "the essay has no text",
    ),
}


@pytest.fixture
def archive(tmp_path: Path, book: Any) -> Path:
    folder = tmp_path / "archive"
    (folder / "html").mkdir(parents=True)
    (folder / "allies.md").write_text(GOOD_MARKDOWN)
    (folder / "html" / "archived.html").write_text(GOOD_HTML)
    (folder / "notes.txt").write_text("not an essay: ignored")
    return folder


def test_import_creates_essays_from_markdown_and_html(archive: Path) -> None:
    report = import_folder(archive)
    assert len(report.created) == 2 and not report.rejected
    allies = Essay.objects.get(slug="allies-at-odds")
    assert allies.get_absolute_url() == "/essays/2021/07/04/allies-at-odds/"
    assert allies.reviewer.bio == "Rosa writes about alliances."
    assert allies.is_published
    assert sorted(t.name for t in allies.tags.all()) == ["Alliances", "Korean War"]
    assert "(p. 85)" in allies.body_html and 'class="footnote-ref"' in allies.body_html
    archived = Essay.objects.get(slug="an-archived-review")
    assert archived.status == Essay.Status.DRAFT
    assert archived.books.get().isbn13 == "9780804721158"
    assert "<em>emphasis</em>" in archived.body_html
    assert "$5 &amp; uses # signs" in archived.body_html
    assert "<script>" not in archived.body_html and "color: red" not in archived.body_html
    assert "<blockquote>" in archived.body_html


def test_import_twice_changes_nothing(archive: Path) -> None:
    import_folder(archive)
    before = list(Essay.objects.values().order_by("pk"))
    report = import_folder(archive)
    assert report.created == [] and report.updated == [] and len(report.unchanged) == 2
    assert list(Essay.objects.values().order_by("pk")) == before


def test_update_overwrites_an_edited_file_only(archive: Path) -> None:
    import_folder(archive)
    path = archive / "allies.md"
    path.write_text(GOOD_MARKDOWN.replace("best part", "weakest part"))
    assert import_folder(archive).unchanged  # without --update: left as it is
    report = import_folder(archive, update=True)
    assert report.updated == [str(path)] and len(report.unchanged) == 1
    assert "weakest part" in Essay.objects.get(slug="allies-at-odds").body_html


def test_bad_files_are_reported_with_reason_and_skipped(archive: Path) -> None:
    for name, (text, _) in BAD_FILES.items():
        (archive / name).write_text(text)
    report = import_folder(archive)
    assert len(report.created) == 2
    reasons = {Path(name).name: reason for name, reason in report.rejected}
    for name, (_, reason) in BAD_FILES.items():
        assert reasons[name].startswith(reason), name
    assert Essay.objects.count() == 2


def test_command_prints_created_rejected_and_summary(archive: Path) -> None:
    (archive / "no-front-matter.md").write_text("Just text.\n")
    out, err = StringIO(), StringIO()
    call_command("essays", "import", str(archive), stdout=out, stderr=err)
    assert f"created: {archive / 'allies.md'}" in out.getvalue()
    assert f"{archive / 'no-front-matter.md'}: no front matter" in err.getvalue()
    assert "Essays: 2 created, 0 updated, 0 unchanged, 1 rejected." in out.getvalue()
    out = StringIO()
    call_command("essays", "import", str(archive), stdout=out, stderr=StringIO())
    assert "Essays: 0 created, 0 updated, 2 unchanged, 1 rejected." in out.getvalue()


def test_command_rejects_a_missing_folder(tmp_path: Path, db: Any) -> None:
    with pytest.raises(CommandError, match="not a folder"):
        call_command("essays", "import", str(tmp_path / "nowhere"))


def test_demo_essays_load_idempotently(demo_essays: list[Essay]) -> None:
    from candor.demo.load import load_demo

    assert len(demo_essays) >= 2
    before = list(Essay.objects.values().order_by("pk"))
    assert load_demo()["essays"] == len(demo_essays)
    assert list(Essay.objects.values().order_by("pk")) == before
