"""`candor essays import FOLDER`: load an archive of essays, idempotently.

Each file (.md, .markdown, .html, .htm; subfolders included) starts with a YAML front
matter block between two "---" lines, followed by the body: Markdown, or HTML that is
converted to Markdown. An essay is identified by its canonical URL (date and slug), so
running the import again changes nothing; with update=True an existing essay is
overwritten from its file. A bad file is reported with its reason and skipped; every
file is saved in its own transaction, so nothing is ever half-written.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from candor.catalog.isbn import normalize_isbn
from candor.catalog.models import Book
from candor.essays.html_to_markdown import html_to_markdown
from candor.essays.identifiers import normalise_doi
from candor.essays.models import Essay
from candor.essays.services import default_title, reviewer_named, save_essay, tags_named

MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
KNOWN_KEYS = {
    "title", "reviewer", "reviewer_bio", "date", "slug", "books", "tags", "status", "summary",
    "volume", "issue", "doi",
}  # fmt: skip
PLACE_MAX = 20  # characters of a volume or an issue (Essay.volume, Essay.issue)


class BadEssayFile(Exception):
    pass


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.rejected)} rejected"
        )


@dataclass(frozen=True)
class EssayFile:
    title: str
    reviewer: str
    reviewer_bio: str
    published_on: date
    slug: str
    books: tuple[Book, ...]
    tags: tuple[str, ...]
    status: str
    summary: str
    body_markdown: str
    volume: str = ""
    issue: str = ""
    doi: str = ""


def essay_files(folder: Path) -> Iterator[Path]:
    suffixes = MARKDOWN_SUFFIXES | HTML_SUFFIXES
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in suffixes and not path.name.startswith("."):
            yield path


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise BadEssayFile('no front matter: the file must start with a "---" line')
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise BadEssayFile('front matter is not closed by a "---" line')
    try:
        meta = yaml.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (front matter line {mark.line + 1})" if mark else ""
        raise BadEssayFile(f"front matter is not valid YAML{where}") from error
    if not isinstance(meta, dict):
        raise BadEssayFile("front matter must be a set of key: value lines")
    return meta, "".join(lines[end + 1 :])


def _text(meta: dict[str, Any], key: str, required: bool = False) -> str:
    value = meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadEssayFile(f"{key}: missing")
        return ""
    if not isinstance(value, str | int | float):
        raise BadEssayFile(f"{key}: must be text")
    return str(value).strip()


def _list(meta: dict[str, Any], key: str) -> list[str]:
    value = meta.get(key) or []
    if isinstance(value, str | int):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise BadEssayFile(f"{key}: must be a list")
    return [str(v).strip() for v in value if str(v).strip()]


def _date(meta: dict[str, Any]) -> date:
    value = meta.get("date")
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise BadEssayFile("date: missing (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise BadEssayFile(f"date: {value!r} is not a date (YYYY-MM-DD)") from error


def _books(meta: dict[str, Any]) -> tuple[Book, ...]:
    isbns = _list(meta, "books")
    if not isbns:
        raise BadEssayFile("books: list at least one reviewed book by ISBN")
    books = []
    for raw in isbns:
        try:
            isbn = normalize_isbn(raw)
        except ValidationError as error:
            raise BadEssayFile(f"books: {raw!r} is not a valid ISBN") from error
        book = Book.objects.filter(isbn13=isbn).first()
        if book is None:
            raise BadEssayFile(f"books: no book with ISBN {raw} in the catalogue")
        books.append(book)
    return tuple(books)


def _place(meta: dict[str, Any], key: str) -> str:
    value = _text(meta, key)
    if len(value) > PLACE_MAX:
        raise BadEssayFile(f"{key}: at most {PLACE_MAX} characters ({value[:40]!r})")
    return value


def _doi(meta: dict[str, Any]) -> str:
    try:
        return normalise_doi(_text(meta, "doi"))
    except ValidationError as error:
        raise BadEssayFile(f"doi: {' '.join(error.messages)}") from error


def read_essay_file(path: Path) -> EssayFile:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise BadEssayFile("not UTF-8 text") from error
    meta, body = split_front_matter(text)
    unknown = sorted(set(map(str, meta)) - KNOWN_KEYS)
    if unknown:
        raise BadEssayFile(f"unknown front matter key(s): {', '.join(unknown)}")
    heading = None
    if path.suffix.lower() in HTML_SUFFIXES:
        body, heading = html_to_markdown(body)
    if not body.strip():
        raise BadEssayFile("the essay has no text")
    status = _text(meta, "status") or Essay.Status.PUBLISHED
    if status not in Essay.Status.values:
        raise BadEssayFile(f"status: {status!r} is not draft or published")
    books = _books(meta)
    title = _text(meta, "title") or heading or default_title(books)
    slug = slugify(_text(meta, "slug") or title)[:100]
    if not slug:
        raise BadEssayFile("slug: cannot make one from the title; give slug: in the front matter")
    return EssayFile(
        title=title,
        reviewer=_text(meta, "reviewer", required=True),
        reviewer_bio=_text(meta, "reviewer_bio"),
        published_on=_date(meta),
        slug=slug,
        books=books,
        tags=tuple(_list(meta, "tags")),
        status=status,
        summary=_text(meta, "summary"),
        body_markdown=body.strip() + "\n",
        volume=_place(meta, "volume"),
        issue=_place(meta, "issue"),
        doi=_doi(meta),
    )


def _existing(item: EssayFile) -> Essay | None:
    day = item.published_on
    return Essay.objects.filter(
        url_year=day.year, url_month=day.month, url_day=day.day, slug=item.slug
    ).first()


@transaction.atomic
def save_essay_file(item: EssayFile, update: bool) -> str:
    """Create the essay (or, with update, overwrite it); returns what happened."""
    essay = _existing(item)
    if essay is not None and not update:
        return "unchanged"
    fields = {
        "title": item.title,
        "reviewer": reviewer_named(item.reviewer, item.reviewer_bio),
        "published_on": item.published_on,
        "summary": item.summary,
        "body_markdown": item.body_markdown,
        "status": item.status,
        "volume": item.volume,
        "issue": item.issue,
        "doi": item.doi,
    }
    if item.doi:
        taken = Essay.objects.filter(doi=item.doi).exclude(pk=essay.pk if essay else None)
        if taken.exists():
            raise BadEssayFile(f"doi: {item.doi} is already the DOI of “{taken[0].title}”")
    created = essay is None
    essay = essay or Essay(slug=item.slug)
    tags = tags_named(item.tags)
    if not created and _same(essay, fields, item.books, tags):
        return "unchanged"
    for name, value in fields.items():
        setattr(essay, name, value)
    save_essay(essay, books=item.books, tags=tags)
    return "created" if created else "updated"


def _same(essay: Essay, fields: dict[str, Any], books: tuple[Book, ...], tags: list[Any]) -> bool:
    return (
        all(getattr(essay, name) == value for name, value in fields.items())
        and set(essay.books.all()) == set(books)
        and set(essay.tags.all()) == set(tags)
    )


def import_folder(folder: Path, update: bool = False) -> ImportReport:
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder")
    report = ImportReport()
    for path in essay_files(folder):
        name = str(path)
        try:
            outcome = save_essay_file(read_essay_file(path), update)
        except BadEssayFile as error:
            report.rejected.append((name, str(error)))
            continue
        getattr(report, outcome).append(name)
    return report
