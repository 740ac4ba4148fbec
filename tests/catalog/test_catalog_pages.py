"""What readers see: home, search, author and series pages, the book page."""

import re

import pytest
from django.urls import reverse

from candor.catalog.models import Contribution, EditorialReview, Person
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def test_anonymous_sees_recent_and_top_rated_on_home(book, make_book, owner, write) -> None:
    unrated = make_book("Quiet Archive")
    write(owner, book, 5)
    html = page_text(client_for(None).get(reverse("home")))
    top = html.split("Top rated")[1].split("Recently added")[0]
    recent = html.split("Recently added")[1]
    assert "Uncertain Partners" in top and unrated.title not in top
    assert unrated.title in recent and "Uncertain Partners" in recent


@pytest.mark.parametrize(
    "query", ["uncertain", "stalin korean", "Goncharov", "xue", "978-0-8047-2115-8"]
)
def test_search_finds_by_title_author_and_isbn(make_book, query) -> None:
    make_book(
        "Uncertain Partners",
        subtitle="Stalin, Mao, and the Korean War",
        authors=["Sergei N. Goncharov", "Xue Litai"],
        isbn13="9780804721158",
    )
    make_book("Another Book", authors=["Someone Else"])
    html = page_text(client_for(None).get(reverse("search"), {"q": query}))
    assert "Uncertain Partners" in html
    assert "Another Book" not in html


def test_search_accepts_isbn10_and_matches_both_authors_words(make_book) -> None:
    make_book(
        "Uncertain Partners",
        authors=["Sergei N. Goncharov", "John W. Lewis"],
        isbn13="9780804721158",
    )
    client = client_for(None)
    assert "Uncertain Partners" in page_text(client.get(reverse("search"), {"q": "0804721157"}))
    assert "Uncertain Partners" in page_text(
        client.get(reverse("search"), {"q": "goncharov lewis"})
    )
    assert "No books match" in page_text(client.get(reverse("search"), {"q": "nothing-like-this"}))


def test_author_page_lists_books_with_role(book, make_book) -> None:
    translator = Person.objects.create(name="Tess Translator", slug="tess-translator")
    other = make_book("Translated Memoir")
    Contribution.objects.create(book=other, person=translator, role="translator")
    html = page_text(client_for(None).get(translator.get_absolute_url()))
    assert "Translated Memoir" in html and "Translator" in html
    assert "Uncertain Partners" not in html


def test_series_page_lists_volumes_in_order(book, make_book) -> None:
    make_book("First Volume", series=book.series, series_volume=1)
    html = page_text(client_for(None).get(book.series.get_absolute_url()))
    assert html.index("First Volume") < html.index("Uncertain Partners")
    assert "Vol. 3" in html


def test_book_page_shows_bibliographic_facts(book) -> None:
    EditorialReview.objects.create(
        book=book,
        source="Shelf Notes (test)",
        reviewer="R. Critic",
        text="A careful, archival account.",
        copyright_line="© 2026 Shelf Notes",
    )
    translator = Person.objects.create(name="Tom Translator", slug="tom")
    Contribution.objects.create(book=book, person=translator, role="translator", position=9)
    html = page_text(client_for(None).get(book.get_absolute_url()))
    for expected in [
        "Uncertain Partners",
        "Stalin, Mao, and the Korean War",
        "Studies in Testing",
        "vol. 3",
        "Sergei N. Goncharov",
        "(Author)",
        "John W. Lewis",
        "(Co-author)",
        "Tom Translator",
        "(Translator)",
        "Stanford University Press",
        "1993",
        "978-0-8047-2115-8",
        "393",
        "12 photographs, 2 maps",
        "$32.50",
        'href="https://shop.example.com/buy/9780804721158"',
        ">Buy<",
        "A study of the alliance that went to war.",
        "Editorial reviews",
        "Shelf Notes (test)",
        "R. Critic",
        "A careful, archival account.",
        "© 2026 Shelf Notes",
    ]:
        assert expected in html, expected


def test_book_without_ratings_invites_first_rating_and_shows_no_zero(book) -> None:
    html = page_text(client_for(None).get(book.get_absolute_url()))
    assert "No ratings yet" in html
    assert "Be the first to rate" in html
    assert "0.0" not in html and "0 out of 5" not in html
    assert 'data-testid="star-bars"' not in html


def star_percentages(html: str) -> dict[int, int]:
    return {int(s): int(p) for s, p in re.findall(r'data-star="(\d)">(\d+)%', html)}


def test_book_rating_shows_one_decimal_count_and_bars_adding_to_100(book, make_user, write) -> None:
    for i, rating in enumerate([5, 4, 4]):
        write(make_user(f"reader{i}"), book, rating)
    html = page_text(client_for(None).get(book.get_absolute_url()))
    value = re.search(r'data-testid="rating-value">([\d.]+)<', html).group(1)
    assert re.fullmatch(r"[1-5]\.\d", value)
    assert "out of 5" in html and "3 ratings" in html
    bars = star_percentages(html)
    assert sorted(bars) == [1, 2, 3, 4, 5] and sum(bars.values()) == 100
    assert bars[4] > bars[5] > 0 and bars[1] == 0
    assert "Be the first to rate" not in html and "Write a review" in html


def test_rating_explanation_page_explains_this_book(book, make_user, write) -> None:
    write(make_user("reader"), book, 5)
    html = page_text(client_for(None).get(reverse("rating_explanation", args=[book.slug])))
    assert "How are ratings calculated?" in html
    assert "simple average" in html.lower()
    assert "1 rating" in html


def test_rating_explanation_for_unrated_book_says_no_ratings(book) -> None:
    html = page_text(client_for(None).get(reverse("rating_explanation", args=[book.slug])))
    assert "No ratings yet" in html and "Be the first to rate" in html


def test_unknown_book_author_and_series_are_404() -> None:
    client = client_for(None)
    for name in ["book", "author", "series"]:
        assert client.get(reverse(name, args=["no-such-thing"])).status_code == 404


def admin_book_data(isbn: str) -> dict[str, object]:
    return {
        "title": "Brothers in Arms",
        "slug": "brothers-in-arms",
        "isbn13": isbn,
        "currency": "USD",
        "contributions-TOTAL_FORMS": 0,
        "contributions-INITIAL_FORMS": 0,
        "editorial_reviews-TOTAL_FORMS": 0,
        "editorial_reviews-INITIAL_FORMS": 0,
    }


def test_staff_adds_a_book_with_an_isbn10_and_it_is_stored_as_isbn13(staff) -> None:
    from candor.catalog.models import Book

    response = client_for(staff).post("/admin/catalog/book/add/", admin_book_data("0-8047-3484-4"))
    assert response.status_code == 302
    assert Book.objects.get().isbn13 == "9780804734844"


def test_staff_gets_a_clear_error_for_an_invalid_isbn(staff) -> None:
    from candor.catalog.models import Book

    response = client_for(staff).post(
        "/admin/catalog/book/add/", admin_book_data("978-0-8047-3484-5")
    )
    assert response.status_code == 200 and "is not a valid ISBN" in response.content.decode()
    assert not Book.objects.exists()


def test_rating_explanation_names_what_moved_this_books_number(
    book, owner, other_user, write
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from candor.reviews.services import record_order

    record_order(owner, book, timezone.localdate() - timedelta(days=5), "shop")
    write(owner, book, 5)
    write(other_user, book, 1)
    html = page_text(client_for(None).get(reverse("rating_explanation", args=[book.slug])))
    assert "The simple average of 2 ratings is 3.00 stars." in html
    assert "Unverified reviews count half as much as verified purchases" in html
    assert "Verified purchases only" in html and "As posted (simple average)" in html
