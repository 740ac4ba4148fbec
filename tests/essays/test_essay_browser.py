"""In Chromium: a reader opens a demo essay, follows "Download PDF", gets the PDF."""

import io

import pypdf
import pytest

from candor.essays.models import Essay
from tests.browser.conftest import browser, output_dir, page  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_opens_an_essay_and_downloads_its_pdf(  # type: ignore[no-untyped-def]
    page,  # noqa: F811
    live_server,
    demo_essays: list[Essay],
    output_dir,  # noqa: F811
) -> None:
    essay = demo_essays[0]
    page.goto(f"{live_server.url}/essays/")
    page.click(f"text={essay.title}")
    page.wait_for_selector("h1.essay-title")
    assert page.locator("h1.essay-title").inner_text() == essay.title
    assert page.locator(".essay-about").is_visible()
    assert page.locator(".cite-box .citation").inner_text().startswith(essay.reviewer.name)
    page.screenshot(path=str(output_dir / "essay-page.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("text=Download PDF")
    download = download_info.value
    assert download.url == f"{live_server.url}{essay.pdf_url()}"
    path = download.path()
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    assert essay.title in reader.pages[0].extract_text()
    download.save_as(output_dir / "essay.pdf")
