"""Book pages describe themselves to search engines and link previews: schema.org JSON-LD
(valid for schema.org's types, with the rating the page shows), OpenGraph tags, a sitemap
and robots.txt."""

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from candor.catalog.models import Book
from tests.catalog.schema_org import check_document
from tests.conftest import client_for, stored

pytestmark = pytest.mark.django_db


def json_ld(html: str) -> dict[str, Any]:
    blocks = re.findall(r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', html)
    assert len(blocks) == 1
    return json.loads(blocks[0])  # type: ignore[no-any-return]


def meta(html: str, prop: str) -> list[str]:
    return re.findall(rf'<meta property="{re.escape(prop)}" content="([^"]*)">', html)


@pytest.fixture
def reviewed(book: Book, owner, make_user, write) -> Book:
    write(owner, book, 4, "Careful with the sources.", title="Solid", days_ago=400)
    write(make_user("critic"), book, 2, "Dry </script><b>going</b> & slow.", days_ago=30)
    write(make_user("fan"), book, 5, days_ago=3)  # a rating without words
    return book


def test_book_json_ld_is_valid_schema_org(client: Client, reviewed: Book) -> None:
    data = json_ld(client.get(reviewed.get_absolute_url()).text)
    assert check_document(data) == []
    assert data["@type"] == "Book" and data["isbn"] == "9780804721158"
    assert [a["name"] for a in data["author"]] == [
        "Sergei N. Goncharov",
        "John W. Lewis",
        "Xue Litai",
    ]
    assert data["offers"] == {
        "@type": "Offer",
        "price": "32.50",
        "priceCurrency": "USD",
        "url": "https://shop.example.com/buy/9780804721158",
    }
    assert data["url"] == "http://testserver/books/uncertain-partners/"


def test_aggregate_rating_is_the_number_the_page_shows(client: Client, reviewed: Book) -> None:
    html = client.get(reviewed.get_absolute_url()).text
    rating = json_ld(html)["aggregateRating"]
    shown = re.search(r'data-testid="rating-value">([^<]+)<', html)
    count = re.search(r'data-testid="rating-count">(\d+) ratings?<', html)
    assert shown and count
    assert str(rating["ratingValue"]) == shown.group(1)
    assert rating["ratingCount"] == int(count.group(1)) == 3
    candor = stored(reviewed)
    assert rating["ratingValue"] == pytest.approx(candor.rating, abs=0.05)
    assert f"{rating['ratingValue']} out of 5" in html  # the headline's mini rating too


def test_other_views_still_give_search_engines_candors_rating(
    client: Client, reviewed: Book
) -> None:
    candor = json_ld(client.get(reviewed.get_absolute_url()).text)["aggregateRating"]
    posted_html = client.get(reviewed.get_absolute_url(), {"view": "as_posted"}).text
    assert re.search(r'data-testid="rating-value">3.7<', posted_html)  # (4+2+5)/3 shown
    assert json_ld(posted_html)["aggregateRating"] == candor


def test_reviews_on_the_page_are_listed_with_their_stars(client: Client, reviewed: Book) -> None:
    data = json_ld(client.get(reviewed.get_absolute_url(), {"sort": "recent"}).text)
    reviews = data["review"]
    assert [r["reviewRating"]["ratingValue"] for r in reviews] == [5, 2, 4]
    assert reviews[2]["author"]["name"] == "Olive Owner" and reviews[2]["name"] == "Solid"
    assert reviews[1]["reviewBody"] == "Dry </script><b>going</b> & slow."
    assert "reviewBody" not in reviews[0]


def test_review_text_cannot_end_the_data_block(client: Client, reviewed: Book) -> None:
    html = client.get(reviewed.get_absolute_url()).text
    block = html[html.index('type="application/ld+json"') :]
    block = block[: block.index("</script>")]
    assert "<" not in block.split(">", 1)[1] and "\\u003c/script\\u003e" in block


def test_unrated_bare_book_has_valid_data_without_rating_or_offer(
    client: Client, make_book
) -> None:
    bare = make_book("Only a Title", authors=[])
    data = json_ld(client.get(bare.get_absolute_url()).text)
    assert check_document(data) == []
    assert not {"aggregateRating", "review", "offers", "author"} & data.keys()


def test_price_without_currency_makes_no_offer(client: Client, make_book) -> None:
    book = make_book("Unpriced", price=Decimal("10.00"), currency="")
    data = json_ld(client.get(book.get_absolute_url()).text)
    assert "offers" not in data and check_document(data) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda d: d["aggregateRating"].update(ratingValue=5.4), "outside 1.0..5.0"),
        (lambda d: d["aggregateRating"].update(ratingCount="3"), "whole number"),
        (lambda d: d["aggregateRating"].pop("ratingCount"), "needs ratingCount or reviewCount"),
        (lambda d: d["review"][0].pop("author"), "Review needs author"),
        (lambda d: d["review"][0]["reviewRating"].update(ratingValue=0), "outside"),
        (lambda d: d.update(numberOfPages="393 pages"), "numberOfPages"),
        (lambda d: d.update(pages=393), "has no property 'pages'"),
        (lambda d: d["offers"].update(price="$32.50"), "without a currency sign"),
        (lambda d: d["offers"].update(priceCurrency="dollars"), "ISO 4217"),
        (lambda d: d["author"][0].update({"@type": "Robot"}), "unknown @type"),
        (lambda d: d.update(review={"@type": "Person", "name": "x"}), "a Person where"),
        (lambda d: d.update(datePublished="1993-13-40"), "datePublished"),
    ],
)
def test_checker_catches_what_a_validator_would(
    client: Client, reviewed: Book, change: Any, complaint: str
) -> None:
    data = json_ld(client.get(reviewed.get_absolute_url()).text)
    change(data)
    errors = check_document(data)
    assert any(complaint in error for error in errors), errors


def test_open_graph_tags_describe_the_book(client: Client, reviewed: Book) -> None:
    html = client.get(reviewed.get_absolute_url()).text
    assert meta(html, "og:type") == ["book"]
    assert meta(html, "og:title") == ["Uncertain Partners: Stalin, Mao, and the Korean War"]
    assert meta(html, "og:url") == ["http://testserver/books/uncertain-partners/"]
    assert meta(html, "book:isbn") == ["9780804721158"]
    assert len(meta(html, "book:author")) == 3
    description = meta(html, "og:description")[0]
    rating = json_ld(html)["aggregateRating"]["ratingValue"]
    assert description.startswith(f"Candor's rating: {rating} out of 5 from 3 ratings.")
    assert '<link rel="canonical" href="http://testserver/books/uncertain-partners/">' in html


def test_every_page_has_site_open_graph_and_an_icon(client: Client) -> None:
    html = client.get("/").text
    assert meta(html, "og:site_name") == ["Candor"] and meta(html, "og:type") == ["website"]
    assert re.search(r'<link rel="icon" href="[^"]+favicon\.svg" type="image/svg\+xml">', html)
    assert "application/ld+json" not in html


def test_site_url_setting_wins_over_the_request_host(
    client: Client, reviewed: Book, settings: Any
) -> None:
    settings.SITE_URL = "https://books.example.org/"
    html = client.get(reviewed.get_absolute_url()).text
    assert json_ld(html)["url"] == "https://books.example.org/books/uncertain-partners/"
    assert meta(html, "og:url") == ["https://books.example.org/books/uncertain-partners/"]


def test_anonymous_and_signed_in_readers_get_the_same_data(reviewed: Book, other_user) -> None:
    anonymous = json_ld(client_for(None).get(reviewed.get_absolute_url()).text)
    signed_in = json_ld(client_for(other_user).get(reviewed.get_absolute_url()).text)
    assert anonymous == signed_in


def test_a_cover_is_the_books_image_for_search_engines_and_previews(
    client: Client, reviewed: Book, settings: Any, tmp_path: Any
) -> None:
    from candor.catalog.covers import attach_cover
    from tests.catalog.test_covers import PNG

    settings.MEDIA_ROOT = tmp_path / "media"
    attach_cover(reviewed, PNG)
    html = client.get(reviewed.get_absolute_url()).text
    shown = re.search(r'<img class="cover[^"]*" src="([^"]+)"', html)
    assert shown is not None
    address = f"http://testserver{shown.group(1)}"
    data = json_ld(html)
    assert data["image"] == address and check_document(data) == []
    assert meta(html, "og:image") == [address]
    assert meta(html, "og:image:alt") == [
        "Cover of Uncertain Partners: Stalin, Mao, and the Korean War"
    ]
    assert client.get(shown.group(1)).status_code == 200


def test_no_cover_no_image(client: Client, reviewed: Book) -> None:
    html = client.get(reviewed.get_absolute_url()).text
    assert "image" not in json_ld(html) and meta(html, "og:image") == []
