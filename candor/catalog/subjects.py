"""Subjects as imports name them: one subject per slug, so "Science Fiction",
"science fiction" and "Science-Fiction" are the same subject, named as first seen."""

import re
from collections.abc import Iterable

from django.utils.text import slugify

from candor.catalog.models import Book, Subject

NAME_MAX = Subject._meta.get_field("name").max_length or 100
SLUG_MAX = Subject._meta.get_field("slug").max_length or 100


def clean_names(values: Iterable[str]) -> tuple[str, ...]:
    """Subject names trimmed, spaces collapsed, too-long ones cut, duplicates (by slug)
    and names without a letter or digit dropped; in the order given."""
    names: dict[str, str] = {}
    for value in values:
        name = re.sub(r"\s+", " ", str(value)).strip()[:NAME_MAX].strip()
        slug = slugify(name)[:SLUG_MAX]
        if slug and slug not in names:
            names[slug] = name
    return tuple(names.values())


def subject_ids(names: Iterable[str], create: bool = True) -> dict[str, int]:
    """{slug: subject id} for the names; missing subjects are created unless ``create``
    is false (then only the subjects the catalogue already has are returned)."""
    wanted = {slugify(name)[:SLUG_MAX]: name for name in clean_names(names)}
    found = dict(Subject.objects.filter(slug__in=wanted).values_list("slug", "pk"))
    # A subject an editor gave another slug in the admin is still found by its name.
    by_name = dict(Subject.objects.filter(name__in=wanted.values()).values_list("name", "pk"))
    found.update({slug: by_name[name] for slug, name in wanted.items() if name in by_name})
    missing = [Subject(name=name, slug=slug) for slug, name in wanted.items() if slug not in found]
    if create and missing:
        Subject.objects.bulk_create(missing, ignore_conflicts=True)
        found.update(
            Subject.objects.filter(slug__in=[s.slug for s in missing]).values_list("slug", "pk")
        )
    return found


def known_names(names: Iterable[str]) -> tuple[str, ...]:
    """The names that are subjects the catalogue already has, as the catalogue names them."""
    slugs = [slugify(name)[:SLUG_MAX] for name in clean_names(names)]
    return tuple(Subject.objects.filter(slug__in=slugs).values_list("name", flat=True))


def add_subjects(book: Book, names: Iterable[str]) -> bool:
    """Give the book these subjects (it keeps the ones it has); True if any was new."""
    ids = set(subject_ids(names).values())
    if not ids:
        return False
    new = ids - set(book.subjects.values_list("pk", flat=True))
    if new:
        book.subjects.add(*new)
    return bool(new)


def add_subjects_to_many(names_by_book: dict[int, tuple[str, ...]]) -> None:
    """add_subjects for books just created (they have no subjects yet), in bulk."""
    if not names_by_book:
        return
    # In the books' order, so a subject new to the catalogue is named as first seen.
    ids = subject_ids([name for names in names_by_book.values() for name in names])
    through = Book.subjects.through
    rows = {
        (book_id, ids[slug])
        for book_id, names in names_by_book.items()
        for slug in (slugify(name)[:SLUG_MAX] for name in names)
        if slug in ids
    }
    through.objects.bulk_create(
        [through(book_id=book_id, subject_id=subject_id) for book_id, subject_id in sorted(rows)],
        batch_size=2000,
        ignore_conflicts=True,
    )
