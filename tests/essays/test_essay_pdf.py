"""The PDF: a round trip through pypdf, metadata, the cache."""

import io
import re
from pathlib import Path
from typing import Any

import pypdf
from django.test import Client

from candor.essays.models import Essay
from candor.essays.services import save_essay

DISCLAIMER = "This PDF was generated automatically for reference"


def fetch_pdf(client: Client, essay: Essay) -> pypdf.PdfReader:
    response = client.get(essay.pdf_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return pypdf.PdfReader(io.BytesIO(response.content))


def squashed(text: str) -> str:
    """Text without whitespace: long URLs wrap across lines in a PDF."""
    return "".join(text.split())


def test_demo_essay_pdf_round_trip(client: Client, demo_essays: list[Essay]) -> None:
    essay = demo_essays[0]
    reader = fetch_pdf(client, essay)
    pages = [page.extract_text() for page in reader.pages]
    first = pages[0]
    assert essay.title in first
    assert essay.reviewer.name in first
    assert DISCLAIMER in first
    assert "the version of record" in first
    canonical = f"http://testserver/essays/2024/03/05/{essay.slug}/"
    assert squashed(canonical) in squashed(first)
    # The running header: never on page 1, exactly once on every later page.
    header = f"{essay.title} — {essay.reviewer.name}"
    assert len(pages) >= 2
    assert header not in first
    for text in pages[1:]:
        assert text.count(header) == 1
    # Page numbers "n / N" agree with the number of pages in the file.
    for number, text in enumerate(pages, start=1):
        assert re.search(rf"\b{number} / {len(pages)}\b", text), number
    # The book's bibliographic block, the footnotes and the bio are all there.
    everything = "\n".join(pages)
    assert "Stanford, California: Stanford University Press, 1993" in everything
    assert "ISBN 978-0-8047-2115-8" in everything
    assert "page references are illustrative" in everything
    assert "About the author" in pages[-1]
    assert "(pp. 213\u2013290)" in everything


def test_pdf_metadata_names_title_author_subject_and_date(
    client: Client, demo_essays: list[Essay]
) -> None:
    essay = demo_essays[1]
    meta = fetch_pdf(client, essay).metadata
    assert meta is not None
    assert meta.title == essay.title
    assert meta.author == essay.reviewer.name
    assert meta.subject is not None and "China's Road to the Korean War" in meta.subject
    assert "Korean War" in str(meta.get("/Keywords"))
    assert str(meta.get("/CreationDate")).startswith("D:20240618")


def test_pdf_is_cached_and_rebuilt_when_the_essay_changes(
    client: Client, make_essay: Any, pdf_cache: Path
) -> None:
    essay = make_essay("First version of the text.")
    first = client.get(essay.pdf_url()).content
    cached = list(pdf_cache.glob("*.pdf"))
    assert len(cached) == 1 and cached[0].read_bytes() == first
    assert client.get(essay.pdf_url()).content == first

    essay.body_markdown = "Second version, rewritten."
    save_essay(essay)
    reader = fetch_pdf(client, essay)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Second version, rewritten." in text and "First version" not in text
    # The stale file was replaced, not kept beside the new one.
    assert len(list(pdf_cache.glob("*.pdf"))) == 1


def test_pdf_served_from_memory_when_the_cache_cannot_be_written(
    client: Client, make_essay: Any, settings: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    settings.ESSAY_PDF_CACHE_DIR = blocker / "pdfs"
    essay = make_essay("Still readable when the disk is full.")
    reader = fetch_pdf(client, essay)
    assert "Still readable when the disk is full." in reader.pages[0].extract_text()


def test_pdf_shows_the_journal_its_volume_issue_issn_and_doi(
    client: Client, make_essay: Any
) -> None:
    from candor.essays.models import Journal

    Journal.objects.all().delete()
    Journal.objects.create(name="Candor Review of Books", issn="2049-3630")
    essay = make_essay(volume="12", issue="3", doi="10.5555/candor.2024.3")
    first = fetch_pdf(client, essay).pages[0].extract_text()
    assert "CANDOR REVIEW OF BOOKS · REVIEW ESSAY" in first
    assert "Vol. 12, no. 3 · ISSN 2049-3630" in first
    assert squashed("DOI: https://doi.org/10.5555/candor.2024.3") in squashed(first)


def test_pdf_without_a_place_in_the_journal_shows_only_its_name(
    client: Client, make_essay: Any
) -> None:
    first = fetch_pdf(client, make_essay()).pages[0].extract_text()
    assert "CANDOR · REVIEW ESSAY" in first
    assert "ISSN" not in first and "Vol." not in first and "DOI" not in first
