"""Absolute addresses for links that leave the page (canonical links, OpenGraph, JSON-LD,
the sitemap, robots.txt, the feed, essay PDFs and citations): from SITE_URL, which
production always has (candor/settings.py), else, in development, from the request."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest


def configured_root() -> str:
    """SITE_URL without a trailing slash ("" when unset, in development)."""
    return str(getattr(settings, "SITE_URL", "") or "").rstrip("/")


def site_root(request: HttpRequest) -> str:
    """The site's scheme and host, without a trailing slash."""
    return configured_root() or request.build_absolute_uri("/").rstrip("/")


def absolute_url(request: HttpRequest, path: str) -> str:
    return f"{site_root(request)}{path}"


def on_site(path: str) -> str:
    """The path on SITE_URL; the path alone when unset (for code that is given no
    request, such as a feed's items: Django puts the request's host in front then)."""
    return f"{configured_root()}{path}"


def site_parts(request: HttpRequest) -> tuple[str, str]:
    """(scheme, host) of the site, for Django's sitemap."""
    parts = urlsplit(site_root(request))
    return parts.scheme, parts.netloc
