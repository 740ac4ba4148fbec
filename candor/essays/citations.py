"""How to cite an essay: a formatted citation and BibTeX, RIS and CSL-JSON records.

An essay is a review published in a journal (`journal.current_journal`: its name and
ISSN; the essay's volume, issue and DOI). Authors are given by family and given name
(`Reviewer.name_parts`, `Person.name_parts`), so reference managers can sort and
abbreviate them. Every record names the reviewed work:
- CSL-JSON has fields for it: type "review-book", "reviewed-title", "reviewed-author";
  "container-title" is the journal;
- BibTeX has none: the entry is @article in the journal and its note reads "Review of
  <title>, by <authors> (<imprint>), ISBN <isbn>" (biblatex users can read it the same way);
- RIS has none either: the entry is JOUR, T2 is the journal and one N1 note per
  reviewed book holds its bibliographic block.
"""

import json
from dataclasses import dataclass
from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import slugify

from candor.catalog.names import NameParts
from candor.essays.bibliography import BookReference, book_reference, join_names
from candor.essays.journal import Placement, placement
from candor.essays.models import Essay

_KEY_SKIP = {"a", "an", "the", "on", "of", "review"}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


@dataclass(frozen=True)
class CitationData:
    key: str
    title: str
    reviewer: str
    author: NameParts
    url: str
    year: int
    month: int
    day: int
    books: tuple[BookReference, ...]
    tags: tuple[str, ...]
    place: Placement

    @property
    def link(self) -> str:
        """Where a reader finds the essay: its DOI when it has one, else its address."""
        return self.place.doi_url or self.url

    @property
    def date_text(self) -> str:
        return f"{date(self.year, self.month, self.day):%B} {self.day}, {self.year}"


def citation_data(essay: Essay, url: str) -> CitationData:
    day = essay.published_on
    first_word = slugify(essay.title).split("-")
    author = essay.reviewer.name_parts
    surname = slugify(author.family) or "anon"
    word = next((w for w in first_word if w not in _KEY_SKIP), "review")
    key = f"{surname}{day.year}{word}"
    return CitationData(
        key=key.replace("-", ""),
        title=essay.title,
        reviewer=essay.reviewer.name,
        author=author,
        url=url,
        year=day.year,
        month=day.month,
        day=day.day,
        books=tuple(book_reference(book) for book in essay.books.all()),
        tags=tuple(tag.name for tag in essay.tags.all()),
        place=placement(essay),
    )


def in_journal(place: Placement, date_text: str) -> tuple[str, str]:
    """The journal's name and what follows it in a Chicago citation: " 12, no. 3
    (March 5, 2024)", or ", March 5, 2024" without a volume or issue."""
    number = ", ".join(
        part for part in (place.volume, f"no. {place.issue}" if place.issue else "") if part
    )
    if not number:
        return place.journal, f", {date_text}"
    joiner = " " if place.volume else ", "
    return place.journal, f"{joiner}{number} ({date_text})"


def formatted(data: CitationData) -> SafeString:
    """Chicago-style: Reviewer. “Title.” Review of <cite>Book</cite>, by A. <i>Journal</i>
    12, no. 3 (date). DOI link, or the address."""
    reviewed = format_html_join(
        "; ",
        "<cite>{}</cite>{}",
        ((b.full_title, f", by {join_names(b.authors)}" if b.authors else "") for b in data.books),
    )
    journal, after = in_journal(data.place, data.date_text)
    return format_html(
        '{}. “{}.” Review of {}. <i>{}</i>{}. <a href="{}">{}</a>.',
        data.reviewer,
        data.title.rstrip("."),
        reviewed,
        journal,
        after,
        data.link,
        data.link,
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


def bibtex_name_part(part: str) -> str:
    """A name part as BibTeX reads it: braced when a comma or the word "and" in it would
    otherwise split the name or the list of names."""
    escaped = bibtex_escape(part)
    needs_braces = "," in part or " and " in f" {part.lower()} "
    return "{" + escaped + "}" if needs_braces else escaped


def bibtex_name(name: NameParts) -> str:
    """ "Family, Given": BibTeX's form that says which part is which (a particle such as
    "van der" written before the family name is read with it)."""
    family = bibtex_name_part(name.family)
    return f"{family}, {bibtex_name_part(name.given)}" if name.given else family


def bibtex(data: CitationData) -> str:
    place = data.place
    fields = [
        ("author", bibtex_name(data.author)),
        ("title", "{" + bibtex_escape(data.title) + "}"),
        ("journal", bibtex_escape(place.journal)),
    ]
    fields += [
        (name, bibtex_escape(value))
        for name, value in (
            ("issn", place.issn),
            ("volume", place.volume),
            ("number", place.issue),
            ("doi", place.doi),
        )
        if value
    ]
    fields += [
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
    return f"@article{{{data.key},\n{body}\n}}\n"


def _ris_value(text: str) -> str:
    return " ".join(text.split())


def ris(data: CitationData) -> str:
    place = data.place
    lines = [
        ("TY", "JOUR"),
        ("AU", data.author.inverted),
        ("TI", data.title),
        ("T2", place.journal),
    ]
    lines += [
        (tag, value)
        for tag, value in (
            ("SN", place.issn),
            ("VL", place.volume),
            ("IS", place.issue),
            ("DO", place.doi),
        )
        if value
    ]
    lines += [
        ("PY", str(data.year)),
        ("DA", f"{data.year:04d}/{data.month:02d}/{data.day:02d}/"),
        ("UR", data.url),
    ]
    lines += [("N1", f"Review of: {book.as_text()}") for book in data.books]
    lines += [("KW", tag) for tag in data.tags]
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines)


def csl_name(family: str, given: str) -> dict[str, str]:
    return {"family": family, "given": given} if given else {"family": family}


def csl_json(data: CitationData) -> str:
    place = data.place
    item: dict[str, object] = {
        "id": data.key,
        "type": "review-book",
        "title": data.title,
        "author": [csl_name(data.author.family, data.author.given)],
        "container-title": place.journal,
    }
    item |= {
        name: value
        for name, value in (
            ("ISSN", place.issn),
            ("volume", place.volume),
            ("issue", place.issue),
            ("DOI", place.doi),
        )
        if value
    }
    item |= {
        "issued": {"date-parts": [[data.year, data.month, data.day]]},
        "URL": data.url,
        "reviewed-title": "; ".join(book.full_title for book in data.books),
        "reviewed-author": [
            csl_name(credit.family, credit.given)
            for book in data.books
            for credit in book.author_credits
        ],
        "note": "; ".join(f"Review of: {book.as_text()}" for book in data.books),
    }
    if data.tags:
        item["keyword"] = ", ".join(data.tags)
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"
