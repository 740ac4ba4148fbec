"""Citations: every format names the journal, the essay's place in it, its DOI, the
reviewed work, and every person by family and given name. Each format is read back by a
parser: JSON and a CSL processor (citeproc-py), a BibTeX parser (bibtexparser), and a
strict reader of RIS lines."""

import json
import re
import warnings
from typing import Any

import bibtexparser
import pytest
from bibtexparser import middlewares
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as citeproc_formatter
from citeproc.source.json import CiteProcJSON
from django.test import Client

from candor.catalog.models import Person
from candor.essays.models import Essay, Journal, Reviewer

ESSAY_URL = "http://testserver/essays/2024/03/05/allies-at-odds/"
DOI = "10.5555/candor.2024.3"


@pytest.fixture
def journal(db: Any) -> Journal:
    Journal.objects.all().delete()
    return Journal.objects.create(name="Candor Review of Books", issn="2049-3630")


@pytest.fixture
def placed(make_essay: Any, journal: Journal) -> Essay:
    """An essay in volume 12, issue 3, with a DOI; the book's third author's name parts
    corrected by an editor (family name first as written)."""
    Person.objects.filter(name="Xue Litai").update(family_name="Xue", given_name="Litai")
    return make_essay(title="Allies at Odds", tags=["Korean War"], volume="12", issue="3", doi=DOI)


def download(client: Client, essay: Essay, kind: str) -> str:
    response = client.get(essay.citation_url(kind))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response.content.decode()


def csl_item(client: Client, essay: Essay) -> dict[str, Any]:
    items = json.loads(download(client, essay, "json"))
    assert isinstance(items, list) and len(items) == 1
    item: dict[str, Any] = items[0]
    return item


def names_in(value: Any) -> list[dict[str, str]]:
    """Every CSL name object anywhere in the item."""
    if isinstance(value, dict):
        own = [value] if {"family", "given", "literal"} & value.keys() else []
        return own + [name for child in value.values() for name in names_in(child)]
    if isinstance(value, list):
        return [name for child in value for name in names_in(child)]
    return []


def test_csl_json_names_journal_place_doi_and_people_by_parts(
    client: Client, placed: Essay
) -> None:
    item = csl_item(client, placed)
    assert item["type"] == "review-book"
    assert item["title"] == "Allies at Odds"
    assert item["author"] == [{"family": "Reviewer", "given": "Rosa"}]
    assert item["container-title"] == "Candor Review of Books"
    assert (item["ISSN"], item["volume"], item["issue"]) == ("2049-3630", "12", "3")
    assert item["DOI"] == DOI
    assert item["issued"] == {"date-parts": [[2024, 3, 5]]}
    assert item["URL"] == ESSAY_URL
    assert item["reviewed-title"] == "Uncertain Partners: Stalin, Mao, and the Korean War"
    assert item["reviewed-author"] == [
        {"family": "Goncharov", "given": "Sergei N."},
        {"family": "Lewis", "given": "John W."},
        {"family": "Xue", "given": "Litai"},
    ]
    assert not [name for name in names_in(item) if "literal" in name]


def test_csl_json_leaves_out_what_the_essay_does_not_have(client: Client, make_essay: Any) -> None:
    item = csl_item(client, make_essay(title="Allies at Odds"))
    assert item["container-title"] == "Candor"  # no journal row yet: the site's name
    assert not {"ISSN", "volume", "issue", "DOI"} & item.keys()


def test_a_csl_processor_reads_the_author_as_family_and_given(
    client: Client, placed: Essay
) -> None:
    item = csl_item(client, placed)
    with warnings.catch_warnings():
        # citeproc-py has no fields for what a review reviews; the rest is what matters.
        warnings.simplefilter("ignore", UserWarning)
        source = CiteProcJSON([item])
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, citeproc_formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    (entry,) = (str(text) for text in bibliography.bibliography())
    assert entry.startswith("Reviewer, R. (2024)")
    assert "Candor Review of Books" in entry and f"https://doi.org/{DOI}" in entry


def parse_bibtex(text: str) -> Any:
    library = bibtexparser.parse_string(
        text,
        # Names are split before LaTeX is decoded, so braces keep their meaning.
        append_middleware=[
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
            middlewares.LatexDecodingMiddleware(),
        ],
    )
    assert not library.failed_blocks
    (entry,) = library.entries
    return entry


def test_bibtex_is_an_article_in_the_journal(client: Client, placed: Essay) -> None:
    entry = parse_bibtex(download(client, placed, "bib"))
    assert (entry.entry_type, entry.key) == ("article", "reviewer2024allies")
    fields = {field.key: field.value for field in entry.fields}
    (author,) = fields["author"]
    assert (author.last, author.first, author.von) == (["Reviewer"], ["Rosa"], [])
    assert fields["journal"] == "Candor Review of Books"
    assert fields["issn"] == "2049-3630"
    assert (fields["volume"], fields["number"]) == ("12", "3")
    assert fields["doi"] == DOI
    assert (fields["year"], fields["month"], fields["date"]) == ("2024", "mar", "2024-03-05")
    assert fields["url"] == ESSAY_URL
    assert "howpublished" not in fields
    assert fields["note"].startswith("Review of Uncertain Partners: Stalin, Mao, and the Korean")


def test_bibtex_escapes_special_characters_and_keeps_name_particles(
    client: Client, make_essay: Any
) -> None:
    reviewer = Reviewer.objects.create(
        name="Anna van der Berg", family_name="van der Berg", given_name="Anna"
    )
    essay = make_essay(title="Allies at Odds: 50% & #1 {x} ~_^$", reviewer=reviewer)
    text = download(client, essay, "bib")
    assert r"title = {{Allies at Odds: 50\% \& \#1 \{x\}" in text
    entry = parse_bibtex(text)
    fields = {field.key: field.value for field in entry.fields}
    # Read back as written (pylatexenc spells the circumflex as a modifier letter).
    assert fields["title"].startswith("Allies at Odds: 50% & #1 {x} ~_")
    (author,) = fields["author"]
    assert (author.von, author.last, author.first) == (["van", "der"], ["Berg"], ["Anna"])
    assert entry.key == "vanderberg2024allies"
    assert not {"issn", "volume", "number", "doi"} & fields.keys()


def test_bibtex_braces_a_name_part_that_would_split_the_name(
    client: Client, make_essay: Any
) -> None:
    reviewer = Reviewer.objects.create(
        name="Research and Review Group", family_name="Research and Review Group"
    )
    entry = parse_bibtex(download(client, make_essay(reviewer=reviewer), "bib"))
    (author,) = {field.key: field.value for field in entry.fields}["author"]
    assert author.last == ["{Research and Review Group}"]


RIS_LINE = re.compile(r"([A-Z][A-Z0-9])  - (.*)")


def parse_ris(text: str) -> list[tuple[str, str]]:
    """Every line as (tag, value); each must be a well-formed RIS line ending in CRLF."""
    assert text.endswith("\r\n")
    lines = text[:-2].split("\r\n")
    parsed = []
    for line in lines:
        match = RIS_LINE.fullmatch(line) or RIS_LINE.fullmatch(line + " ")
        assert match, f"not an RIS line: {line!r}"
        parsed.append((match.group(1), match.group(2)))
    return parsed


def test_ris_is_a_journal_article_with_issn_volume_issue_and_doi(
    client: Client, placed: Essay
) -> None:
    lines = parse_ris(download(client, placed, "ris"))
    assert lines[0] == ("TY", "JOUR") and lines[-1] == ("ER", "")
    tags = dict(lines)
    assert tags["AU"] == "Reviewer, Rosa"
    assert tags["TI"] == "Allies at Odds"
    assert tags["T2"] == "Candor Review of Books"
    assert (tags["SN"], tags["VL"], tags["IS"], tags["DO"]) == ("2049-3630", "12", "3", DOI)
    assert (tags["PY"], tags["DA"], tags["UR"]) == ("2024", "2024/03/05/", ESSAY_URL)
    assert tags["KW"] == "Korean War"
    assert tags["N1"].startswith("Review of: Uncertain Partners: Stalin, Mao, and the Korean War.")
    assert (
        "Stanford: Stanford University Press, 1993. 393 pp. ISBN 978-0-8047-2115-8." in (tags["N1"])
    )
    assert [tag for tag, _ in lines].count("AU") == 1


def test_ris_leaves_out_what_the_essay_does_not_have(client: Client, make_essay: Any) -> None:
    tags = dict(parse_ris(download(client, make_essay(title="Allies at Odds"), "ris")))
    assert tags["T2"] == "Candor"
    assert not {"SN", "VL", "IS", "DO"} & tags.keys()


def test_page_shows_journal_volume_issue_issn_doi_and_the_citation(
    client: Client, placed: Essay
) -> None:
    page = client.get(placed.get_absolute_url()).content.decode()
    assert '<cite class="journal-name">Candor Review of Books</cite>' in page
    assert "Vol. 12, no. 3 · ISSN 2049-3630" in page
    assert f'<a href="https://doi.org/{DOI}">https://doi.org/{DOI}</a>' in page
    assert (
        "Rosa Reviewer. “Allies at Odds.” Review of <cite>Uncertain Partners: Stalin, Mao, "
        "and the Korean War</cite>, by Sergei N. Goncharov, John W. Lewis, and Xue Litai. "
        "<i>Candor Review of Books</i> 12, no. 3 (March 5, 2024). "
        f'<a href="https://doi.org/{DOI}">'
    ) in page
    for kind in ("bib", "ris", "json"):
        assert placed.citation_url(kind) in page


def test_page_without_volume_or_doi_cites_the_journal_and_the_address(
    client: Client, make_essay: Any
) -> None:
    essay = make_essay(title="Allies at Odds")
    page = client.get(essay.get_absolute_url()).content.decode()
    assert f'<i>Candor</i>, March 5, 2024. <a href="{ESSAY_URL}">' in page
    assert "DOI:" not in page and "ISSN" not in page
