"""A books CSV links editions by a source's work id, with each edition's format and
language; links it cannot make are reported by line, and the books are still saved."""

from pathlib import Path

import pytest
from django.core.management import call_command

from candor.catalog.models import Book, EditionChange, Work

pytestmark = pytest.mark.django_db

HEADER = "isbn,title,authors,format,language,work\n"


def work_of(isbn13: str) -> int:
    return Book.objects.get(isbn13=isbn13).work_id


def run(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    path = tmp_path / "books.csv"
    path.write_text(HEADER + text, encoding="utf-8")
    call_command("import", "books", str(path))
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_rows_with_one_work_id_become_its_editions(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out, _ = run(
        tmp_path,
        "9780143039433,Don Quixote,Cervantes,Paperback,en,goodreads:3836\n"
        "9780060934347,Don Quixote,Cervantes,Hardcover,en,goodreads:3836\n"
        "9788420412146,Don Quijote de la Mancha,Cervantes,Kindle Edition,es,goodreads:3836\n"
        "0393309401,Shelf Notes,Jane Doe,,,\n",
        capsys,
    )
    assert "4 created, 0 already present, 0 rejected" in out
    quixote = {work_of("9780143039433"), work_of("9780060934347"), work_of("9788420412146")}
    assert len(quixote) == 1
    assert Work.objects.get(pk=quixote.pop()).external_id == "goodreads:3836"
    assert work_of("9780393309409") not in {work_of("9780143039433")}
    spanish = Book.objects.get(isbn13="9788420412146")
    assert (spanish.format, spanish.language) == ("ebook", "es")
    changes = EditionChange.objects.all()
    assert {c.source for c in changes} == {f"import books {tmp_path / 'books.csv'}"}
    assert all(c.by is None for c in changes)
    # A later file with the same work id adds to the same work.
    run(tmp_path, "9780142437230,Don Quixote,Cervantes,Paperback,en,goodreads:3836\n", capsys)
    assert work_of("9780142437230") == work_of("9780143039433")


def test_a_row_whose_book_cannot_join_the_work_is_reported(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, err = run(
        tmp_path,
        "9780143039433,Don Quixote,Cervantes,Paperback,en,OL45883W\n"
        "9780393309409,Quixote Knock-off,Someone Else,,en,OL45883W\n"
        "9780060934347,Don Quixote,Cervantes,Scroll,en,OL45883W\n"
        "9788420412146,Don Quijote,Cervantes,,Spanish,OL45883W\n",
        capsys,
    )
    lines = err.splitlines()
    assert any(":3: work: the book is saved, but not linked" in line for line in lines)
    assert any("shares no credited author" in line for line in lines)
    assert any(":4: format: 'Scroll' is not a format Candor knows" in line for line in lines)
    assert any(":5: language: 'Spanish' is not a language tag" in line for line in lines)
    assert work_of("9780393309409") != work_of("9780143039433")
    assert not Book.objects.filter(isbn13__in=["9780060934347", "9788420412146"]).exists()
