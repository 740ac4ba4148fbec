"""Citations: every format records the reviewed work."""

import json
from typing import Any

from django.test import Client

ESSAY_URL = "http://testserver/essays/2024/03/05/allies-at-odds/"


def download(client: Client, essay: Any, kind: str) -> str:
    response = client.get(essay.citation_url(kind))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return response.content.decode()


def test_csl_json_is_a_book_review_naming_the_reviewed_work(
    client: Client, make_essay: Any
) -> None:
    essay = make_essay(title="Allies at Odds", tags=["Korean War"])
    (item,) = json.loads(download(client, essay, "json"))
    assert item["type"] == "review-book"
    assert item["title"] == "Allies at Odds"
    assert item["author"] == [{"literal": "Rosa Reviewer"}]
    assert item["issued"] == {"date-parts": [[2024, 3, 5]]}
    assert item["URL"] == ESSAY_URL
    assert item["reviewed-title"] == "Uncertain Partners: Stalin, Mao, and the Korean War"
    assert item["reviewed-author"] == [
        {"literal": "Sergei N. Goncharov"},
        {"literal": "John W. Lewis"},
        {"literal": "Xue Litai"},
    ]


def test_bibtex_records_the_review_and_escapes_special_characters(
    client: Client, make_essay: Any
) -> None:
    essay = make_essay(title="Allies at Odds: 50% & #1")
    text = download(client, essay, "bib")
    assert text.startswith("@misc{reviewer2024allies,")
    assert "author = {Rosa Reviewer}" in text
    assert r"title = {{Allies at Odds: 50\% \& \#1}}" in text
    assert "month = mar" in text and "date = {2024-03-05}" in text
    assert (
        r"note = {Review of \emph{Uncertain Partners: Stalin, Mao, and the Korean War}, "
        "by Sergei N. Goncharov, John W. Lewis, and Xue Litai "
        "(Stanford: Stanford University Press, 1993), ISBN 978-0-8047-2115-8}"
    ) in text


def test_ris_is_a_web_page_with_the_reviewed_book_in_a_note(
    client: Client, make_essay: Any
) -> None:
    essay = make_essay(title="Allies at Odds", tags=["Korean War"])
    lines = download(client, essay, "ris").split("\r\n")
    assert lines[0] == "TY  - ELEC"
    assert "TI  - Allies at Odds" in lines
    assert "AU  - Rosa Reviewer" in lines
    assert f"UR  - {ESSAY_URL}" in lines
    assert "DA  - 2024/03/05/" in lines
    assert "KW  - Korean War" in lines
    note = next(line for line in lines if line.startswith("N1  - "))
    assert note.startswith("N1  - Review of: Uncertain Partners: Stalin, Mao, and the Korean War.")
    assert "Stanford: Stanford University Press, 1993. 393 pp. ISBN 978-0-8047-2115-8." in note
    assert lines[-2:] == ["ER  - ", ""]


def test_cite_box_has_a_formatted_citation_and_the_downloads(
    client: Client, make_essay: Any
) -> None:
    essay = make_essay(title="Allies at Odds")
    page = client.get(essay.get_absolute_url()).content.decode()
    assert (
        "Rosa Reviewer. “Allies at Odds.” Review of <cite>Uncertain Partners: Stalin, Mao, "
        "and the Korean War</cite>, by Sergei N. Goncharov, John W. Lewis, and Xue Litai. "
        "Candor, March 5, 2024."
    ) in page
    for kind in ("bib", "ris", "json"):
        assert essay.citation_url(kind) in page
