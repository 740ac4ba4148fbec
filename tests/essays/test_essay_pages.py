"""The essay page, drafts, the index, tag and reviewer pages, the book page link."""

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from candor.essays.models import Essay
from candor.essays.services import save_essay
from tests.conftest import client_for

BODY = """## The argument

Chapter three is the heart of the book (p. 213).[^1]

> Quoted with *care*.

[^1]: A footnote about sources.
"""


def essay_urls(essay: Essay) -> list[str]:
    return [
        essay.get_absolute_url(),
        essay.pdf_url(),
        *(essay.citation_url(kind) for kind in ("bib", "ris", "json")),
    ]


def test_canonical_url_has_zero_padded_date_and_slug(make_essay: Any) -> None:
    essay = make_essay(title="Allies at Odds")
    assert essay.get_absolute_url() == "/essays/2024/03/05/allies-at-odds/"
    assert essay.pdf_url() == "/essays/2024/03/05/allies-at-odds.pdf"


def test_canonical_url_stays_when_title_and_date_change(client: Client, make_essay: Any) -> None:
    essay = make_essay(title="Allies at Odds")
    url = essay.get_absolute_url()
    essay.title = "A Completely Different Title"
    essay.published_on = date(2025, 1, 9)
    save_essay(essay)
    essay.refresh_from_db()
    assert essay.get_absolute_url() == url
    response = client.get(url)
    assert response.status_code == 200
    assert "A Completely Different Title" in response.content.decode()


def test_default_title_names_the_book(make_essay: Any) -> None:
    essay = make_essay(title="")
    assert essay.title == "Review \u2013 Uncertain Partners"
    assert essay.slug == "review-uncertain-partners"


def test_two_essays_on_one_day_get_different_addresses(make_essay: Any) -> None:
    first, second = make_essay(title="Same Title"), make_essay(title="Same Title")
    assert first.get_absolute_url() != second.get_absolute_url()
    assert second.slug == "same-title-2"


def test_reader_sees_body_footnotes_bibliography_bio_and_cite_box(
    client: Client, make_essay: Any
) -> None:
    essay = make_essay(BODY, tags=["Korean War"])
    page = client.get(essay.get_absolute_url()).content.decode()
    assert "<h2>The argument</h2>" in page
    assert "(p. 213)" in page
    assert 'class="footnote-ref"' in page and "A footnote about sources." in page
    assert "<blockquote>" in page
    # The bibliographic block from the catalogue.
    assert "Uncertain Partners: Stalin, Mao, and the Korean War" in page
    assert "By Sergei N. Goncharov, John W. Lewis, and Xue Litai." in page
    assert "Stanford: Stanford University Press, 1993." in page
    assert "393 pp." in page and "ISBN 978-0-8047-2115-8" in page
    # The bio comes after the body; the cite box and PDF link are there.
    assert page.index("About the author") > page.index("A footnote about sources.")
    assert "Rosa Reviewer writes about alliances and archives." in page
    assert "Download PDF" in page and essay.pdf_url() in page
    assert "Cite this" in page and "Rosa Reviewer. “" in page
    assert "http://testserver/essays/2024/03/05/" in page


def test_stored_html_is_rendered_at_save_time(make_essay: Any) -> None:
    essay = make_essay("Plain *emphasis*.")
    assert Essay.objects.get(pk=essay.pk).body_html == "<p>Plain <em>emphasis</em>.</p>\n"


@pytest.fixture
def draft(make_essay: Any) -> Essay:
    return make_essay("Not ready yet.", title="Unfinished Thoughts", status=Essay.Status.DRAFT)


def test_staff_sees_draft_page_pdf_and_citations(staff: User, draft: Essay) -> None:
    client = client_for(staff)
    for url in essay_urls(draft):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"]
    assert "Draft: visible to staff only." in client.get(draft.get_absolute_url()).content.decode()


@pytest.mark.parametrize("persona", ["anonymous", "other_user"])
def test_draft_is_not_found_for_anonymous_and_other_user(
    persona: str, request: pytest.FixtureRequest, draft: Essay
) -> None:
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = client_for(user)
    for url in essay_urls(draft):
        assert client.get(url).status_code == 404, url


def test_anonymous_does_not_find_drafts_in_lists(
    client: Client, draft: Essay, make_essay: Any
) -> None:
    published = make_essay(title="Finished Thoughts", tags=["Korean War"])
    draft.tags.set(published.tags.all())
    book_page = client.get(published.books.get().get_absolute_url()).content.decode()
    pages = [
        client.get("/essays/").content.decode(),
        client.get("/essays/tags/korean-war/").content.decode(),
        client.get(published.reviewer.get_absolute_url()).content.decode(),
        client.get("/essays/feed/").content.decode(),
        book_page,
    ]
    for page in pages:
        assert "Finished Thoughts" in page
        assert "Unfinished Thoughts" not in page


def test_book_page_links_its_reviews_in_journals(client: Client, make_essay: Any) -> None:
    essay = make_essay(title="Allies at Odds")
    page = client.get(essay.books.get().get_absolute_url()).content.decode()
    assert "Reviews in journals" in page
    assert f'href="{essay.get_absolute_url()}"' in page


def test_book_without_essays_has_no_reviews_in_journals(client: Client, book: Any) -> None:
    assert "Reviews in journals" not in client.get(book.get_absolute_url()).content.decode()


def test_reviewer_page_lists_their_essays_with_bio(client: Client, make_essay: Any) -> None:
    older = make_essay(title="Older Essay", published_on=date(2023, 1, 2))
    newer = make_essay(title="Newer Essay")
    page = client.get(newer.reviewer.get_absolute_url()).content.decode()
    assert "Rosa Reviewer writes about alliances" in page
    assert page.index("Newer Essay") < page.index("Older Essay")
    assert older.get_absolute_url() in page


def test_index_by_date_and_tag(client: Client, make_essay: Any) -> None:
    make_essay(title="On Korea", tags=["Korean War"], published_on=date(2023, 5, 1))
    make_essay(title="On Moscow", tags=["Soviet Union"])
    index = client.get("/essays/").content.decode()
    assert index.index("2024") < index.index("On Moscow") < index.index("2023")
    assert index.index("2023") < index.index("On Korea")
    tagged = client.get("/essays/tags/korean-war/").content.decode()
    assert "On Korea" in tagged and "On Moscow" not in tagged
    assert client.get("/essays/tags/no-such-tag/").status_code == 404


def test_every_page_links_the_essay_index_and_feed(client: Client, book: Any) -> None:
    for path in ("/", book.get_absolute_url()):
        page = client.get(path).content.decode()
        assert 'href="/essays/"' in page and 'href="/essays/feed/"' in page
