"""kill -9 of `candor import orders` halfway: no half-written batch, and a rerun completes it.

The importer saves each batch of 1000 rows in one transaction. The test starts the
real command in a child process on the test database, waits until the first batch is
committed, kills the process with SIGKILL while it works on a later batch, and checks
that the database holds whole batches only; then it reruns the same command, which
must finish the file with every order exactly once.
"""

import os
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from candor.importers.orders import OrdersCsvImporter
from candor.reviews.models import Order
from tests.faults.live import (
    assert_whole_batches_then_rerun_completes,
    child_database_url,
    kill_after_first_batch,
)

pytestmark = pytest.mark.django_db(transaction=True)

BATCH = OrdersCsvImporter.batch_size
ROWS = 2 * BATCH + BATCH // 2  # two whole batches and a part
FIRST_DAY = date(1990, 1, 1)


def write_orders(path: Path, username: str, isbn: str) -> None:
    lines = ["user,isbn,ordered_at,source"]
    lines += [f"{username},{isbn},{FIRST_DAY + timedelta(days=i)},fault-test" for i in range(ROWS)]
    path.write_text("\n".join(lines) + "\n")


def import_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "candor.cli", "import", "orders", str(path)]


def child_env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": child_database_url()}


def saved_orders() -> int:
    return Order.objects.filter(source="fault-test").count()


def test_import_killed_halfway_leaves_whole_batches_and_rerun_completes(
    tmp_path, book, make_user
) -> None:
    buyer = make_user("buyer")
    orders_csv = tmp_path / "orders.csv"
    write_orders(orders_csv, buyer.username, book.isbn13)

    kill_after_first_batch(import_command(orders_csv), child_env(), saved_orders, BATCH, 120)

    assert_whole_batches_then_rerun_completes(
        import_command(orders_csv), child_env(), saved_orders, BATCH, ROWS, 300
    )
    days = set(Order.objects.filter(source="fault-test").values_list("ordered_at", flat=True))
    assert len(days) == ROWS  # every row of the file, each once
