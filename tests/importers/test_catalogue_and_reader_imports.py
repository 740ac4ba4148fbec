"""A shop loads its books CSV; a reader (owner) brings ratings from Goodreads or StoryGraph."""

import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from candor.catalog.models import Book
from candor.reviews.models import Review
from tests.conftest import assert_stored_is_scratch

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copy(FIXTURES / name, tmp_path))


def test_books_csv_creates_books_and_reports_bad_rows(tmp_path, capsys) -> None:
    path = copy("books.csv", tmp_path)
    call_command("import", "books", str(path))
    out, err = capsys.readouterr()
    assert "5 rows read: 2 created, 0 already present, 3 rejected" in out
    assert f"{path}:4: isbn: " in err and "not a valid ISBN" in err
    assert f"{path}:5: title: empty" in err
    assert f"{path}:6: pages: 'many' is not a whole number" in err
    quixote = Book.objects.get(isbn13="9780143039433")
    assert (quixote.currency, str(quixote.price), quixote.year) == ("USD", "20.00", 2003)
    assert [c.person.name for c in quixote.contributions.all()] == [
        "Miguel de Cervantes",
        "Edith Grossman",
    ]
    shelf = Book.objects.get(isbn13="9780393309409")
    assert (shelf.series.name, shelf.series_volume, shelf.subtitle) == (
        "Shelf Notes",
        2,
        "A Subtitle",
    )


def test_books_csv_twice_changes_nothing_and_changed_rows_update(tmp_path, capsys) -> None:
    path = copy("books.csv", tmp_path)
    call_command("import", "books", str(path))
    before = list(Book.objects.order_by("pk").values())
    call_command("import", "books", str(path))
    assert "0 created, 2 already present, 3 rejected, 0 updated" in capsys.readouterr().out
    assert list(Book.objects.order_by("pk").values()) == before
    path.write_text(
        path.read_text().replace("Notes From A Test Shelf,Jane Doe", "Notes From A Shelf,Jane Roe")
    )
    call_command("import", "books", str(path))
    assert "1 already present, 3 rejected, 1 updated" in capsys.readouterr().out
    shelf = Book.objects.get(isbn13="9780393309409")
    assert shelf.title == "Notes From A Shelf"
    assert [c.person.name for c in shelf.contributions.all()] == ["Jane Roe"]


def test_missing_header_column_and_short_rows_are_clear_errors(tmp_path, capsys) -> None:
    path = tmp_path / "books.csv"
    path.write_text("isbn,authors\n9780143039433,Someone\n")
    with pytest.raises(CommandError, match=r"header: missing column\(s\): title"):
        call_command("import", "books", str(path))
    path.write_text("isbn,title,authors\n9780143039433\n9780393309409,Fine,Jo\n")
    call_command("import", "books", str(path))
    assert f"{path}:2: title: missing: the line has 1 fields, the header 3" in (
        capsys.readouterr().err
    )
    assert Book.objects.count() == 1


def test_a_file_of_only_bad_rows_fails_and_keeps_what_was_stored(tmp_path) -> None:
    good = copy("books.csv", tmp_path)
    call_command("import", "books", str(good))
    path = tmp_path / "bad.csv"
    path.write_bytes(b"isbn,title\n\xff\xfe,broken\n97801430\x0039433,x\n")
    with pytest.raises(CommandError, match="nothing imported: every row was rejected"):
        call_command("import", "books", str(path))
    assert Book.objects.count() == 2


def test_owner_imports_goodreads_library_with_user_option(owner, tmp_path, capsys) -> None:
    path = copy("goodreads_library_export.csv", tmp_path)
    call_command("import", "goodreads", str(path), "--user", "owner")
    out, err = capsys.readouterr()
    assert "5 rows read: 2 created, 0 already present, 2 rejected, 0 updated, 1 skipped" in out
    assert f"{path}:5: ISBN13: " in err and "not a valid ISBN" in err
    assert f"{path}:6: My Rating: '7' is out of range" in err
    quixote = Review.objects.get(user=owner, book__isbn13="9780143039433")
    assert quixote.rating == 4
    assert quixote.text == "Long, but worth it.\nThe second part is the better one."
    assert quixote.created_at.date().isoformat() == "2021-03-14"  # the date read
    assert [c.person.name for c in quixote.book.contributions.all()] == [
        "Miguel de Cervantes",
        "Edith Grossman",
    ]
    other = Review.objects.get(user=owner, book__isbn13="9780307887436")
    assert other.created_at.date().isoformat() == "2022-05-06"  # not read: the date added
    assert not Book.objects.filter(isbn13="9780679722328").exists()  # to-read: skipped

    call_command("import", "goodreads", str(path), "--user", "owner")
    assert "0 created, 2 already present" in capsys.readouterr().out
    assert_stored_is_scratch(*Book.objects.all())


def test_goodreads_keeps_an_existing_catalogue_entry_as_the_shop_has_it(
    book, owner, tmp_path
) -> None:
    path = copy("goodreads_library_export.csv", tmp_path)
    book.isbn13 = "9780143039433"
    book.save()
    call_command("import", "goodreads", str(path), "--user", "owner")
    book.refresh_from_db()
    assert book.title == "Uncertain Partners"
    assert Review.objects.filter(book=book, user=owner).exists()


def test_goodreads_needs_an_existing_user(tmp_path) -> None:
    path = copy("goodreads_library_export.csv", tmp_path)
    with pytest.raises(CommandError, match="needs --user USERNAME"):
        call_command("import", "goodreads", str(path))
    with pytest.raises(CommandError, match="no account with username 'ghost'"):
        call_command("import", "goodreads", str(path), "--user", "ghost")
    assert not Book.objects.exists()


def test_storygraph_quarter_stars_round_to_whole_stars(owner, tmp_path, capsys) -> None:
    path = copy("storygraph_export.csv", tmp_path)
    call_command("import", "storygraph", str(path), "--user", "owner")
    out, err = capsys.readouterr()
    assert "4 rows read: 2 created, 0 already present, 1 rejected, 0 updated, 1 skipped" in out
    assert f"{path}:5: ISBN/UID: " in err
    ratings = dict(Review.objects.filter(user=owner).values_list("book__isbn13", "rating"))
    assert ratings == {"9780143039433": 4, "9780393309409": 5}
    shelf = Book.objects.get(isbn13="9780393309409")
    assert [c.person.name for c in shelf.contributions.all()] == ["Jane Doe", "John Roe"]
    assert Book.objects.get(isbn13="9780143039433").rating_count == 1


def test_goodreads_rating_replaces_the_readers_own_review_on_the_site(
    owner, write, make_book, tmp_path
) -> None:
    quixote = make_book("Don Quixote", isbn13="9780143039433")
    write(owner, quixote, 2, "Written on the site.", days_ago=3)
    path = copy("goodreads_library_export.csv", tmp_path)
    call_command("import", "goodreads", str(path), "--user", "owner")
    review = Review.objects.get(user=owner, book=quixote)
    assert review.rating == 4
    quixote.refresh_from_db()
    assert quixote.rating_count == 1


def test_rejects_go_where_asked_and_an_unwritable_place_is_refused_up_front(
    tmp_path, capsys
) -> None:
    path = copy("books.csv", tmp_path)
    rejects = tmp_path / "elsewhere" / "bad-rows.jsonl"
    rejects.parent.mkdir()
    call_command("import", "books", str(path), "--rejects", str(rejects))
    assert len(rejects.read_text().splitlines()) == 3
    assert not (tmp_path / "books.csv.rejects.jsonl").exists()
    with pytest.raises(CommandError, match="cannot write"):
        call_command("import", "books", str(path), "--rejects", "/proc/no-such-dir/r.jsonl")


def test_bulk_import_of_a_readers_export_gives_what_the_batches_give(owner, tmp_path, capsys):
    """--bulk works for every kind: one transaction, the same rows, counts and ratings."""
    path = copy("goodreads_library_export.csv", tmp_path)
    call_command("import", "goodreads", str(path), "--user", "owner", "--bulk")
    assert "5 rows read: 2 created, 0 already present, 2 rejected, 0 updated, 1 skipped" in (
        capsys.readouterr().out
    )
    assert Review.objects.filter(user=owner).count() == 2
    assert Book.objects.filter(rating__isnull=False).count() == 2
    assert_stored_is_scratch(*Book.objects.all())


def test_bulk_and_strict_together_stop_at_the_first_bad_row_and_save_nothing(owner, tmp_path):
    path = copy("goodreads_library_export.csv", tmp_path)
    with pytest.raises(CommandError, match="strict"):
        call_command("import", "goodreads", str(path), "--user", "owner", "--bulk", "--strict")
    assert not Review.objects.exists() and not Book.objects.exists()
