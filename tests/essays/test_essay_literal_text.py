"""Text a reviewer writes is shown as written: never HTML, never Typst markup."""

import io
from typing import Any

import pypdf
from django.test import Client

from candor.essays.models import Reviewer

TRICKY_BODY = """## Costs in $ and # of pages

He wrote #set text(fill: red) and $x^2$ and @fig ] and <script>alert(1)</script> here.[^1]

> A quote with ] and #strong[not bold] and *real emphasis*.

[^1]: A note with $5 and #pagebreak() and @someone ].
"""


def pdf_text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_special_characters_appear_literally_on_page_and_in_pdf(
    client: Client, make_essay: Any
) -> None:
    reviewer = Reviewer.objects.create(name="Ann #Hash $Dollar", bio="Bio with ] and @ and #.")
    essay = make_essay(TRICKY_BODY, title="On # and $ and @ and ] <script>", reviewer=reviewer)

    page = client.get(essay.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "#set text(fill: red) and $x^2$ and @fig ]" in page
    assert "#strong[not bold]" in page
    assert "A note with $5 and #pagebreak() and @someone ]" in page
    assert "On # and $ and @ and ] &lt;script&gt;" in page

    text = pdf_text(client, essay.pdf_url())
    assert "On # and $ and @ and ] <script>" in text
    assert "Ann #Hash $Dollar" in text
    assert "#set text(fill: red) and $x^2$ and @fig ]" in text
    assert "<script>alert(1)</script>" in text
    assert "#strong[not bold]" in text
    assert "$5 and #pagebreak() and @someone ]" in text
    assert "Bio with ] and @ and #." in text
    # One page: "#pagebreak()" in a footnote did not break the page.
    assert len(pypdf.PdfReader(io.BytesIO(client.get(essay.pdf_url()).content)).pages) == 1
