"""Canonical addresses come from SITE_URL, whatever Host a request names: the essay PDF's
version of record (one PDF, not one per Host), its page and citations, the feed, the
sitemap, book pages and the password-reset mail."""

import io
from pathlib import Path

import pypdf
import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from candor.essays.models import Essay
from candor.settings import site_url_from_env

SITE = "https://books.example.org"
HOSTS = ["evil.example", "127.0.0.1:8123"]


@pytest.fixture
def site_url(settings) -> str:
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example", "127.0.0.1"]
    return SITE


def pdf_text(content: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    return "".join("".join(page.extract_text().split()) for page in pages)


def test_essay_pdf_names_site_url_and_is_compiled_once_for_any_host(
    site_url, make_essay, pdf_cache: Path
) -> None:
    essay: Essay = make_essay()
    texts = []
    for host in HOSTS:
        response = Client(HTTP_HOST=host).get(essay.pdf_url())
        assert response.status_code == 200
        texts.append(pdf_text(response.content))

    canonical = f"{SITE}{essay.get_absolute_url()}"
    assert all(canonical in text for text in texts)
    assert not any(host.split(":")[0] in text for text in texts for host in HOSTS)
    assert len(list(pdf_cache.glob("essay-*.pdf"))) == 1


@pytest.mark.parametrize("host", HOSTS)
def test_pages_with_canonical_addresses_ignore_the_host_header(
    site_url, make_essay, book, host
) -> None:
    essay = make_essay()
    client = Client(HTTP_HOST=host)
    pages = [
        essay.get_absolute_url(),
        essay.citation_url("bib"),
        essay.citation_url("ris"),
        essay.citation_url("json"),
        "/essays/feed/",
        "/sitemap.xml",
        "/sitemap-essays.xml",
        "/robots.txt",
        book.get_absolute_url(),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        text = response.content.decode()
        assert SITE in text, page
        assert host.split(":")[0] not in text, page


def test_the_feeds_links_are_on_site_url(site_url, make_essay) -> None:
    essay = make_essay()
    feed = Client(HTTP_HOST="evil.example").get("/essays/feed/").content.decode()
    assert f'<link href="{SITE}/essays/" rel="alternate"' in feed
    assert f'<link href="{SITE}/essays/feed/" rel="self"' in feed
    assert f'<link href="{SITE}{essay.get_absolute_url()}" rel="alternate"' in feed


def test_a_password_reset_mail_links_to_site_url(site_url, owner) -> None:
    Client(HTTP_HOST="evil.example").post("/accounts/password_reset/", {"email": owner.email})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert f"{SITE}/accounts/reset/" in body and "evil.example" not in body


def setting(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    monkeypatch.delenv("SITE_URL", raising=False)
    if value is not None:
        monkeypatch.setenv("SITE_URL", value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://candor.example.com", "https://candor.example.com"),
        ("https://candor.example.com/", "https://candor.example.com"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_site_url_is_read_as_given(monkeypatch, value, expected) -> None:
    setting(monkeypatch, value)
    assert site_url_from_env(["candor.example.com"], https=True) == expected


@pytest.mark.parametrize(
    "value",
    [
        "candor.example.com",
        "ftp://candor.example.com",
        "https://candor.example.com/reviews",
        "https://candor.example.com:port",
        "https://user:secret@candor.example.com",
        "https://candor.example.com/?a=1",
    ],
)
def test_a_malformed_site_url_stops_start_up(monkeypatch, value) -> None:
    setting(monkeypatch, value)
    with pytest.raises(ImproperlyConfigured, match="SITE_URL must be the site's address"):
        site_url_from_env(["candor.example.com"], https=True)


def test_production_without_site_url_uses_the_first_allowed_host(monkeypatch) -> None:
    setting(monkeypatch, None)
    assert site_url_from_env(["candor.example.com", "x"], https=True) == (
        "https://candor.example.com"
    )
    assert site_url_from_env(["127.0.0.1"], https=False) == "http://127.0.0.1"
    with pytest.raises(ImproperlyConfigured, match="SITE_URL must be set"):
        site_url_from_env([".example.com"], https=True)
    # Development without it: addresses follow the request (the development server's port).
    assert site_url_from_env(["127.0.0.1"], https=None) == ""
