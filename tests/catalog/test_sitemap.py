"""sitemap.xml lists every public page (and no draft); robots.txt points to it."""

import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from candor.catalog.models import Book
from candor.essays.models import Essay, Reviewer
from candor.essays.services import save_essay

pytestmark = pytest.mark.django_db
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locations(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    root = ElementTree.fromstring(response.content)
    return [loc.text or "" for loc in root.iterfind(".//s:loc", NS)]


def every_address(client: Client) -> list[str]:
    found = []
    for section in locations(client, "/sitemap.xml"):
        found += locations(client, section.removeprefix("http://testserver"))
    return found


def essay(book: Book, status: str, title: str) -> Essay:
    reviewer = Reviewer.objects.get_or_create(name="Rosa Reviewer")[0]
    return save_essay(
        Essay(title=title, reviewer=reviewer, body_markdown="Words.", status=status),
        books=[book],
        tags=[],
    )


def test_sitemap_lists_books_people_series_and_published_essays(client: Client, book: Book) -> None:
    published = essay(book, Essay.Status.PUBLISHED, "On Partners")
    draft = essay(book, Essay.Status.DRAFT, "Half Written")
    addresses = every_address(client)
    base = "http://testserver"
    assert f"{base}/" in addresses and f"{base}/essays/" in addresses
    assert f"{base}{book.get_absolute_url()}" in addresses
    assert f"{base}/authors/xue-litai/" in addresses
    assert f"{base}/series/studies-in-testing/" in addresses
    assert f"{base}{published.get_absolute_url()}" in addresses
    assert f"{base}{draft.get_absolute_url()}" not in addresses
    for address in addresses:  # every listed page answers a visitor
        assert client.get(address.removeprefix(base)).status_code == 200, address


def test_a_big_section_is_split_into_pages(
    client: Client, make_book: Any, monkeypatch: Any
) -> None:
    from candor import sitemaps

    monkeypatch.setattr(sitemaps.Books, "limit", 2)
    for n in range(5):
        make_book(f"Book {n}")
    sections = locations(client, "/sitemap.xml")
    pages = [s for s in sections if "sitemap-books.xml" in s]
    assert pages == [
        "http://testserver/sitemap-books.xml",
        "http://testserver/sitemap-books.xml?p=2",
        "http://testserver/sitemap-books.xml?p=3",
    ]
    listed = [a for p in pages for a in locations(client, p.removeprefix("http://testserver"))]
    assert len(listed) == 5 and len(set(listed)) == 5


def test_unknown_section_is_not_found(client: Client) -> None:
    assert client.get("/sitemap-secrets.xml").status_code == 404


def test_robots_txt_points_to_the_sitemap_and_keeps_out_private_pages(client: Client) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text.splitlines()
    for private in ("/admin/", "/accounts/", "/api/"):
        assert f"Disallow: {private}" in text
    assert not re.search(r"^Disallow: /$", text, re.MULTILINE)  # the catalogue stays open


def test_site_url_names_the_sitemap_addresses(client: Client, book: Book, settings: Any) -> None:
    settings.SITE_URL = "https://books.example.org"
    assert "Sitemap: https://books.example.org/sitemap.xml" in client.get("/robots.txt").text
    sections = locations(client, "/sitemap.xml")
    assert all(s.startswith("https://books.example.org/sitemap-") for s in sections)
    books = locations(client, "/sitemap-books.xml")
    assert books == [f"https://books.example.org{book.get_absolute_url()}"]


def test_favicon_ico_leads_to_the_small_svg_icon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/candor/favicon.svg"
    found = finders.find("candor/favicon.svg")
    assert found is not None
    icon = Path(str(found))
    assert icon.stat().st_size < 1024
    assert ElementTree.parse(icon).getroot().tag == "{http://www.w3.org/2000/svg}svg"
