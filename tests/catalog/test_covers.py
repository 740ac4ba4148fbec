"""Covers: staff upload one in the admin; imports bring an address; `candor covers` fetches
from it or from Open Library by ISBN (here a local HTTP server stands in for both: the
tests never reach the internet); pages show the cover with alt text, or a placeholder."""

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from candor.catalog.covers import attach_cover, fetch_covers
from candor.catalog.models import Book
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# The smallest valid images: a 1x1 PNG and the start of a JPEG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64 + b"\xff\xd9"


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class CoverServer(BaseHTTPRequestHandler):
    """Answers /found/* with a JPEG, /text/* with HTML, /broken/* with 500, else 404."""

    requests: list[str] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        if self.path.startswith("/found/"):
            self.answer(200, JPEG, "image/jpeg")
        elif self.path.startswith("/text/"):
            self.answer(200, b"<html>not an image</html>", "text/html")
        elif self.path.startswith("/broken/"):
            self.answer(500, b"oops", "text/plain")
        else:
            self.answer(404, b"", "text/plain")

    def answer(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def cover_server() -> Iterator[str]:
    CoverServer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), CoverServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_book_without_a_cover_shows_a_placeholder_not_a_broken_image(book) -> None:
    html = client_for(None).get(book.get_absolute_url()).content.decode()
    assert 'data-testid="cover-placeholder"' in html and "<img" not in html.split("<main")[1]
    assert client_for(None).get(reverse("book_cover", args=[book.slug])).status_code == 404


def test_a_cover_is_served_by_candor_with_alt_text_on_every_list(book) -> None:
    attach_cover(book, PNG)
    client = client_for(None)
    alt = 'alt="Cover of Uncertain Partners: Stalin, Mao, and the Korean War"'
    for url in (book.get_absolute_url(), reverse("books"), reverse("search") + "?q=uncertian"):
        html = client.get(url).content.decode()
        assert alt in html, url
        assert f'src="/books/{book.slug}/cover?v=covers/{book.isbn13}.png"' in html, url
    response = client.get(reverse("book_cover", args=[book.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG


def test_staff_upload_a_cover_in_the_admin_and_a_non_image_is_refused(book, staff) -> None:
    client = client_for(staff)
    url = reverse("admin:catalog_book_change", args=[book.pk])
    base = {
        "title": book.title,
        "slug": book.slug,
        "isbn13": book.isbn13,
        "contributions-TOTAL_FORMS": "0",
        "contributions-INITIAL_FORMS": "0",
        "editorial_reviews-TOTAL_FORMS": "0",
        "editorial_reviews-INITIAL_FORMS": "0",
    }
    fake = io.BytesIO(b"<svg onload=alert(1)></svg>")
    fake.name = "cover.svg"
    refused = client.post(url, {**base, "cover": fake})
    assert refused.status_code == 200
    assert "The cover must be a JPEG, PNG, GIF or WebP image." in refused.content.decode()
    assert not Book.objects.get(pk=book.pk).cover
    upload = io.BytesIO(PNG)
    upload.name = "front.png"
    assert client.post(url, {**base, "cover": upload}).status_code == 302
    stored = Book.objects.get(pk=book.pk).cover
    assert stored.name.startswith("covers/") and stored.read() == PNG


def test_covers_command_takes_the_import_address_then_open_library(
    make_book, settings, cover_server, capsys
) -> None:
    settings.CANDOR_COVERS_URL = cover_server + "/found/b/isbn/{isbn}-M.jpg?default=false"
    from_import = make_book("From Import", cover_url=cover_server + "/found/amazon.jpg")
    by_isbn = make_book("By Isbn", isbn13="9780306406157")
    nowhere = make_book("Nowhere", isbn13="9780131103627", cover_url=cover_server + "/missing.jpg")
    call_command("covers", "--delay", "0", "--isbn", "978-0-13-110362-7")
    # Open Library had it (the import's address was a 404).
    assert CoverServer.requests[-2:] == [
        "/missing.jpg",
        "/found/b/isbn/9780131103627-M.jpg?default=false",
    ]
    call_command("covers", "--delay", "0")
    out = capsys.readouterr().out
    assert "2 covers saved (1 from import addresses, 1 from Open Library)" in out
    assert "/found/amazon.jpg" in CoverServer.requests
    for book in (from_import, by_isbn, nowhere):
        assert Book.objects.get(pk=book.pk).cover.read() == JPEG
    # Books with a cover are left alone unless asked.
    asked = len(CoverServer.requests)
    call_command("covers", "--delay", "0")
    assert len(CoverServer.requests) == asked
    assert "0 covers saved" in capsys.readouterr().out


def test_covers_command_reports_each_failure_and_goes_on(
    make_book, settings, cover_server, capsys
) -> None:
    settings.CANDOR_COVERS_URL = cover_server + "/{isbn}.jpg"  # 404: no cover anywhere
    make_book("Not An Image", cover_url=cover_server + "/text/cover.jpg")
    make_book("Server Error", cover_url=cover_server + "/broken/cover.jpg")
    make_book("No Cover Anywhere")
    call_command("covers", "--delay", "0")
    out, err = capsys.readouterr()
    assert "0 covers saved" in out and "1 books with no cover to be found; 2 failed" in out
    assert "import: The cover must be a JPEG, PNG, GIF or WebP image." in err
    assert "import: HTTP 500 from" in err
    assert not Book.objects.exclude(cover="").exists()


def test_covers_command_refuses_a_bad_isbn_or_an_unknown_book(db) -> None:
    with pytest.raises(CommandError, match="not a valid ISBN"):
        call_command("covers", "--isbn", "12345")
    with pytest.raises(CommandError, match="no book with ISBN 9780306406157"):
        call_command("covers", "--isbn", "9780306406157")


def test_an_unreachable_site_is_a_failure_with_its_reason(make_book) -> None:
    book = make_book("Offline")

    def offline(url: str) -> bytes | None:
        raise OSError("network is unreachable")

    report = fetch_covers([book], fetch=offline)
    assert report.failed == [(book.isbn13, "open_library: network is unreachable")]
    assert report.fetched == 0


def test_a_new_cover_replaces_the_old_file(make_book, media) -> None:
    book = make_book("Twice Covered")
    attach_cover(book, PNG)
    attach_cover(book, JPEG)
    assert sorted(p.name for p in (media / "covers").iterdir()) == [f"{book.isbn13}.jpg"]


def test_imports_bring_cover_addresses(tmp_path) -> None:
    item = {
        "parent_asin": "0143039431",
        "title": "Don Quixote",
        "details": {"ISBN 13": "978-0143039433"},
        "images": [
            {"variant": "PT01", "large": "https://images.example.com/back.jpg"},
            {"variant": "MAIN", "large": "https://images.example.com/front.jpg", "hi_res": None},
        ],
    }
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps(item) + "\n")
    call_command("import", "amazon", str(path))
    assert Book.objects.get(isbn13="9780143039433").cover_url == (
        "https://images.example.com/front.jpg"
    )
    csv = tmp_path / "books.csv"
    csv.write_text(
        "isbn,title,authors,cover_url\n"
        "0393309401,Shelf Notes,Jane Doe,https://images.example.com/shelf.jpg\n"
        "9780306406157,Bad Address,Jane Doe,ftp://images.example.com/x.jpg\n"
    )
    call_command("import", "books", str(csv))
    assert Book.objects.get(isbn13="9780393309409").cover_url.endswith("/shelf.jpg")
    assert not Book.objects.filter(isbn13="9780306406157").exists()
