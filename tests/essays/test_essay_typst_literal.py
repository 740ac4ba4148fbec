"""Property: whatever text reaches the Typst template is printed as written, never run."""

import io
from typing import Any

import pypdf
from hypothesis import given, settings
from hypothesis import strategies as st

from candor.essays.pdf import render_pdf

# Characters with a meaning in Typst markup or code, plus letters and digits.
ALPHABET = "#$@][}{)(*_`\\<>=~^%&/:;\"'+-.,!?|abcdefghijklmnopqrstuvwxyz0123456789"
WORD = st.text(alphabet=ALPHABET, min_size=1, max_size=12)
TEXT = st.lists(WORD, min_size=1, max_size=12).map(" ".join)


def document(title: str, text: str) -> dict[str, Any]:
    run = {"text": text, "emph": False, "strong": False, "code": False, "link": None}
    return {
        "journal": {
            "name": text,
            "issn": "",
            "volume": text,
            "issue": "",
            "doi": "",
            "doi_url": "",
            "details": text,
        },
        "title": title,
        "reviewer": "R",
        "reviewer_bio": text,
        "url": "http://testserver/essays/2024/03/05/x/",
        "date": {"year": 2024, "month": 3, "day": 5},
        "date_text": "March 5, 2024",
        "subject": text,
        "keywords": [text],
        "books": [],
        "body": {
            "blocks": [{"type": "paragraph", "runs": [run, {"footnote": "0"}]}],
            "footnotes": {"0": [{"type": "paragraph", "runs": [run]}]},
        },
    }


@settings(max_examples=25, deadline=None)
@given(title=TEXT, text=TEXT)
def test_any_text_is_printed_literally(title: str, text: str) -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(document(title, text))))
    assert len(reader.pages) == 1
    # Hyphenation in justified text shows up as soft hyphens in the extracted text.
    printed = reader.pages[0].extract_text().replace("\xad", "")
    squash = "".join
    assert squash(title.split()) in squash(printed.split())
    # Journal details, body, footnote and bio: four times; the journal's name in capitals.
    assert squash(printed.split()).count(squash(text.split())) >= 4
    assert squash(text.upper().split()) in squash(printed.split())
    assert reader.metadata is not None and reader.metadata.title == title
