"""Prices read as a shop writes them, in the currency the catalogue gives."""

from decimal import Decimal

import pytest
from django.test import Client

from candor.catalog.money import format_price

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("45.00", "USD", "$45.00"),
        ("45", "usd", "$45.00"),
        ("12.5", "GBP", "£12.50"),
        ("45.00", "EUR", "€45.00"),
        ("1045.5", "EUR", "€1,045.50"),
        ("3200", "JPY", "¥3,200"),
        ("3200.50", "JPY", "¥3,201"),
        ("29.95", "CAD", "CA$29.95"),
        ("0.005", "USD", "$0.01"),
        ("45", "SEK", "SEK\u00a045.00"),
        ("45", "", "45.00"),
    ],
)
def test_price_in_its_currency(amount: str, currency: str, shown: str) -> None:
    assert format_price(Decimal(amount), currency) == shown


def test_no_price_is_no_text() -> None:
    assert format_price(None, "USD") == ""


def test_book_page_shows_the_formatted_price_not_the_code(client: Client, make_book) -> None:
    book = make_book("Priced", price=Decimal("45.00"), currency="USD")
    page = client.get(book.get_absolute_url()).content.decode()
    assert 'data-testid="price">$45.00<' in page
    assert "45.00 USD" not in page


def test_demo_prices_in_pounds_and_dollars(client: Client) -> None:
    from django.core.management import call_command

    from candor.catalog.models import Book

    call_command("demo")
    for book in Book.objects.exclude(price=None):
        page = client.get(book.get_absolute_url()).content.decode()
        symbol = {"USD": "$", "GBP": "£"}[book.currency]
        assert f'data-testid="price">{symbol}{book.price:,.2f}<' in page, book
