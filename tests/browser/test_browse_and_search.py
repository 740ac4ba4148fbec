"""In Chromium: a reader browses /books/ (sort, subject, reviewed only, pages), follows a
subject from a book page, and finds a book by a misspelt title from the header search;
covers load with alt text, books without one show the placeholder."""

import re

import pytest

from candor.catalog import browse
from candor.catalog.covers import attach_cover
from candor.catalog.models import Subject
from tests.browser.axe import axe_source
from tests.catalog.test_covers import PNG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue(make_book, make_user, write, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    history = Subject.objects.create(name="History")
    poetry = Subject.objects.create(name="Poetry")
    readers = [make_user(f"reader{i}") for i in range(3)]
    partners = make_book(
        "Uncertain Partners",
        subtitle="Stalin, Mao, and the Korean War",
        authors=["Sergei N. Goncharov"],
        year=1993,
    )
    partners.subjects.add(history)
    attach_cover(partners, PNG)
    for reader, stars in zip(readers, (5, 4, 5), strict=True):
        write(reader, partners, stars)
    for i, title in enumerate(["Ancient Rome", "Byzantium", "Carthage", "Delphi"]):
        book = make_book(title, authors=["Clio Historian"], year=2001 + i)
        book.subjects.add(history)
        if i == 0:
            write(readers[0], book, 3)
    make_book("Selected Poems", authors=["Vera Verse"], year=1960).subjects.add(poetry)
    return partners


def titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("[data-testid=browse-results] .book-title").all_inner_texts()


def test_reader_browses_filters_pages_and_follows_a_subject(
    page, live_server, catalogue, monkeypatch, output_dir
) -> None:
    monkeypatch.setattr(browse, "BOOKS_PER_PAGE", 3)
    page.goto(live_server.url + "/")
    page.click("header >> text=Browse books")
    page.wait_for_selector("[data-testid=browse-results]")
    assert titles(page)[0] == "Uncertain Partners"  # highest rated first
    assert page.locator("[data-testid=browse-count]").inner_text().startswith("6 books")
    # Changing a select sends the form: no extra click.
    assert not page.locator("[data-testid=browse-form] button").is_visible()
    page.select_option("select[name=sort]", "title")
    page.wait_for_url(re.compile(r"sort=title"))
    assert titles(page) == ["Ancient Rome", "Byzantium", "Carthage"]
    page.select_option("select[name=subject]", "history")
    page.wait_for_url(re.compile(r"subject=history"))
    assert page.locator("h1").inner_text() == "History"
    assert titles(page) == ["Ancient Rome", "Byzantium", "Carthage"]
    page.click("text=Next →")
    page.wait_for_url(re.compile(r"page=2"))
    assert titles(page) == ["Delphi", "Uncertain Partners"]  # still by title, still History
    assert page.locator("select[name=subject]").input_value() == "history"
    page.check("input[name=reviewed]")
    page.wait_for_url(re.compile(r"reviewed=1"))
    assert titles(page) == ["Ancient Rome", "Uncertain Partners"]
    cover = page.locator("[data-testid=browse-results] img.cover")
    assert cover.get_attribute("alt") == (
        "Cover of Uncertain Partners: Stalin, Mao, and the Korean War"
    )
    assert cover.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("[data-testid=cover-placeholder]").count() == 1  # Ancient Rome
    page.screenshot(path=str(output_dir / "browse-history.png"), full_page=True)

    page.click("text=Uncertain Partners")
    page.click("[data-testid=book-subjects] >> text=History")
    page.wait_for_url(re.compile(r"/books/\?subject=history"))
    assert "Uncertain Partners" in titles(page) + titles_on_other_pages(page)


def titles_on_other_pages(page) -> list[str]:  # type: ignore[no-untyped-def]
    found: list[str] = []
    while page.locator("a[rel=next]").count():
        page.click("a[rel=next]")
        page.wait_for_load_state()
        found += titles(page)
    return found


def test_reader_finds_a_book_by_a_misspelt_title(page, live_server, catalogue) -> None:
    page.goto(live_server.url + "/books/")
    page.fill("header input[name=q]", "uncertian partnrs")
    page.press("header input[name=q]", "Enter")
    page.wait_for_selector("[data-testid=search-results]")
    first = page.locator("[data-testid=search-results] .book-title").first
    assert first.inner_text() == "Uncertain Partners"
    assert "Selected Poems" not in page.locator("[data-testid=search-results]").inner_text()
    first.click()
    page.wait_for_selector("h1.book-heading")
    assert page.locator("h1.book-heading").inner_text().startswith("Uncertain Partners")
    assert page.locator("img.cover-medium").evaluate("img => img.naturalWidth > 0")


def test_browse_and_search_pages_have_no_serious_accessibility_problem(
    page, live_server, catalogue
) -> None:
    for path in ("/books/?subject=history", "/search/?q=uncertian"):
        page.goto(live_server.url + path)
        page.evaluate(axe_source())
        result = page.evaluate(
            "options => axe.run(document, options)",
            {
                "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                "resultTypes": ["violations"],
            },
        )
        serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], path
