"""Fuzzing the essay Markdown pipeline (markdown-it-py, then nh3) and essay import.

Whatever a reviewer writes, the stored HTML has no script or style element, no event
handler attribute and no link or image to a javascript:, vbscript: or data: URL; the
PDF's block structure is built without error; an essay file with any front matter and
body is either read or refused with a BadEssayFile reason.
"""

import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candor.essays.html_to_markdown import html_to_markdown
from candor.essays.importer import BadEssayFile, read_essay_file
from candor.essays.markdown import render_html, to_document
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.hostile import FRAGMENTS, hostile_bytes, hostile_text

DANGEROUS_TAGS = {"script", "style", "iframe", "object", "embed", "form", "svg", "math", "base"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")

MARKDOWN_SYNTAX = [
    "\n\n",
    "## ",
    "> ",
    "- ",
    "1. ",
    "*",
    "**",
    "`",
    "[",
    "](",
    ")",
    "<",
    ">",
    "&",
    "[^1]",
    "\n[^1]: ",
    "(p. 213)",
    "---\n",
    "    ",
]
markdown_text = st.lists(
    st.one_of(st.sampled_from(MARKDOWN_SYNTAX + FRAGMENTS), st.text(max_size=10)), max_size=25
).map("".join)


class Inspector(HTMLParser):
    """Collects everything in the HTML that could run or load something."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}=")
            if name in URL_ATTRIBUTES and value is not None:
                # Browsers ignore whitespace and control characters inside a scheme.
                squeezed = "".join(ch for ch in value if ch > " ").lower()
                if squeezed.startswith(BAD_SCHEMES):
                    self.problems.append(f"{tag} {name}={value!r}")

    handle_startendtag = handle_starttag


def problems_in(html: str) -> list[str]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def test_inspector_finds_what_it_looks_for() -> None:
    # The check itself must be able to fail, or the fuzz tests below prove nothing.
    html = '<p onclick="x()"><a href=" java\tscript:alert(1)">a</a><script>1</script></p>'
    assert len(problems_in(html)) == 3


@fuzz_settings(default=150)
@given(text=markdown_text)
def test_rendered_markdown_never_carries_script(text: str) -> None:
    html = render_html(text)
    assert problems_in(html) == [], (text, html)
    document = to_document(text)
    assert set(document) == {"blocks", "footnotes"}


@fuzz_settings(default=100)
@given(
    html=st.lists(
        st.one_of(
            st.sampled_from([*FRAGMENTS, "<p>", "</p>", "<h1>", "</h1>", "<a href='", "'>"]),
            st.text(max_size=10),
        ),
        max_size=20,
    ).map("".join)
)
def test_html_essays_converted_and_rendered_never_carry_script(html: str) -> None:
    markdown, _ = html_to_markdown(html)
    assert problems_in(render_html(markdown)) == [], (html, markdown)


def read_or_refuse(content: bytes, suffix: str) -> bool:
    """True when the file was read (and renders safely); False when refused with a reason."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"essay{suffix}"
        path.write_bytes(content)
        try:
            essay = read_essay_file(path)
        except BadEssayFile as refusal:
            assert str(refusal)
            return False
        assert essay.books and essay.slug and essay.reviewer
        assert problems_in(render_html(essay.body_markdown)) == []
        return True


@pytest.mark.django_db
def test_essay_files_are_read_or_refused_with_a_reason(book) -> None:
    front = st.dictionaries(
        st.sampled_from(["title", "reviewer", "date", "books", "tags", "slug", "status", "x"]),
        st.one_of(
            hostile_text, st.just(book.isbn13), st.just("2024-03-05"), st.lists(hostile_text)
        ),
        max_size=8,
    ).map(lambda meta: "".join(f"{key}: {value!r}\n" for key, value in meta.items()))

    @fuzz_settings()
    @given(
        content=st.one_of(
            st.tuples(front, markdown_text).map(
                lambda parts: f"---\n{parts[0]}---\n{parts[1]}".encode("utf-8", "surrogatepass")
            ),
            hostile_bytes,
        ),
        suffix=st.sampled_from([".md", ".html"]),
    )
    def check(content: bytes, suffix: str) -> None:
        read_or_refuse(content, suffix)

    check()


@pytest.mark.django_db
def test_well_formed_essay_files_with_hostile_text_are_read_safely(book) -> None:
    # Valid front matter around a hostile title, tags and body: most of these are read.
    front = st.tuples(hostile_text, st.lists(hostile_text, max_size=3)).map(
        lambda parts: (
            f"title: {parts[0]!r}\nreviewer: Rosa\ndate: 2024-03-05\n"
            f"books: ['{book.isbn13}']\ntags: {parts[1]!r}\n"
        )
    )
    read: list[bool] = []

    @fuzz_settings()
    @given(front=front, body=markdown_text, suffix=st.sampled_from([".md", ".html"]))
    def check(front: str, body: str, suffix: str) -> None:
        content = f"---\n{front}---\n{body}\n\nA closing paragraph.\n"
        read.append(read_or_refuse(content.encode("utf-8", "surrogatepass"), suffix))

    check()
    assert any(read), "no well-formed file was read: the generator is broken"
