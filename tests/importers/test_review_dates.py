"""Dates are valid or refused: every importer and restore refuses a review dated before
1900 or more than a day ahead, naming the file, line and field; and no date already in
the database can make a page, the API or a rebuild fail."""

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from candor.catalog.models import Book
from candor.reviews import store
from candor.reviews.models import Order, Review
from tests.conftest import assert_stored_is_scratch, client_for, stored

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def goodreads_with_dates(tmp_path: Path, *dates: str) -> Path:
    """The fixture export with its first row's Date Read replaced, one copy per date."""
    lines = (FIXTURES / "goodreads_library_export.csv").read_text().splitlines()
    header, first = lines[0], lines[1]
    rows = [
        first.replace("2021/03/14", day).replace(",101,", f",{900 + i},")
        for i, day in enumerate(dates)
    ]
    path = tmp_path / "goodreads.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_a_readers_export_refuses_dates_before_1900_and_in_the_future(owner, tmp_path, capsys):
    tomorrow = (timezone.now() + timedelta(days=1)).date()
    ahead = (timezone.now() + timedelta(days=3)).date()
    path = goodreads_with_dates(
        tmp_path,
        "0001/01/01",
        "1899/12/31",
        "2046/01/01",
        ahead.strftime("%Y/%m/%d"),
        tomorrow.strftime("%Y/%m/%d"),
    )
    call_command("import", "goodreads", str(path), "--user", "owner")
    err = capsys.readouterr().err
    assert f"{path}:2: Date Read: 0001-01-01 is before 1900" in err
    assert f"{path}:3: Date Read: 1899-12-31 is before 1900" in err
    assert f"{path}:4: Date Read: 2046-01-01 is in the future" in err
    assert f"{path}:5: Date Read: {ahead.isoformat()} is in the future" in err
    # A day ahead (time zones) is accepted: the rating counts it as today.
    assert Review.objects.filter(user=owner).count() == 1
    assert_stored_is_scratch(*Book.objects.all())


def test_orders_refuse_a_date_in_the_future(owner, book, tmp_path, capsys):
    ahead = (timezone.now() + timedelta(days=30)).date().isoformat()
    path = tmp_path / "orders.csv"
    path.write_text(
        f"user,isbn,ordered_at\nowner,{book.isbn13},{ahead}\nowner,{book.isbn13},1850-01-01\n"
        f"owner,{book.isbn13},2020-05-01\n"
    )
    call_command("import", "orders", str(path))
    err = capsys.readouterr().err
    assert f"{path}:2: ordered_at: {ahead} is in the future" in err
    assert f"{path}:3: ordered_at: 1850-01-01 is before 1900" in err
    assert list(Order.objects.values_list("ordered_at", flat=True)) == [date(2020, 5, 1)]


def test_restore_refuses_reviews_dated_outside_1900_to_tomorrow(book, owner, write, tmp_path):
    write(owner, book, 4)
    path = tmp_path / "backup.jsonl"
    call_command("export", str(path))
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines):
        item = json.loads(line)
        if item.get("table") == "reviews.review":
            item["row"]["created_at"] = "2046-01-01T00:00:00+00:00"
            lines[number] = json.dumps(item)
    path.write_text("\n".join(lines) + "\n")
    from tests.importers.test_export_restore import empty_the_database

    empty_the_database()
    with pytest.raises(
        CommandError, match=r"reviews.review row id \d+: created_at: 2046-01-01 is in the future"
    ):
        call_command("restore", str(path))
    assert not Book.objects.exists() and not Review.objects.exists()


@pytest.mark.parametrize("year", [1, 1899, 2046, 9999])
def test_no_stored_date_breaks_a_page_the_api_or_a_rebuild(book, owner, other_user, write, year):
    write(other_user, book, 4)
    review = write(owner, book, 1)
    # Dates that only a database edit could store.
    Review.objects.filter(pk=review.pk).update(created_at=datetime(year, 6, 1, tzinfo=UTC))
    store.rebuild()
    assert_stored_is_scratch(book)
    result = stored(book)
    assert result.count == 2 and result.rating is not None and 1 <= result.rating <= 5
    # Each review counts once, whatever its date: the evidence is the sum of trust.
    trust = sum(r.effective_trust for r in Review.objects.filter(book=book))
    assert result.effective_count == pytest.approx(trust)
    client = client_for(None)
    assert client.get(book.get_absolute_url()).status_code == 200
    assert client.get(f"/books/{book.slug}/ratings/").status_code == 200
    assert client.get(f"/api/v1/books/{book.slug}").status_code == 200
    call_command("rebuild_ratings")


def test_a_review_dated_in_2046_does_not_take_a_book_to_one_star(book, make_user, write):
    # The case: one review dated 2046 (here written to the database directly)
    # among honest ones counts as one review posted today.
    for n in range(12):
        write(make_user(f"reader{n}"), book, 5, days_ago=30 * n)
    late = write(make_user("clock"), book, 1)
    Review.objects.filter(pk=late.pk).update(created_at=datetime(2046, 1, 1, tzinfo=UTC))
    store.recompute_books([book.pk])
    result = stored(book)
    trust = sum(r.effective_trust for r in Review.objects.filter(book=book))
    assert result.effective_count == pytest.approx(trust)  # not 512
    assert result.rating is not None and result.rating > 4.0
