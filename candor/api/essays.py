"""Review essays (candor.essays): published essays only; drafts never leave the admin."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from candor.api.errors import READ_ERRORS
from candor.api.schemas import Slug
from candor.essays.journal import placement
from candor.essays.models import Essay

router = Router(tags=["essays"])
BIGINT_MAX = 2**63 - 1


class EssaySummary(Schema):
    id: int
    title: str
    url: str = Field(description="The essay's permanent address on the site")
    reviewer: str
    published_on: date
    summary: str
    books: list[str] = Field(description="Slugs of the books the essay reviews")
    tags: list[str]


class EssayDetail(EssaySummary):
    journal: str = Field(description="The journal the essay appears in")
    issn: str = Field(description="The journal's ISSN (NNNN-NNNC), or empty")
    volume: str = Field(description="The journal's volume, or empty")
    issue: str = Field(description="The journal's issue, or empty")
    doi: str = Field(description="The essay's DOI (10.xxxx/...), or empty")
    body_markdown: str
    body_html: str = Field(description="The body rendered to sanitised HTML")


class EssayFilters(Schema):
    book: Slug | None = Field(default=None, description="Only essays about this book (slug)")
    limit: int = Field(default=50, ge=1, le=100)


def published() -> Any:
    return Essay.objects.published().select_related("reviewer").prefetch_related("books", "tags")


def essay_summary(essay: Essay) -> dict[str, Any]:
    return {
        "id": essay.pk,
        "title": essay.title,
        "url": essay.get_absolute_url(),
        "reviewer": essay.reviewer.name,
        "published_on": essay.published_on,
        "summary": essay.summary,
        "books": [book.slug for book in essay.books.all()],
        "tags": [tag.name for tag in essay.tags.all()],
    }


@router.get("/essays", response={200: list[EssaySummary], **READ_ERRORS}, summary="Essays")
def list_essays(request: HttpRequest, filters: Query[EssayFilters]) -> Any:
    """Published review essays, newest first, optionally only those about one book."""
    essays = published()
    if filters.book:
        essays = essays.filter(books__slug=filters.book).distinct()
    return [essay_summary(essay) for essay in essays[: filters.limit]]


@router.get(
    "/essays/{essay_id}",
    response={200: EssayDetail, **READ_ERRORS},
    summary="One essay with its text",
)
def get_essay(request: HttpRequest, essay_id: int = Path(..., ge=1, le=BIGINT_MAX)) -> Any:
    essay = get_object_or_404(published(), pk=essay_id)
    place = placement(essay)
    return {
        **essay_summary(essay),
        "journal": place.journal,
        "issn": place.issn,
        "volume": place.volume,
        "issue": place.issue,
        "doi": place.doi,
        "body_markdown": essay.body_markdown,
        "body_html": essay.body_html,
    }
