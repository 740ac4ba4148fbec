"""Linking editions into works: the work's rating covers every edition's reviews, each
reader once; links are staff's, checked against the credits, and recorded; merging
and splitting store the same numbers as `candor rebuild_ratings` computes."""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from candor.catalog.editions import Actor, LinkError, attach, merge, split
from candor.catalog.models import Book, EditionChange, Work
from candor.reviews import store
from tests.conftest import assert_stored_is_scratch, make_isbn13

pytestmark = pytest.mark.django_db


def fresh(book: Book) -> Book:
    return Book.objects.get(pk=book.pk)


@pytest.fixture
def editions(make_book: Any, make_user: Any, write: Any) -> tuple[Book, Book, Book]:
    """A well-reviewed hardcover, a paperback with a few reviews of its own, and a new
    e-book with none: three works of one edition each, by the same author."""
    hardcover = make_book("The Long Shore", format="hardcover")
    paperback = make_book("The Long Shore", format="paperback")
    ebook = make_book("The Long Shore", format="ebook")
    for i, stars in enumerate([5, 5, 4, 5, 4, 5]):
        write(make_user(f"hard{i}"), hardcover, stars, days_ago=300 - i * 20)
    for i, stars in enumerate([2, 3]):
        write(make_user(f"soft{i}"), paperback, stars, days_ago=30 - i)
    return hardcover, paperback, ebook


def staff_actor(staff: Any, note: str = "same text, other format") -> Actor:
    return Actor(staff, "admin", note)


def test_an_attached_edition_shows_the_works_rating_and_keeps_its_own(editions, staff) -> None:  # type: ignore[no-untyped-def]
    hardcover, _, ebook = editions
    before = fresh(hardcover).rating
    attach([ebook], fresh(hardcover).work, staff_actor(staff))
    ebook = fresh(ebook)
    assert ebook.work_id == fresh(hardcover).work_id
    # The e-book's page shows the work's rating; its own stays "no reviews yet".
    assert (ebook.rating, ebook.rating_count) == (before, 6)
    assert (ebook.edition_rating, ebook.edition_rating_count) == (None, 0)
    assert store.shown(ebook, edition=True).result.count == 0
    assert_stored_is_scratch(hardcover, ebook)
    # The e-book's old work had nothing else: it is gone.
    assert Work.objects.count() == 2


def test_merging_two_works_recomputes_the_merged_rating(editions, staff) -> None:  # type: ignore[no-untyped-def]
    hardcover, paperback, _ = editions
    alone = fresh(hardcover).rating
    merge([fresh(paperback).work], fresh(hardcover).work, staff_actor(staff))
    merged = fresh(hardcover)
    assert merged.rating_count == 8
    assert merged.rating is not None and alone is not None and merged.rating < alone
    assert fresh(paperback).rating == merged.rating
    # Each edition keeps its own reviews' rating for "This edition".
    assert fresh(paperback).edition_rating_count == 2
    assert merged.edition_rating == alone
    assert_stored_is_scratch(hardcover, paperback)


def numbers(book: Book) -> tuple[Any, ...]:
    return (
        book.rating,
        book.rating_count,
        book.rating_data["scores"],
        book.edition_rating,
        book.edition_rating_count,
        book.edition_rating_data["scores"],
    )


def test_rebuild_ratings_gives_the_numbers_of_the_incremental_path(  # type: ignore[no-untyped-def]
    editions, staff, make_user, write, monkeypatch
) -> None:
    hardcover, paperback, ebook = editions
    merge([fresh(paperback).work], fresh(hardcover).work, staff_actor(staff))
    attach([ebook], fresh(hardcover).work, staff_actor(staff))
    write(make_user("late"), ebook, 1)
    write(make_user("both"), paperback, 2, days_ago=3)
    write(Book.objects.get(pk=paperback.pk).reviews.first().user, ebook, 4)
    split(fresh(paperback), staff_actor(staff, "a different translation after all"))
    incremental = {book.pk: numbers(book) for book in Book.objects.all()}
    # The one thing a rebuild changes on purpose is the catalogue prior: hold it.
    monkeypatch.setattr(store, "recompute_prior", lambda now=None: store.current_prior())
    call_command("rebuild_ratings", stdout=StringIO())
    rebuilt = {book.pk: numbers(book) for book in Book.objects.all()}
    assert rebuilt.keys() == incremental.keys()
    for pk, expected in incremental.items():
        for got, want in zip(rebuilt[pk], expected, strict=True):
            assert flat(got) == pytest.approx(flat(want), abs=1e-9, nan_ok=True)
    assert_stored_is_scratch(hardcover, paperback, ebook)


def flat(value: Any) -> list[Any]:
    """A stored value's numbers (and other leaves) in a fixed order, for approx."""
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in flat(value[key])]
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in flat(item)]
    return [float("nan") if value is None else value]


def test_a_reader_counts_once_in_a_work(editions, staff, write) -> None:  # type: ignore[no-untyped-def]
    hardcover, paperback, _ = editions
    reader = Book.objects.get(pk=paperback.pk).reviews.first().user
    write(reader, hardcover, 5)  # the same reader, later, on the hardcover
    merge([fresh(paperback).work], fresh(hardcover).work, staff_actor(staff))
    # 6 + 2 reviews by 7 readers: the reader's later review is the one that counts.
    assert fresh(hardcover).rating_count == 8
    assert fresh(hardcover).edition_rating_count == 7
    assert fresh(paperback).edition_rating_count == 2
    assert_stored_is_scratch(hardcover, paperback)


def test_splitting_an_edition_off_gives_back_the_ratings_before_the_link(editions, staff) -> None:  # type: ignore[no-untyped-def]
    hardcover, paperback, _ = editions
    apart = [(b.rating, b.rating_count) for b in (fresh(hardcover), fresh(paperback))]
    merge([fresh(paperback).work], fresh(hardcover).work, staff_actor(staff))
    assert fresh(paperback).rating_count == 8
    split(fresh(paperback), staff_actor(staff, "a different book"))
    again = [(b.rating, b.rating_count) for b in (fresh(hardcover), fresh(paperback))]
    assert [count for _, count in again] == [count for _, count in apart]
    assert [rating for rating, _ in again] == pytest.approx([rating for rating, _ in apart])
    assert fresh(paperback).work_id != fresh(hardcover).work_id
    with pytest.raises(LinkError, match="only edition"):
        split(fresh(paperback), staff_actor(staff))


def test_a_book_by_other_authors_cannot_take_a_works_rating(editions, make_book, staff) -> None:  # type: ignore[no-untyped-def]
    hardcover, _, _ = editions
    stranger = make_book("Cheap Knock-off", authors=["Someone Else"])
    with pytest.raises(LinkError, match="shares no credited author"):
        attach([stranger], fresh(hardcover).work, staff_actor(staff))
    assert fresh(stranger).rating is None
    assert not EditionChange.objects.exists()
    # Staff can confirm credits that differ (a transliterated name), saying why.
    attach(
        [stranger],
        fresh(hardcover).work,
        staff_actor(staff, "translation; author credited as transliterated"),
        credits_differ=True,
    )
    assert fresh(stranger).rating == fresh(hardcover).rating


def test_only_staff_link_and_every_link_is_recorded(editions, staff, other_user) -> None:  # type: ignore[no-untyped-def]
    hardcover, paperback, ebook = editions
    with pytest.raises(LinkError, match="Only staff"):
        attach([ebook], fresh(hardcover).work, Actor(other_user, "admin", "trust me"))
    with pytest.raises(LinkError, match="Say why"):
        attach([ebook], fresh(hardcover).work, Actor(staff, "admin", "  "))
    assert fresh(ebook).work_id != fresh(hardcover).work_id
    before = fresh(ebook)
    change = attach([ebook], fresh(hardcover).work, staff_actor(staff))
    assert (change.action, change.by, change.source) == ("attach", staff, "admin")
    assert change.isbns == [ebook.isbn13]
    assert change.note == "same text, other format"
    assert change.from_works == [
        {"id": before.work_id, "title": "The Long Shore", "rating": None, "count": 0}
    ]
    assert (change.rating_before, change.count_before) == (fresh(hardcover).rating, 6)
    assert (change.rating_after, change.count_after) == (fresh(hardcover).rating, 6)
    merged = merge([fresh(paperback).work], fresh(hardcover).work, staff_actor(staff))
    assert (merged.count_before, merged.count_after) == (6, 8)


def write_list(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "editions.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_link_editions_links_each_lines_editions(editions, tmp_path) -> None:  # type: ignore[no-untyped-def]
    hardcover, paperback, ebook = editions
    path = write_list(
        tmp_path,
        f"# The Long Shore\n{hardcover.isbn13}, {paperback.isbn13} ;{ebook.isbn13}\n\n",
    )
    out = StringIO()
    call_command("link_editions", str(path), stdout=out)
    assert "Linked 1 work(s)" in out.getvalue()
    assert len({fresh(b).work_id for b in editions}) == 1
    change = EditionChange.objects.get()
    assert change.by is None and change.source == f"link-editions {path}:2"
    assert fresh(ebook).rating_count == 8
    assert_stored_is_scratch(*editions)


def test_link_editions_reports_every_bad_line_and_links_nothing(  # type: ignore[no-untyped-def]
    editions, make_book, tmp_path
) -> None:
    hardcover, paperback, ebook = editions
    stranger = make_book("Other", authors=["Someone Else"])
    absent = make_isbn13()
    path = write_list(
        tmp_path,
        "\n".join(
            [
                f"{hardcover.isbn13} {paperback.isbn13}",  # fine on its own
                f"{ebook.isbn13} not-an-isbn",
                f"{stranger.isbn13}",
                f"{paperback.isbn13} {absent}",
            ]
        ),
    )
    err = StringIO()
    with pytest.raises(CommandError, match="3 bad line"):
        call_command("link_editions", str(path), stderr=err)
    problems = err.getvalue().splitlines()
    assert problems == [
        f"{path}:2: 'not-an-isbn' is not an ISBN",
        f"{path}:3: a line needs the ISBNs of at least two editions",
        f"{path}:4: ISBN {paperback.isbn13} is also on line 1",
    ]
    assert Work.objects.count() == 4
    assert not EditionChange.objects.exists()


def test_link_editions_names_missing_books_and_strangers(editions, make_book, tmp_path) -> None:  # type: ignore[no-untyped-def]
    hardcover, paperback, _ = editions
    stranger = make_book("Other", authors=["Someone Else"])
    absent = make_isbn13()
    path = write_list(
        tmp_path,
        f"{hardcover.isbn13} {absent}\n{paperback.isbn13} {stranger.isbn13}\n{hardcover.isbn13}\n",
    )
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("link_editions", str(path), stderr=err)
    assert err.getvalue().splitlines() == [
        f"{path}:1: not in the catalogue: {absent}",
        f"{path}:2: ISBN {stranger.isbn13} shares no credited author with ISBN {paperback.isbn13}",
        f"{path}:3: ISBN {hardcover.isbn13} is also on line 1",
    ]
    assert len({fresh(b).work_id for b in (hardcover, paperback, stranger)}) == 3
