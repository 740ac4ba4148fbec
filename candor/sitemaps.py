"""sitemap.xml and robots.txt: every public page a search engine may list.

sitemap.xml is an index of one sitemap per kind of page (books, authors, series, essays,
the front pages), each split into pages of 50,000 addresses as the protocol requires.
Addresses are absolute, on SITE_URL when set (candor.catalog.site_urls).
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.sitemaps.views import SitemapIndexItem
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from candor.catalog.models import Book, Person, Series
from candor.catalog.site_urls import absolute_url, site_parts
from candor.essays.models import Essay


class OnThisSite(Sitemap):  # type: ignore[type-arg]
    """A sitemap whose addresses start with the site's scheme and host."""

    def __init__(self, scheme: str, host: str) -> None:
        self.scheme, self.host = scheme, host

    def get_protocol(self, protocol: str | None = None) -> str:
        return self.scheme

    def get_domain(self, site: Any = None) -> str:
        return self.host


class FrontPages(OnThisSite):
    def items(self) -> list[str]:
        return ["home", "essays:index"]

    def location(self, item: str) -> str:
        return reverse(item)


class Books(OnThisSite):
    def items(self) -> QuerySet[Book]:
        return Book.objects.only("pk", "slug").order_by("pk")


class Authors(OnThisSite):
    def items(self) -> QuerySet[Person]:
        return Person.objects.only("pk", "slug").order_by("pk")


class SeriesPages(OnThisSite):
    def items(self) -> QuerySet[Series]:
        return Series.objects.only("pk", "slug").order_by("pk")


class Essays(OnThisSite):
    """Published essays only: a draft answers 404 to everyone but staff."""

    def items(self) -> QuerySet[Essay]:
        return Essay.objects.published().order_by("pk")

    def lastmod(self, item: Essay) -> Any:
        return item.updated_at


SECTIONS: dict[str, type[OnThisSite]] = {
    "pages": FrontPages,
    "books": Books,
    "authors": Authors,
    "series": SeriesPages,
    "essays": Essays,
}


def bound_sections(request: HttpRequest) -> dict[str, OnThisSite]:
    scheme, host = site_parts(request)
    return {name: kind(scheme, host) for name, kind in SECTIONS.items()}


def index_items(request: HttpRequest) -> Iterable[SitemapIndexItem]:
    for name, section in bound_sections(request).items():
        location = absolute_url(request, reverse("sitemap_section", args=[name]))
        yield SitemapIndexItem(location, None)
        for page in range(2, section.paginator.num_pages + 1):
            yield SitemapIndexItem(f"{location}?p={page}", None)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    context = {"sitemaps": list(index_items(request))}
    return TemplateResponse(request, "sitemap_index.xml", context, content_type="application/xml")


@require_safe
def section(request: HttpRequest, name: str) -> HttpResponse:
    return sitemap_views.sitemap(request, sitemaps=bound_sections(request), section=name)


# Pages that answer per reader or only after signing in: nothing for a search engine there.
PRIVATE_PREFIXES = ("/accounts/", "/admin/", "/api/", "/reviews/")


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        *(f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES),
        f"Sitemap: {absolute_url(request, reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
