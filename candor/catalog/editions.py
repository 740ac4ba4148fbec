"""Which editions make up which work: attach, split off, merge, and lists of ISBNs.

A link moves ratings: a work's rating covers the reviews of all its editions, so an
edition attached to a well-reviewed work shows that work's rating on its page. That is
what a review hijack is after (docs/editions.md), so links are made only here, only by
staff (the admin) or the operator (commands and imports, ``by`` None), only between
books that share a credited author (unless staff confirm the credits differ for a
reason they give), and each one is recorded in `EditionChange` with who, when, why and
the ratings it moved. Every change runs inside `store.changing`, so the works' ratings
are stored again before it commits.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from candor.catalog.isbn import normalize_isbn
from candor.catalog.models import Book, Contribution, EditionChange, Work
from candor.reviews import store

CREDITED = (Contribution.Role.AUTHOR, Contribution.Role.CO_AUTHOR)


class LinkError(Exception):
    """A link the rules refuse; the message says why and is shown to staff."""


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a staff account (None: the operator, on the command line or
    by an import), where (``source``: "admin", "link-editions FILE:LINE", ...) and why."""

    user: AbstractBaseUser | None
    source: str
    note: str = ""


def check_actor(actor: Actor) -> None:
    if actor.user is not None and not getattr(actor.user, "is_staff", False):
        raise LinkError("Only staff can link editions.")
    if not actor.note.strip():
        raise LinkError("Say why these editions belong together (the note is recorded).")


def authors_of(books: Iterable[Book | int]) -> set[int]:
    ids = [book if isinstance(book, int) else book.pk for book in books]
    found = Contribution.objects.filter(book_id__in=ids, role__in=CREDITED)
    return set(found.values_list("person_id", flat=True))


def check_credits(books: Sequence[Book], work: Work) -> None:
    """Refuse a link between books that share no credited author (or have none): a
    different book must not take a work's rating by a catalogue link."""
    theirs = authors_of(work.editions.all())
    for book in books:
        if not authors_of([book]) & theirs:
            raise LinkError(
                f"ISBN {book.isbn13} ({book.title}) shares no credited author with the work "
                f"“{work.title}”: check the credits, or confirm that they differ and say why."
            )


def rating_of(work: Work) -> tuple[float | None, int]:
    """The work's stored rating and count of ratings (the same on every edition)."""
    found = Book.objects.filter(work=work).values_list("rating", "rating_count").first()
    return found if found is not None else (None, 0)


def attach(
    books: Sequence[Book], work: Work, actor: Actor, *, credits_differ: bool = False
) -> EditionChange:
    """Make these books editions of ``work``; the works they leave lose them (and go
    when left with none). ``credits_differ``: staff confirmed the credits differ."""
    return move(books, work, actor, EditionChange.Action.ATTACH, credits_differ)


def merge(
    works: Sequence[Work], into: Work, actor: Actor, *, credits_differ: bool = False
) -> EditionChange:
    """Make every edition of ``works`` an edition of ``into``; the merged works go. A
    source's work id (`Work.external_id`) moves with them when ``into`` has none."""
    others = [work for work in works if work.pk != into.pk]
    if not others:
        raise LinkError("Choose at least two works to merge.")
    books = list(Book.objects.filter(work__in=others).order_by("pk"))
    keep_id = next((w.external_id for w in others if w.external_id), None)
    change = move(books, into, actor, EditionChange.Action.MERGE, credits_differ)
    if into.external_id is None and keep_id is not None:
        Work.objects.filter(pk=into.pk).update(external_id=keep_id)
        into.external_id = keep_id
    return change


def split(book: Book, actor: Actor) -> EditionChange:
    """Make the book the one edition of a new work of its own."""
    check_actor(actor)
    if Book.objects.filter(work_id=book.work_id).count() < 2:
        raise LinkError(f"ISBN {book.isbn13} is already the only edition of its work.")
    old = Work.objects.get(pk=book.work_id)
    before = rating_of(old)
    with transaction.atomic(), store.changing([book]):
        new = Work.objects.create(title=book.title)
        Book.objects.filter(pk=book.pk).update(work=new)
    book.work = new
    return record(EditionChange.Action.SPLIT, new, [book], [(old, before)], actor, before)


def move(
    books: Sequence[Book],
    work: Work,
    actor: Actor,
    action: str,
    credits_differ: bool,
) -> EditionChange:
    check_actor(actor)
    moving = [book for book in books if book.work_id != work.pk]
    if not moving:
        raise LinkError(f"Those books are already editions of “{work.title}”.")
    if not credits_differ:
        check_credits(moving, work)
    left = list(Work.objects.filter(pk__in={book.work_id for book in moving}).order_by("pk"))
    before = rating_of(work)
    from_works = [(old, rating_of(old)) for old in left]
    staying = list(Book.objects.filter(work=work).values_list("pk", flat=True))
    with transaction.atomic(), store.changing([*staying, *(book.pk for book in moving)]):
        Book.objects.filter(pk__in=[book.pk for book in moving]).update(work=work)
        Work.objects.filter(pk__in=[old.pk for old in left], editions=None).delete()
    for book in moving:
        book.work = work
    return record(action, work, moving, from_works, actor, before)


def record(
    action: str,
    work: Work,
    books: Sequence[Book],
    from_works: Sequence[tuple[Work, tuple[float | None, int]]],
    actor: Actor,
    before: tuple[float | None, int],
) -> EditionChange:
    after = rating_of(work)
    return EditionChange.objects.create(
        action=action,
        work=work,
        work_title=work.title[:300],
        isbns=[book.isbn13 for book in books],
        from_works=[
            {"id": old.pk, "title": old.title, "rating": rating, "count": count}
            for old, (rating, count) in from_works
        ],
        by=actor.user,
        source=actor.source[:300],
        note=actor.note.strip()[:2000],
        rating_before=before[0],
        count_before=before[1],
        rating_after=after[0],
        count_after=after[1],
    )


# --- lists of ISBNs ---------------------------------------------------------------------

SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class IsbnGroup:
    line: int
    books: list[Book]


class IsbnListError(Exception):
    """Lines of an ISBN list that cannot be linked, as "NAME:LINE: reason"; nothing of
    the list was stored."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_isbn_groups(lines: Iterable[str], name: str) -> list[IsbnGroup]:
    """The groups of an ISBN list: one line per work, its editions' ISBNs separated by
    spaces, commas or semicolons (ISBN-10 or -13, any hyphenation); blank lines and
    lines starting with # are skipped. Every problem is raised at once (`IsbnListError`)."""
    problems: list[str] = []
    groups: list[IsbnGroup] = []
    seen: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        try:
            groups.append(IsbnGroup(number, group_books(text, number, seen)))
        except LinkError as error:
            problems.append(f"{name}:{number}: {error}")
    if problems:
        raise IsbnListError(problems)
    return groups


def group_books(text: str, number: int, seen: dict[str, int]) -> list[Book]:
    isbns = []
    for word in SEPARATORS.split(text):
        try:
            isbn = normalize_isbn(word)
        except ValidationError:
            raise LinkError(f"{word!r} is not an ISBN") from None
        if isbn in seen:
            raise LinkError(f"ISBN {isbn} is also on line {seen[isbn]}")
        seen[isbn] = number
        isbns.append(isbn)
    if len(set(isbns)) < 2:
        raise LinkError("a line needs the ISBNs of at least two editions")
    found = {book.isbn13: book for book in Book.objects.filter(isbn13__in=isbns)}
    missing = [isbn for isbn in isbns if isbn not in found]
    if missing:
        raise LinkError(f"not in the catalogue: {', '.join(missing)}")
    books = [found[isbn] for isbn in dict.fromkeys(isbns)]
    first = authors_of([books[0]])
    for book in books[1:]:
        if not authors_of([book]) & first:
            raise LinkError(
                f"ISBN {book.isbn13} shares no credited author with ISBN {books[0].isbn13}"
            )
    return books


def link_isbn_list(lines: Iterable[str], name: str, actor: Actor) -> list[EditionChange]:
    """Link each line's editions into one work: the first ISBN's work, into which the
    others' works are merged (so editions already linked stay together). All lines or
    none: any bad line raises `IsbnListError` before anything is stored."""
    check_actor(actor)
    groups = read_isbn_groups(lines, name)
    changes = []
    with transaction.atomic():
        for group in groups:
            books = [Book.objects.get(pk=book.pk) for book in group.books]  # works may move
            into = Work.objects.get(pk=books[0].work_id)
            works = list(Work.objects.filter(pk__in={b.work_id for b in books}).order_by("pk"))
            if len(works) < 2:
                continue  # already one work
            where = Actor(actor.user, f"{actor.source}:{group.line}", actor.note)
            changes.append(merge(works, into, where))
    return changes


# --- deleting editions ------------------------------------------------------------------


def delete_books(books: Iterable[Book]) -> int:
    """Delete books (staff, in the admin) with their reviews: the works they leave are
    rated again from the editions that remain, and a work left with none goes."""
    ids = [book.pk for book in books]
    works = set(Book.objects.filter(pk__in=ids).values_list("work_id", flat=True))
    with transaction.atomic(), store.changing(ids):
        deleted, _ = Book.objects.filter(pk__in=ids).delete()
        Work.objects.filter(pk__in=works, editions=None).delete()
    return deleted
