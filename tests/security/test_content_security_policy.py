"""A Content-Security-Policy that the pages satisfy: nothing inline, everything from 'self'."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((REPO / "candor").rglob("templates/**/*.html"))

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE | re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE | re.DOTALL)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_templates_exist_to_check() -> None:
    assert len(TEMPLATES) >= 15


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(REPO)))
def test_template_has_no_inline_script_handler_or_style(template: Path) -> None:
    source = template.read_text()
    for match in SCRIPT_TAG.finditer(source):
        attributes = match.group(1)
        # JSON data blocks are never executed (schema.org's carries the page's nonce all the
        # same); every other script must come from a file.
        assert (
            "src=" in attributes
            or 'type="application/json"' in attributes
            or ('type="application/ld+json"' in attributes and "nonce=" in attributes)
        ), match.group(0)
    assert not EVENT_HANDLER.search(source), "on*= event handler attribute"
    assert not STYLE_ATTRIBUTE.search(source), "style= attribute: use a class in static CSS"
    assert not STYLE_BLOCK.search(source), "<style> block: move it to a static CSS file"
    assert not JAVASCRIPT_URL.search(source), "javascript: URL"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/search/?q=x", "/accounts/login/", "/accounts/signup/"])
def test_every_page_sends_a_policy_without_inline_code(client, url: str) -> None:
    header = client.get(url)["Content-Security-Policy"]
    policy = directives(header)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header


@pytest.mark.django_db
def test_book_page_sends_the_policy(client, book) -> None:
    response = client.get(book.get_absolute_url())
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    # The one inline block is the schema.org data, let through by this response's nonce.
    nonces = re.findall(r'<script type="application/ld\+json" nonce="([^"]+)">', response.text)
    assert len(nonces) == 1
    assert policy["script-src"] == ["'self'", f"'nonce-{nonces[0]}'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    second = client.get(book.get_absolute_url())["Content-Security-Policy"]
    assert f"'nonce-{nonces[0]}'" not in second  # a new nonce for every response


@pytest.mark.django_db
def test_admin_pages_send_the_policy_too(client, staff) -> None:
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
