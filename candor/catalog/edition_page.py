"""What a book page shows of the book's work: its other editions (the edition switch),
and whether the rating shown covers every edition or this one alone."""

from dataclasses import dataclass

from django.utils.translation import get_language_info

from candor.catalog.models import Book


def language_name(tag: str) -> str:
    """A language tag in words ("de" → "German"); the tag itself when Django does not
    know it."""
    if not tag:
        return ""
    try:
        return str(get_language_info(tag.lower())["name"])
    except KeyError:
        try:
            return str(get_language_info(tag.split("-")[0].lower())["name"]) + f" ({tag})"
        except KeyError:
            return tag


def edition_label(book: Book) -> str:
    """How an edition is told from its siblings: "Paperback · German · 2019"."""
    parts = [
        book.get_format_display() if book.format else "",
        language_name(book.language),
        str(book.year) if book.year else "",
    ]
    return " · ".join(part for part in parts if part) or f"ISBN {book.isbn13_display}"


@dataclass(frozen=True)
class Editions:
    book: Book
    all: list[Book]  # every edition of the work, this one included
    scope: str  # "all": the work's rating and reviews; "this": this edition's

    @property
    def several(self) -> bool:
        return len(self.all) > 1

    @property
    def whole_work(self) -> bool:
        """Whether the rating and reviews shown are the work's (every edition's)."""
        return self.scope == "all" or not self.several

    @property
    def others(self) -> list[Book]:
        return [edition for edition in self.all if edition.pk != self.book.pk]


def editions_of(book: Book, scope: str) -> Editions:
    siblings = (
        Book.objects.filter(work_id=book.work_id)
        .select_related("publisher")
        .order_by("year", "format", "language", "pk")
    )
    return Editions(book, list(siblings), scope)
