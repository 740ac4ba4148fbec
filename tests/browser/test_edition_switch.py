"""In Chromium: a reader on a new e-book's page sees the rating of its whole work, says
so ("Rating for all 3 editions"), switches to "This edition" (no ratings of its own
yet), and follows the edition switch to the translation, whose page lists its own
reviews under "This edition"; the page passes axe's WCAG A/AA checks."""

import pytest

from candor.catalog.editions import Actor, attach
from candor.catalog.models import Book
from tests.browser.axe import axe_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def work(make_book, make_user, write, staff):  # type: ignore[no-untyped-def]
    hardcover = make_book("The Long Shore", format="hardcover", language="en", year=2001)
    translation = make_book("Das lange Ufer", format="paperback", language="de", year=2005)
    ebook = make_book("The Long Shore", format="ebook", language="en", year=2020)
    for i, stars in enumerate([5, 5, 4, 5]):
        write(make_user(f"hard{i}"), hardcover, stars, f"An English reader, {i}", 200 - i)
    write(make_user("leser"), translation, 2, "Die Übersetzung holpert.", 10)
    attach([translation, ebook], hardcover.work, Actor(staff, "admin", "one novel"))
    return [Book.objects.get(pk=b.pk) for b in (hardcover, translation, ebook)]


def test_reader_switches_between_editions_and_their_ratings(page, live_server, work) -> None:  # type: ignore[no-untyped-def]
    _, translation, ebook = work
    page.goto(live_server.url + ebook.get_absolute_url())
    covers = page.locator("[data-testid=rating-covers]")
    assert "Rating for all 3 editions." in covers.inner_text()
    assert "None of its ratings is of this edition." in covers.inner_text()
    assert page.locator("[data-testid=rating-count]").inner_text() == "5 ratings"
    assert page.locator(".review").count() == 5
    labels = page.locator("[data-testid=review-edition]").all_inner_texts()
    assert "Paperback · German · 2005" in labels

    page.click("[data-testid=edition-scope] >> text=This edition")
    page.wait_for_url("**editions=this**")
    assert "alone" in page.locator("[data-testid=rating-covers]").inner_text()
    assert page.locator("[data-testid=no-ratings]").is_visible()
    assert page.locator(".review").count() == 0

    switch = page.locator("[data-testid=edition-switch]")
    assert switch.locator("[aria-current=page]").inner_text() == "E-book · English · 2020"
    switch.locator("text=Paperback · German · 2005").click()
    page.wait_for_url(f"**{translation.get_absolute_url()}")
    assert page.locator("h1").inner_text().startswith("Das lange Ufer")
    assert (
        "1 of its 5 ratings are of this edition."
        in page.locator("[data-testid=rating-covers]").inner_text()
    )
    page.click("[data-testid=edition-scope] >> text=This edition")
    page.wait_for_url("**editions=this**")
    assert page.locator("[data-testid=rating-count]").inner_text() == "1 rating"
    assert page.locator(".review").all_inner_texts()[0].count("Die Übersetzung holpert.") == 1
    # Sorting keeps "This edition".
    page.select_option("select[name=sort]", "recent")
    page.wait_for_url("**sort=recent**")
    assert "editions=this" in page.url
    assert page.locator(".review").count() == 1

    page.evaluate(axe_source())
    result = page.evaluate(
        "options => axe.run(document, options)",
        {
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "resultTypes": ["violations"],
        },
    )
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
