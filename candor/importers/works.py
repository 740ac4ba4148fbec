"""Editions linked by an import: rows that carry the same work id (a source's, such as
Goodreads' "work id" or an Open Library "/works/OL…W" key) become editions of one work.

The import is the operator's act, so links go through `candor.catalog.editions` like
staff's: checked against the credits and recorded (`EditionChange`, by nobody, from
"import books FILE"). A row whose book cannot be linked is reported with the reason;
the book itself is saved, as a work of its own.
"""

import re
from typing import Any

from candor.catalog.editions import Actor, LinkError, attach
from candor.catalog.models import LANGUAGE_TAG, Book, Format, Work
from candor.importers.readers import RowError

FORMAT_NAMES = {
    "hardcover": Format.HARDCOVER,
    "hardback": Format.HARDCOVER,
    "paperback": Format.PAPERBACK,
    "mass market paperback": Format.PAPERBACK,
    "trade paperback": Format.PAPERBACK,
    "ebook": Format.EBOOK,
    "e-book": Format.EBOOK,
    "kindle edition": Format.EBOOK,
    "kindle": Format.EBOOK,
    "audiobook": Format.AUDIOBOOK,
    "audio cd": Format.AUDIOBOOK,
    "audible audio": Format.AUDIOBOOK,
    "other": Format.OTHER,
}


def edition_format(field: str, value: Any) -> str:
    """A format as a source writes it ("Hardcover", "Kindle Edition") as Candor's."""
    text = str(value or "").strip().lower()
    if not text:
        return ""
    if text not in FORMAT_NAMES:
        raise RowError(field, f"{value!r} is not a format Candor knows: {known_formats()}")
    return str(FORMAT_NAMES[text])


def known_formats() -> str:
    return ", ".join(sorted({f.label.lower() for f in Format}))


def language(field: str, value: Any) -> str:
    text = str(value or "").strip()
    if text and not re.match(LANGUAGE_TAG, text):
        raise RowError(field, f"{text!r} is not a language tag such as en, de or pt-BR")
    return text


def work_key(field: str, value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > 200 or "\x00" in text:
        raise RowError(field, "a work id of at most 200 characters")
    return text


def link_works(rows: list[tuple[int, str, str]], source: str) -> list[tuple[int, RowError]]:
    """Link each (line, ISBN, work id) row's book into the work with that id, creating
    the id on the first such book's work; the rows that could not be linked."""
    refused: list[tuple[int, RowError]] = []
    by_key: dict[str, list[tuple[int, Book]]] = {}
    books = {b.isbn13: b for b in Book.objects.filter(isbn13__in=[isbn for _, isbn, _ in rows])}
    for line, isbn, key in rows:
        by_key.setdefault(key, []).append((line, books[isbn]))
    for key, found in by_key.items():
        work = Work.objects.filter(external_id=key).first()
        if work is None:
            first = found[0][1]
            work = Work.objects.get(pk=first.work_id)
            if work.external_id is not None:
                refused.append(
                    (line, not_linked(f"its work already has the id {work.external_id}"))
                )
                continue
            Work.objects.filter(pk=work.pk).update(external_id=key)
        actor = Actor(None, source, f"work id {key} in the import")
        for line, book in found:
            book.refresh_from_db(fields=["work"])
            if book.work_id == work.pk:
                continue
            try:
                attach([book], work, actor)
            except LinkError as error:
                refused.append((line, not_linked(str(error))))
    return refused


def not_linked(reason: str) -> RowError:
    return RowError("work", f"the book is saved, but not linked to the work: {reason}")
