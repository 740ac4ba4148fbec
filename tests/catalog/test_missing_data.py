"""A book imported with little more than a title and an ISBN still gets a tidy page."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from candor.catalog.models import Book

pytestmark = pytest.mark.django_db


@pytest.fixture
def bare_book(make_book) -> Book:
    return make_book("Only a Title", authors=[])


def test_book_without_people_has_no_empty_byline(client: Client, bare_book: Book) -> None:
    page = client.get(bare_book.get_absolute_url()).content.decode()
    assert 'class="byline"' not in page
    assert ">by <" not in page and ">by </" not in page


def test_book_without_price_or_shop_has_no_buy_box(client: Client, bare_book: Book) -> None:
    page = client.get(bare_book.get_absolute_url()).content.decode()
    assert 'data-testid="buy-box"' not in page
    assert bare_book.isbn13_display in page  # the facts a book always has are still there


def test_shop_link_without_price_is_still_offered(client: Client, make_book) -> None:
    book = make_book("Shop Only", buy_url="https://shop.example.com/b/1")
    page = client.get(book.get_absolute_url()).content.decode()
    assert 'data-testid="buy-box"' in page and 'data-testid="price"' not in page
    assert "Buy from the shop" in page


def test_price_without_shop_link_shows_the_price_alone(client: Client, make_book) -> None:
    book = make_book("Price Only", price=Decimal("9.99"), currency="GBP")
    page = client.get(book.get_absolute_url()).content.decode()
    assert 'data-testid="price">£9.99<' in page and 'class="button buy"' not in page


def test_list_card_without_people_or_year_has_no_stray_separator(
    client: Client, bare_book: Book
) -> None:
    page = client.get("/search/?q=Only+a+Title").content.decode()
    card = page[page.index('class="book-card"') :]
    card = card[: card.index("</li>")]
    assert 'class="byline"' not in card and " · " not in card


def test_list_card_with_year_but_no_people_shows_the_year_alone(client: Client, make_book) -> None:
    make_book("Anonymous Pamphlet", authors=[], year=1848)
    page = client.get("/search/?q=Anonymous").content.decode()
    assert re.search(r'<div class="byline">\s*1848</div>', page)
