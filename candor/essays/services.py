"""Every change to an essay goes through here: default title, permanent URL, rendering."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.text import slugify

from candor.catalog.models import Book
from candor.catalog.names import split_name
from candor.essays.markdown import render_html
from candor.essays.models import Essay, Reviewer, Tag


def default_title(books: Iterable[Book]) -> str:
    titles = [book.title for book in books]
    return "Review \u2013 " + " and ".join(titles) if titles else "Review"


def _free_slug(essay: Essay, text: str) -> str:
    """A slug not yet used on the essay's URL date (essay-2, essay-3, ...)."""
    base = slugify(text)[:80] or "essay"
    same_day = Essay.objects.filter(
        url_year=essay.url_year, url_month=essay.url_month, url_day=essay.url_day
    ).exclude(pk=essay.pk)
    slug, n = base, 1
    while same_day.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def save_essay(
    essay: Essay, books: Iterable[Book] | None = None, tags: Iterable[Tag] | None = None
) -> Essay:
    """Save an essay with its stored HTML, default title and (first time) its URL.

    books and tags, when given, replace the essay's (None keeps them); the default
    title is made from the books.
    """
    book_list = list(books) if books is not None else None
    if not essay.title.strip():
        chosen = book_list if book_list is not None else list(essay.books.all())
        essay.title = default_title(chosen)
    if essay.pk is None or not essay.url_year:
        # The canonical URL's date is fixed once, on first save: stable forever.
        day = essay.published_on
        essay.url_year, essay.url_month, essay.url_day = day.year, day.month, day.day
    if essay.pk is None or not essay.slug:
        # Free on its date, so two essays never share an address.
        essay.slug = _free_slug(essay, essay.slug or essay.title)
    essay.body_html = render_html(essay.body_markdown)
    essay.save()
    if book_list is not None:
        essay.books.set(book_list)
    if tags is not None:
        essay.tags.set(list(tags))
    return essay


def publish(essay: Essay) -> Essay:
    essay.status = Essay.Status.PUBLISHED
    return save_essay(essay)


def tags_named(names: Iterable[str]) -> list[Tag]:
    """Tags for these names, created when new (matched case-insensitively)."""
    found = []
    for name in (n.strip() for n in names):
        if name:
            tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
            found.append(tag)
    return found


def reviewer_named(name: str, bio: str = "") -> Reviewer:
    """The reviewer of that name, created if new (with family and given names guessed
    from it, which editors can correct); a non-empty bio replaces the stored one."""
    reviewer = Reviewer.objects.filter(name=name).first()
    if reviewer is None:
        parts = split_name(name)
        return Reviewer.objects.create(
            name=name, bio=bio, family_name=parts.family, given_name=parts.given
        )
    if bio and reviewer.bio != bio:
        reviewer.bio = bio
        reviewer.save(update_fields=["bio"])
    return reviewer
