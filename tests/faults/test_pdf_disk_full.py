"""Disk full while caching an essay's PDF: the reader still gets the PDF and the page.

The write is made to fail the way a full disk fails: part of the file is written, then
ENOSPC. The response must be the whole PDF, built in memory; the cache must hold no
partial file that a later request could serve; once there is room again, the next
request stores the PDF.
"""

import errno
import io
import os
from datetime import date
from pathlib import Path
from typing import Any

import pypdf
import pytest

from candor.essays import pdf as essay_pdf_module
from candor.essays.models import Essay, Reviewer
from candor.essays.services import save_essay

pytestmark = pytest.mark.django_db


class FullDisk(io.RawIOBase):
    """A file that takes a little, then fails with ENOSPC, like a full disk."""

    def __init__(self, fd: int) -> None:
        self.real = os.fdopen(fd, "wb")
        self.room = 512

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if len(data) > self.room:
            self.real.write(bytes(data[: self.room]))
            self.real.flush()
            self.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.real.write(bytes(data))
        self.room -= len(data)
        return len(data)

    def close(self) -> None:
        self.real.close()
        super().close()


class OsWithFullDisk:
    """The os module as the PDF cache sees it, except that files open on a full disk."""

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def fdopen(self, fd: int, mode: str = "r") -> FullDisk:
        return FullDisk(fd)


@pytest.fixture
def essay(book: Any) -> Essay:
    reviewer = Reviewer.objects.create(name="Dora Disk", bio="Dora writes about storage.")
    return save_essay(
        Essay(
            title="A Review Written to a Full Disk",
            body_markdown="## Storage\n\nA *careful* reading (p. 12).[^1]\n\n[^1]: A note.",
            reviewer=reviewer,
            published_on=date(2024, 3, 5),
            status=Essay.Status.PUBLISHED,
        ),
        books=[book],
        tags=[],
    )


@pytest.fixture
def cache(settings: Any, tmp_path: Path) -> Path:
    settings.ESSAY_PDF_CACHE_DIR = tmp_path / "pdf-cache"
    return Path(settings.ESSAY_PDF_CACHE_DIR)


def assert_whole_pdf(content: bytes, title: str) -> None:
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert reader.metadata is not None and reader.metadata.title == title
    assert len(reader.pages) >= 1


def test_pdf_and_page_still_serve_when_the_cache_disk_is_full(
    client: Any, essay: Essay, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(essay_pdf_module, "os", OsWithFullDisk())

    for _ in range(2):  # the disk stays full: every request builds the PDF in memory
        response = client.get(essay.pdf_url())
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert_whole_pdf(response.content, essay.title)
        assert not [p for p in cache.iterdir() if p.is_file()], "a partial file was left"

    page = client.get(essay.get_absolute_url())
    assert page.status_code == 200
    assert essay.title in page.content.decode()

    monkeypatch.undo()  # room again: the next request stores the PDF whole
    served = client.get(essay.pdf_url()).content
    stored = list(cache.glob("*.pdf"))
    assert len(stored) == 1 and stored[0].read_bytes() == served
    assert_whole_pdf(served, essay.title)
