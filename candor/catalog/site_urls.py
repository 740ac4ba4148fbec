"""Absolute addresses for links that leave the page (OpenGraph, JSON-LD, the sitemap,
robots.txt): from SITE_URL when the operator sets one, else from the request."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest


def site_root(request: HttpRequest) -> str:
    """The site's scheme and host, without a trailing slash."""
    configured = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return configured or request.build_absolute_uri("/").rstrip("/")


def absolute_url(request: HttpRequest, path: str) -> str:
    return f"{site_root(request)}{path}"


def site_parts(request: HttpRequest) -> tuple[str, str]:
    """(scheme, host) of the site, for Django's sitemap."""
    parts = urlsplit(site_root(request))
    return parts.scheme, parts.netloc
