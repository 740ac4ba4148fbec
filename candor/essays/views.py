"""Essay pages, PDFs, citations, the index, tag and reviewer pages.

Drafts answer only to staff: for anyone else a draft does not exist (404).
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from candor.catalog.site_urls import absolute_url
from candor.essays import citations
from candor.essays.bibliography import book_reference
from candor.essays.models import Essay, Reviewer, Tag
from candor.essays.pdf import essay_pdf


def _essay(request: HttpRequest, year: str, month: str, day: str, slug: str) -> Essay:
    essays = Essay.objects.visible_to(request.user).select_related("reviewer")
    return get_object_or_404(
        essays, url_year=int(year), url_month=int(month), url_day=int(day), slug=slug
    )


def _canonical(request: HttpRequest, essay: Essay) -> str:
    """The essay's version of record: on SITE_URL, whatever Host the request named (the
    PDF holds it, so a new Host would otherwise compile a new PDF)."""
    return absolute_url(request, essay.get_absolute_url())


def _private_if_draft(response: HttpResponse, essay: Essay) -> HttpResponse:
    if not essay.is_published:
        response["Cache-Control"] = "private, no-store"
    return response


def essay_detail(request: HttpRequest, **url: str) -> HttpResponse:
    essay = _essay(request, **url)
    cite = citations.citation_data(essay, _canonical(request, essay))
    context = {
        "essay": essay,
        "books": [(book, book_reference(book)) for book in essay.books.all()],
        "tags": essay.tags.all(),
        "canonical_url": cite.url,
        "citation": citations.formatted(cite),
        "place": cite.place,
    }
    return _private_if_draft(render(request, "essays/essay.html", context), essay)


def essay_pdf_view(request: HttpRequest, **url: str) -> HttpResponse:
    essay = _essay(request, **url)
    pdf = essay_pdf(essay, _canonical(request, essay))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{essay.slug}.pdf"'
    return _private_if_draft(response, essay)


_CITATION_FORMATS = {
    "bib": (citations.bibtex, "application/x-bibtex; charset=utf-8"),
    "ris": (citations.ris, "application/x-research-info-systems; charset=utf-8"),
    "json": (citations.csl_json, "application/vnd.citationstyles.csl+json; charset=utf-8"),
}


def citation(request: HttpRequest, kind: str, **url: str) -> HttpResponse:
    if kind not in _CITATION_FORMATS:
        raise Http404("unknown citation format")
    essay = _essay(request, **url)
    write, content_type = _CITATION_FORMATS[kind]
    response = HttpResponse(
        write(citations.citation_data(essay, _canonical(request, essay))),
        content_type=content_type,
    )
    extension = "csl.json" if kind == "json" else kind
    response["Content-Disposition"] = f'attachment; filename="{essay.slug}.{extension}"'
    return _private_if_draft(response, essay)


def _listing(queryset: object) -> object:
    return queryset.select_related("reviewer").prefetch_related("books", "tags")  # type: ignore[attr-defined]


def essay_index(request: HttpRequest) -> HttpResponse:
    essays = _listing(Essay.objects.published())
    tags = Tag.objects.filter(essays__status=Essay.Status.PUBLISHED).distinct()
    return render(request, "essays/index.html", {"essays": essays, "tags": tags})


def tag_page(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    essays = _listing(Essay.objects.published().filter(tags=tag))
    return render(request, "essays/tag.html", {"tag": tag, "essays": essays})


def reviewer_page(request: HttpRequest, slug: str) -> HttpResponse:
    reviewer = get_object_or_404(Reviewer, slug=slug)
    essays = _listing(Essay.objects.visible_to(request.user).filter(reviewer=reviewer))
    return render(request, "essays/reviewer.html", {"reviewer": reviewer, "essays": essays})
