"""How to cite an essay: a formatted citation and BibTeX, RIS and CSL-JSON records.

An essay is a review, so every record names the reviewed work:
- CSL-JSON has fields for it: type "review-book", "reviewed-title", "reviewed-author";
- BibTeX has none: the entry is @misc and its note reads "Review of <title>, by
  <authors> (<imprint>), ISBN <isbn>" (biblatex users can read it the same way);
- RIS has none either: the entry is ELEC (a web page), T2 is the site ("Candor") and
  one N1 note per reviewed book holds its bibliographic block.
"""

import json
from dataclasses import dataclass
from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import slugify

from candor.essays.bibliography import BookReference, book_reference, join_names
from candor.essays.models import Essay

SITE_NAME = "Candor"
_KEY_SKIP = {"a", "an", "the", "on", "of", "review"}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


@dataclass(frozen=True)
class CitationData:
    key: str
    title: str
    reviewer: str
    url: str
    year: int
    month: int
    day: int
    books: tuple[BookReference, ...]
    tags: tuple[str, ...]

    @property
    def date_text(self) -> str:
        return f"{date(self.year, self.month, self.day):%B} {self.day}, {self.year}"


def citation_data(essay: Essay, url: str) -> CitationData:
    day = essay.published_on
    first_word = slugify(essay.title).split("-")
    surname = slugify(essay.reviewer.name.split()[-1]) if essay.reviewer.name.split() else "anon"
    word = next((w for w in first_word if w not in _KEY_SKIP), "review")
    key = f"{surname}{day.year}{word}"
    return CitationData(
        key=key.replace("-", ""),
        title=essay.title,
        reviewer=essay.reviewer.name,
        url=url,
        year=day.year,
        month=day.month,
        day=day.day,
        books=tuple(book_reference(book) for book in essay.books.all()),
        tags=tuple(tag.name for tag in essay.tags.all()),
    )


def formatted(data: CitationData) -> SafeString:
    """Chicago-style: Reviewer. “Title.” Review of <i>Book</i>, by A. Candor, date. URL."""
    reviewed = format_html_join(
        "; ",
        "<cite>{}</cite>{}",
        ((b.full_title, f", by {join_names(b.authors)}" if b.authors else "") for b in data.books),
    )
    return format_html(
        '{}. “{}.” Review of {}. {}, {}. <a href="{}">{}</a>.',
        data.reviewer,
        data.title.rstrip("."),
        reviewed,
        SITE_NAME,
        data.date_text,
        data.url,
        data.url,
    )


_BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def bibtex_escape(text: str) -> str:
    return "".join(_BIBTEX_SPECIALS.get(char, char) for char in " ".join(text.split()))


def _bibtex_review_note(book: BookReference) -> str:
    by = f", by {bibtex_escape(join_names(book.authors))}" if book.authors else ""
    imprint = f" ({bibtex_escape(book.imprint)})" if book.imprint else ""
    return f"Review of \\emph{{{bibtex_escape(book.full_title)}}}{by}{imprint}, ISBN {book.isbn}"


def bibtex(data: CitationData) -> str:
    fields = [
        ("author", bibtex_escape(data.reviewer)),
        ("title", "{" + bibtex_escape(data.title) + "}"),
        ("howpublished", SITE_NAME),
        ("year", str(data.year)),
        ("month", _MONTHS[data.month - 1]),
        ("date", f"{data.year:04d}-{data.month:02d}-{data.day:02d}"),
        ("url", data.url),
        ("note", "; ".join(_bibtex_review_note(book) for book in data.books)),
    ]
    if data.tags:
        fields.append(("keywords", bibtex_escape(", ".join(data.tags))))
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
        for name, value in fields
    )
    return f"@misc{{{data.key},\n{body}\n}}\n"


def _ris_value(text: str) -> str:
    return " ".join(text.split())


def ris(data: CitationData) -> str:
    lines = [
        ("TY", "ELEC"),
        ("AU", data.reviewer),
        ("TI", data.title),
        ("T2", SITE_NAME),
        ("PY", str(data.year)),
        ("DA", f"{data.year:04d}/{data.month:02d}/{data.day:02d}/"),
        ("UR", data.url),
    ]
    lines += [("N1", f"Review of: {book.as_text()}") for book in data.books]
    lines += [("KW", tag) for tag in data.tags]
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines)


def csl_json(data: CitationData) -> str:
    item = {
        "id": data.key,
        "type": "review-book",
        "title": data.title,
        "author": [{"literal": data.reviewer}],
        "container-title": SITE_NAME,
        "issued": {"date-parts": [[data.year, data.month, data.day]]},
        "URL": data.url,
        "reviewed-title": "; ".join(book.full_title for book in data.books),
        "reviewed-author": [{"literal": name} for book in data.books for name in book.authors],
        "note": "; ".join(f"Review of: {book.as_text()}" for book in data.books),
    }
    if data.tags:
        item["keyword"] = ", ".join(data.tags)
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"
