"""Verified purchases: orders before the review verify it; CSV orders import cleanly."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from candor.importers.orders import OrdersCsvImporter
from candor.reviews.models import Order, Review
from candor.reviews.services import record_order
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_review_after_an_order_is_a_verified_purchase(book, owner, write) -> None:
    record_order(owner, book, timezone.localdate() - timedelta(days=3), "shop")
    review = write(owner, book, 5)
    assert review.verified_purchase
    assert "Verified purchase" in client_for(None).get(book.get_absolute_url()).content.decode()


def test_order_added_later_verifies_only_if_dated_before_the_review(book, owner, write) -> None:
    write(owner, book, 5, days_ago=10)
    record_order(owner, book, timezone.localdate() - timedelta(days=2), "shop")
    assert not Review.objects.get().verified_purchase
    record_order(owner, book, timezone.localdate() - timedelta(days=20), "shop")
    assert Review.objects.get().verified_purchase


def test_another_users_order_does_not_verify(book, owner, other_user, write) -> None:
    record_order(other_user, book, timezone.localdate() - timedelta(days=3), "shop")
    assert not write(owner, book, 5).verified_purchase


def test_staff_adds_an_order_in_the_admin_and_review_becomes_verified(
    book, owner, staff, write
) -> None:
    write(owner, book, 4, days_ago=5)
    response = client_for(staff).post(
        "/admin/reviews/order/add/",
        {
            "buyer": "owner",
            "isbn": book.isbn13,
            "ordered_at": str(timezone.localdate() - timedelta(days=30)),
            "source": "phone",
        },
    )
    assert response.status_code == 302
    assert Review.objects.get().verified_purchase


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_orders_csv_imports_good_rows_and_reports_bad_ones_by_line(
    book, owner, tmp_path, capsys
) -> None:
    path = write_csv(
        tmp_path,
        "user,isbn,ordered_at,source\n"
        "owner,978-0-8047-2115-8,2024-01-02,shop\n"
        "nobody,9780804721158,2024-01-02,shop\n"
        "owner,9780804721159,2024-01-02,shop\n"
        "owner@example.com,0804721157,not-a-date,shop\n"
        "owner@example.com,0804721157,2024-02-03,\n",
    )
    call_command("import", "orders", str(path))
    out, err = capsys.readouterr()
    assert Order.objects.count() == 2
    assert "5 rows read: 2 created, 0 already present, 3 rejected" in out
    assert f"{path}:3: user: no account" in err
    assert f"{path}:4: isbn:" in err and "not a valid ISBN" in err
    assert f"{path}:5: ordered_at: 'not-a-date' is not a date" in err


def test_orders_csv_import_is_idempotent(book, owner, tmp_path, capsys) -> None:
    path = write_csv(tmp_path, "user,isbn,ordered_at,source\nowner,9780804721158,2024-01-02,shop\n")
    call_command("import", "orders", str(path))
    call_command("import", "orders", str(path))
    assert Order.objects.count() == 1
    assert "1 rows read: 0 created, 1 already present" in capsys.readouterr().out


def test_strict_import_stops_at_first_bad_row_and_saves_nothing(book, owner, tmp_path) -> None:
    path = write_csv(
        tmp_path,
        "user,isbn,ordered_at\nowner,9780804721158,2024-01-02\nowner,9780804721158,yesterday\n",
    )
    with pytest.raises(CommandError, match=r"orders.csv:3: ordered_at"):
        call_command("import", "orders", str(path), "--strict")
    assert Order.objects.count() == 0


def test_missing_column_and_missing_file_are_clear_errors(tmp_path) -> None:
    path = write_csv(tmp_path, "user,date\nowner,2024-01-01\n")
    with pytest.raises(CommandError, match="missing column"):
        call_command("import", "orders", str(path))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import", "orders", str(tmp_path / "absent.csv"))


def test_invalid_utf8_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(b"user,isbn,ordered_at\n\xff\xfe,1,2\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import", "orders", str(path))


def test_failure_while_saving_leaves_nothing_half_written(
    book, owner, tmp_path, monkeypatch
) -> None:
    path = write_csv(
        tmp_path,
        "user,isbn,ordered_at\nowner,9780804721158,2024-01-02\nowner,9780804721158,2024-01-03\n",
    )
    calls = []
    original = OrdersCsvImporter.save_record

    def fail_on_second(self, record):  # type: ignore[no-untyped-def]
        calls.append(record)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return original(self, record)

    monkeypatch.setattr(OrdersCsvImporter, "save_record", fail_on_second)
    with pytest.raises(RuntimeError):
        call_command("import", "orders", str(path))
    assert Order.objects.count() == 0
