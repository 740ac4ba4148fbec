"""Subjects come in with the books where the source names them: the books CSV's
subjects column, Amazon's category path, and a reader's shelves or tags that name a
subject the catalogue already has."""

import json

import pytest
from django.core.management import call_command

from candor.catalog.models import Book, Subject
from candor.catalog.subjects import add_subjects, clean_names

pytestmark = pytest.mark.django_db

HEADER = "isbn,title,authors,subjects\n"


def subjects_of(isbn13: str) -> list[str]:
    return sorted(Book.objects.get(isbn13=isbn13).subjects.values_list("name", flat=True))


def test_books_csv_subjects_are_added_once_by_slug_and_never_taken_away(tmp_path, capsys) -> None:
    path = tmp_path / "books.csv"
    path.write_text(
        HEADER
        + "9780143039433,Don Quixote,Cervantes,Classics; Satire\n"
        + "0393309401,Shelf Notes,Jane Doe,classics;  Literary  criticism \n"
    )
    call_command("import", "books", str(path))
    assert subjects_of("9780143039433") == ["Classics", "Satire"]
    assert subjects_of("9780393309409") == ["Classics", "Literary criticism"]
    assert Subject.objects.count() == 3  # "classics" is "Classics"
    # An editor adds one in the admin; the same file again changes nothing.
    quixote = Book.objects.get(isbn13="9780143039433")
    quixote.subjects.add(Subject.objects.create(name="Spain"))
    call_command("import", "books", str(path))
    assert "0 created, 2 already present, 0 rejected, 0 updated" in capsys.readouterr().out
    assert subjects_of("9780143039433") == ["Classics", "Satire", "Spain"]
    # A new subject in the file is added to an existing book, keeping the others.
    path.write_text(HEADER + "9780143039433,Don Quixote,Cervantes,Picaresque\n")
    call_command("import", "books", str(path))
    assert "1 updated" in capsys.readouterr().out
    assert subjects_of("9780143039433") == ["Classics", "Picaresque", "Satire", "Spain"]


def test_books_csv_without_a_subjects_column_still_imports(tmp_path) -> None:
    path = tmp_path / "books.csv"
    path.write_text("isbn,title,authors\n9780143039433,Don Quixote,Cervantes\n")
    call_command("import", "books", str(path))
    assert subjects_of("9780143039433") == []


def test_amazon_category_path_becomes_subjects_without_its_root(tmp_path) -> None:
    item = {
        "parent_asin": "0143039431",
        "title": "Don Quixote",
        "author": {"name": "Miguel de Cervantes"},
        "categories": ["Books", "Literature & Fiction", "Classics"],
        "details": {"ISBN 13": "978-0143039433"},
    }
    odd = {**item, "parent_asin": "0393309401", "title": "Odd", "categories": "Books"}
    odd["details"] = {"ISBN 10": "0393309401"}
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in (item, odd)) + "\n")
    call_command("import", "amazon", str(path))
    assert subjects_of("9780143039433") == ["Classics", "Literature & Fiction"]
    assert subjects_of("9780393309409") == []  # not a list: no subjects, the book is kept


def test_goodreads_shelves_naming_known_subjects_tag_the_books_it_adds(owner, tmp_path) -> None:
    Subject.objects.create(name="Science Fiction")
    path = tmp_path / "goodreads.csv"
    path.write_text(
        "Title,Author,Additional Authors,ISBN,ISBN13,My Rating,My Review,Date Read,"
        "Date Added,Bookshelves\n"
        'Dune,Frank Herbert,,"=""0441013597""","=""9780441013593""",5,,,2021/01/02,'
        '"science-fiction, favourites, owned"\n'
    )
    call_command("import", "goodreads", str(path), "--user", "owner")
    assert subjects_of("9780441013593") == ["Science Fiction"]
    assert not Subject.objects.filter(name__in=["favourites", "owned"]).exists()


def test_storygraph_tags_do_not_change_a_book_already_in_the_catalogue(
    book, owner, tmp_path
) -> None:
    Subject.objects.create(name="History")
    path = tmp_path / "storygraph.csv"
    path.write_text(
        "Title,Authors,ISBN/UID,Star Rating,Review,Last Date Read,Date Added,Tags\n"
        f"Uncertain Partners,Someone,{book.isbn13},4,,,2021/01/02,history\n"
        "New One,Someone,9780143039433,3,,,2021/01/02,history\n"
    )
    call_command("import", "storygraph", str(path), "--user", "owner")
    assert subjects_of(book.isbn13) == []
    assert subjects_of("9780143039433") == ["History"]


def test_subject_names_are_cleaned_and_deduplicated() -> None:
    assert clean_names(["  Science   Fiction ", "science-fiction", "!!!", "x" * 150]) == (
        "Science Fiction",
        "x" * 100,
    )


def test_adding_subjects_reports_only_real_changes(make_book) -> None:
    book = make_book("Some Book")
    assert add_subjects(book, ["Poetry"]) is True
    assert add_subjects(book, ["poetry"]) is False
    assert add_subjects(book, []) is False
