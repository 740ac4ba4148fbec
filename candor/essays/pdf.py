"""The PDF of an essay, made by Typst from candor/essays/typst/essay.typ.

The template receives the essay only as JSON (sys.inputs["essay"]). PDFs are cached
on disk under a key made from that JSON and the template, so any change to the essay,
its reviewer or its books makes a new PDF; if the cache cannot be written (a full
disk, a read-only folder) the PDF is still served from memory.
"""

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import typst
from django.conf import settings

from candor.essays.bibliography import book_reference, join_names
from candor.essays.journal import placement
from candor.essays.markdown import to_document
from candor.essays.models import Essay

TEMPLATE = Path(__file__).with_name("typst") / "essay.typ"
log = logging.getLogger(__name__)


def pdf_document(essay: Essay, url: str) -> dict[str, Any]:
    """Everything the template shows, as JSON-ready data."""
    books = [book_reference(book) for book in essay.books.all()]
    reviewed = "; ".join(
        b.full_title + (f" by {join_names(b.authors)}" if b.authors else "") for b in books
    )
    day = essay.published_on
    place = placement(essay)
    return {
        "journal": {
            "name": place.journal,
            "issn": place.issn,
            "volume": place.volume,
            "issue": place.issue,
            "doi": place.doi,
            "doi_url": place.doi_url,
            "details": place.details,
        },
        "title": essay.title,
        "reviewer": essay.reviewer.name,
        "reviewer_bio": essay.reviewer.bio,
        "url": url,
        "date": {"year": day.year, "month": day.month, "day": day.day},
        "date_text": f"{day:%B} {day.day}, {day.year}",
        "subject": f"A review of {reviewed}" if reviewed else "A review essay",
        "keywords": [tag.name for tag in essay.tags.all()],
        "books": [book.as_data() for book in books],
        "body": to_document(essay.body_markdown),
    }


def render_pdf(document: dict[str, Any]) -> bytes:
    # Only the fonts embedded in Typst: the same PDF on every machine, and no
    # scan of the system's fonts on each call.
    compiler = typst.Compiler(ignore_system_fonts=True)
    pdf = compiler.compile(input=TEMPLATE, format="pdf", sys_inputs={"essay": json.dumps(document)})
    assert isinstance(pdf, bytes)
    return pdf


def cache_key(document: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(document, sort_keys=True).encode())
    digest.update(TEMPLATE.read_bytes())
    return digest.hexdigest()[:32]


def cache_dir() -> Path:
    return Path(settings.ESSAY_PDF_CACHE_DIR)


def essay_pdf(essay: Essay, url: str) -> bytes:
    """The essay's PDF: from the cache when the essay is unchanged, else built and stored."""
    document = pdf_document(essay, url)
    path = cache_dir() / f"essay-{essay.pk}-{cache_key(document)}.pdf"
    try:
        return path.read_bytes()
    except OSError:
        pass
    pdf = render_pdf(document)
    try:
        _store(path, pdf)
    except OSError as error:
        log.warning("PDF cache not written (%s): serving essay %s from memory", error, essay.pk)
    return pdf


def _store(path: Path, pdf: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a reader never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(pdf)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise
    for stale in path.parent.glob(f"essay-{path.name.split('-')[1]}-*.pdf"):
        if stale != path:
            stale.unlink(missing_ok=True)
