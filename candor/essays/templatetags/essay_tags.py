from django import template
from django.db.models import QuerySet

from candor.catalog.models import Book
from candor.essays.models import Essay

register = template.Library()


@register.simple_tag
def published_essays_about(book: Book) -> QuerySet[Essay]:
    """Published essays reviewing this book, newest first (for its "Reviews in journals")."""
    return Essay.objects.published().filter(books=book).select_related("reviewer")


@register.filter
def citation_url(essay: Essay, kind: str) -> str:
    return essay.citation_url(kind)
