"""/books/: a reader (anonymous or signed in) browses the catalogue, sorted and filtered;
subjects on the book page lead back to it; staff give books subjects in the admin."""

import re

import pytest
from django.urls import reverse

from candor.catalog import browse
from candor.catalog.models import Book, Subject
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def listed(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The titles on a /books/ page, in the order shown."""
    html = response.content.decode()
    results = html.split('data-testid="browse-results"')[1] if "browse-results" in html else ""
    return re.findall(r'class="book-title" href="[^"]+">([^<]+)</a>', results)


def mini_rating(html: str) -> str:
    """The first short rating line ("★★★★☆ 4.2 out of 5 · 3 ratings"), tags removed."""
    line = html.split('class="mini-rating"')[1].split("</p>")[0].split("</div>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", line.split(">", 1)[1]).split())


@pytest.fixture
def shelf(make_book, make_user, write):  # type: ignore[no-untyped-def]
    """Four books: two rated (one by more readers), one from the 1990s, one unrated."""
    readers = [make_user(f"reader{i}") for i in range(3)]
    loved = make_book("Loved Book", year=2015)
    popular = make_book("Popular Book", year=2021)
    old = make_book("Old Book", year=1993)
    unrated = make_book("Unrated Book")
    write(readers[0], loved, 5)
    for reader, stars in zip(readers, (4, 3, 4), strict=True):
        write(reader, popular, stars)
    return {"loved": loved, "popular": popular, "old": old, "unrated": unrated}


def test_anonymous_browses_by_rating_with_the_rating_the_book_page_shows(shelf) -> None:
    client = client_for(None)
    response = client.get(reverse("books"))
    assert response.status_code == 200
    stored = {b.title: b.rating for b in Book.objects.all()}
    rated = sorted((t for t in stored if stored[t] is not None), key=lambda t: -stored[t])
    assert listed(response) == [*rated, "Old Book", "Unrated Book"]
    card = response.content.decode().split(">Popular Book</a>")[1]
    book_page = client.get(shelf["popular"].get_absolute_url()).content.decode()
    assert mini_rating(card).startswith(mini_rating(book_page).split(" ·")[0])
    assert "3 ratings" in mini_rating(card)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("reviews", ["Popular Book", "Loved Book", "Old Book", "Unrated Book"]),
        ("newest", ["Popular Book", "Loved Book", "Old Book", "Unrated Book"]),
        ("title", ["Loved Book", "Old Book", "Popular Book", "Unrated Book"]),
    ],
)
def test_other_sorts(shelf, sort, expected) -> None:
    assert listed(client_for(None).get(reverse("books"), {"sort": sort})) == expected


def test_filters_by_year_decade_reviews_and_subject(shelf) -> None:
    history = Subject.objects.create(name="History")
    shelf["old"].subjects.add(history)
    shelf["popular"].subjects.add(history)
    client = client_for(None)
    assert listed(client.get(reverse("books"), {"year": "1993"})) == ["Old Book"]
    assert listed(client.get(reverse("books"), {"year": "2010s"})) == ["Loved Book"]
    assert set(listed(client.get(reverse("books"), {"reviewed": "1"}))) == {
        "Loved Book",
        "Popular Book",
    }
    by_subject = client.get(reverse("books"), {"subject": "history", "sort": "title"})
    assert listed(by_subject) == ["Old Book", "Popular Book"]
    assert "<h1>History</h1>" in by_subject.content.decode()
    both = client.get(reverse("books"), {"subject": "history", "reviewed": "1"})
    assert listed(both) == ["Popular Book"]


def test_the_filter_form_offers_subjects_in_use_and_decades(shelf) -> None:
    Subject.objects.create(name="Empty Subject")
    shelf["old"].subjects.add(Subject.objects.create(name="History"))
    html = client_for(None).get(reverse("books")).content.decode()
    assert '<option value="history">History (1)</option>' in html
    assert "Empty Subject" not in html
    assert re.findall(r'<option value="(\d{4}s)"', html) == ["2020s", "2010s", "1990s"]


def test_bad_choices_are_explained_and_the_rest_still_applies(shelf) -> None:
    response = client_for(None).get(
        reverse("books"), {"sort": "price", "subject": "nope", "year": "199x", "reviewed": "1"}
    )
    assert response.status_code == 200
    notes = response.content.decode().split('data-testid="browse-problems"')[1].split("</ul>")[0]
    assert "Unknown sort “price”" in notes
    assert "No subject “nope”" in notes
    assert "“199x” is not a year" in notes
    assert listed(response) == ["Loved Book", "Popular Book"]


def test_pages_keep_the_sort_and_filters(make_book, monkeypatch) -> None:
    monkeypatch.setattr(browse, "BOOKS_PER_PAGE", 2)
    for title in ("A", "B", "C", "D", "E"):
        make_book(f"{title} Title", year=2001)
    make_book("Z Other Year", year=1950)
    client = client_for(None)
    first = client.get(reverse("books"), {"sort": "title", "year": "2000s"})
    assert listed(first) == ["A Title", "B Title"]
    next_link = re.search(r'href="\?([^"]+)" rel="next"', first.content.decode())
    assert next_link is not None
    second = client.get(reverse("books") + "?" + next_link.group(1).replace("&amp;", "&"))
    assert listed(second) == ["C Title", "D Title"]
    assert "Page 2 of 3" in second.content.decode()
    third = client.get(reverse("books"), {"sort": "title", "year": "2000s", "page": "99"})
    assert listed(third) == ["E Title"]  # past the end: the last page


def test_book_page_links_its_subjects_to_the_filtered_list(book, make_book, other_user) -> None:
    war = Subject.objects.create(name="Military History")
    book.subjects.add(war)
    make_book("Unrelated Novel")
    client = client_for(other_user)
    page = client.get(book.get_absolute_url()).content.decode()
    subjects = page.split('data-testid="book-subjects"')[1].split("</dd>")[0]
    assert f'href="/books/?subject={war.slug}"' in subjects and "Military History" in subjects
    assert listed(client.get(f"/books/?subject={war.slug}")) == ["Uncertain Partners"]


def test_staff_give_a_book_a_subject_in_the_admin(book, staff, other_user) -> None:
    client = client_for(staff)
    response = client.post(
        reverse("admin:catalog_subject_add"), {"name": "Cold War", "slug": "cold-war"}
    )
    assert response.status_code == 302
    cold_war = Subject.objects.get(slug="cold-war")
    form = client.get(reverse("admin:catalog_book_change", args=[book.pk]))
    assert 'name="subjects"' in form.content.decode()
    data = {
        "title": book.title,
        "subtitle": book.subtitle,
        "slug": book.slug,
        "isbn13": book.isbn13,
        "subjects": [str(cold_war.pk)],
        "contributions-TOTAL_FORMS": "0",
        "contributions-INITIAL_FORMS": "0",
        "editorial_reviews-TOTAL_FORMS": "0",
        "editorial_reviews-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:catalog_book_change", args=[book.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(book.subjects.values_list("name", flat=True)) == ["Cold War"]
    # A reader cannot reach the admin form.
    refused = client_for(other_user).get(reverse("admin:catalog_subject_add"))
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]


def test_a_work_with_two_editions_is_listed_once(make_book) -> None:
    hardcover = make_book("Twice Printed", year=2001)
    paperback = make_book("Twice Printed", year=2003)
    paperback.work = hardcover.work
    paperback.save()
    make_book("Printed Once", year=2002)
    response = client_for(None).get(reverse("books"), {"sort": "title"})
    assert listed(response) == ["Printed Once", "Twice Printed"]
    assert "2 books" in response.content.decode()
    # Filtered to the paperback's year, the work is there through that edition.
    assert listed(client_for(None).get(reverse("books"), {"year": "2003"})) == ["Twice Printed"]
