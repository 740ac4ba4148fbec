"""Essays through the API: published ones only, filterable by book."""

from datetime import date

import pytest

from candor.essays.models import Essay, Journal, Reviewer
from candor.essays.services import save_essay, tags_named

pytestmark = pytest.mark.django_db


@pytest.fixture
def essays(book, make_book):
    rosa = Reviewer.objects.create(name="Rosa Reviewer")
    other_book = make_book("Another Book")

    def essay(title, books, status, day):
        return save_essay(
            Essay(
                title=title,
                reviewer=rosa,
                body_markdown="Some *careful* words (p. 213).",
                published_on=day,
                status=status,
                summary=f"About {title}.",
            ),
            books=books,
            tags=tags_named(["Cold War"]),
        )

    return [
        essay("Alliance", [book], Essay.Status.PUBLISHED, date(2024, 3, 5)),
        essay("Elsewhere", [other_book], Essay.Status.PUBLISHED, date(2024, 5, 1)),
        essay("Unfinished", [book], Essay.Status.DRAFT, date(2024, 6, 1)),
    ]


def test_anonymous_lists_published_essays_newest_first(essays, api_as) -> None:
    listed = api_as(None).get("/essays").json()
    assert [e["title"] for e in listed] == ["Elsewhere", "Alliance"]
    alliance = listed[1]
    assert alliance["reviewer"] == "Rosa Reviewer" and alliance["tags"] == ["Cold War"]
    assert alliance["url"] == essays[0].get_absolute_url()


def test_essays_about_one_book(book, essays, api_as) -> None:
    listed = api_as(None).get(f"/essays?book={book.slug}").json()
    assert [e["title"] for e in listed] == ["Alliance"] and listed[0]["books"] == [book.slug]


def test_one_essay_with_its_text_and_drafts_stay_hidden(essays, api_as, staff) -> None:
    client = api_as(None)
    detail = client.get(f"/essays/{essays[0].pk}").json()
    assert detail["body_markdown"].startswith("Some *careful*")
    assert "<em>careful</em>" in detail["body_html"]
    assert client.get(f"/essays/{essays[2].pk}").status_code == 404
    assert api_as(staff).get(f"/essays/{essays[2].pk}").status_code == 404


def test_one_essay_names_its_journal_volume_issue_and_doi(essays, api_as) -> None:
    Journal.objects.create(name="Candor Review of Books", issn="2049-3630")
    Essay.objects.filter(pk=essays[0].pk).update(volume="12", issue="3", doi="10.5555/c.3")
    detail = api_as(None).get(f"/essays/{essays[0].pk}").json()
    assert (detail["journal"], detail["issn"]) == ("Candor Review of Books", "2049-3630")
    assert (detail["volume"], detail["issue"], detail["doi"]) == ("12", "3", "10.5555/c.3")
    bare = api_as(None).get(f"/essays/{essays[1].pk}").json()
    assert (bare["volume"], bare["issue"], bare["doi"]) == ("", "", "")
