"""kill -9 of `candor import amazon` (the bulk path) halfway: whole batches only, and a
rerun completes the file with every review once and the ratings equal a rebuild.

The reviews import reads rows in a thread ahead of the batches and saves each batch
of 10,000 in one transaction, each with the ratings of the books it changed.
The child process is killed after its first batch committed, while it works on the
next one.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from candor.catalog.models import Book
from candor.importers.amazon import AmazonReviewsImporter
from candor.reviews.models import Review
from tests.conftest import assert_stored_is_scratch
from tests.faults.live import (
    assert_whole_batches_then_rerun_completes,
    child_database_url,
    kill_after_first_batch,
)
from tests.importers.test_amazon_bulk_import import schema

pytestmark = pytest.mark.django_db(transaction=True)

BATCH = AmazonReviewsImporter.batch_size
ROWS = 2 * BATCH + BATCH // 2  # two whole batches and a part
BOOKS = 50
ASINS = [f"{n:09d}" for n in range(100_000_000, 100_000_000 + BOOKS)]


def isbn10(body: str) -> str:
    check = (11 - sum((10 - i) * int(d) for i, d in enumerate(body)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


def write_files(folder: Path) -> tuple[Path, Path]:
    items, reviews = folder / "items.jsonl", folder / "reviews.jsonl"
    asins = [isbn10(body) for body in ASINS]
    items.write_text(
        "".join(
            json.dumps({"parent_asin": asin, "title": f"Book {n}"}) + "\n"
            for n, asin in enumerate(asins)
        )
    )
    with reviews.open("w") as out:
        for n in range(ROWS):
            row = {
                "rating": float(1 + n % 5),
                "title": f"Review {n}",
                "text": "Fault test.",
                "parent_asin": asins[n % BOOKS],
                "user_id": f"KILLTEST{n // BOOKS:06d}",  # one review per reader and book
                "timestamp": 1_500_000_000_000 + n * 60_000,
                "helpful_vote": n % 3,
                "verified_purchase": n % 2 == 0,
            }
            out.write(json.dumps(row) + "\n")
    return items, reviews


def import_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "candor.cli", "import", "amazon", str(path)]


# The child's PostgreSQL sessions carry this name (libpq reads PGAPPNAME), so the test
# waits for them alone: other tests of the run may keep connections of their own.
CHILD_APP_NAME = f"candor-kill-test-{os.getpid()}"


def child_env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": child_database_url(), "PGAPPNAME": CHILD_APP_NAME}


def wait_for_the_childs_session_to_end() -> None:
    """A COMMIT the child sent just before the kill still completes on the server: count
    the reviews only once the child's PostgreSQL session is gone."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + 60
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                [CHILD_APP_NAME],
            )
            if cursor.fetchone()[0] == 0:
                return
            assert time.monotonic() < deadline, "the killed import's session never ended"
            time.sleep(0.05)


def test_import_killed_halfway_leaves_whole_batches_and_rerun_completes(tmp_path) -> None:
    items, reviews = write_files(tmp_path)
    call_command("import", "amazon", str(items))

    kill_after_first_batch(import_command(reviews), child_env(), Review.objects.count, BATCH, 180)
    wait_for_the_childs_session_to_end()

    assert_whole_batches_then_rerun_completes(
        import_command(reviews), child_env(), Review.objects.count, BATCH, ROWS, 600
    )
    assert Review.objects.values("external_id").distinct().count() == ROWS
    # Each batch re-rated its books in its own transaction, the killed run's included.
    assert_stored_is_scratch(*Book.objects.all())


def holds_the_review_table() -> int:
    """1 once the child's bulk import has the review table to itself (its indexes
    dropped inside its transaction), else 0."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid "
            "WHERE a.application_name = %s AND l.relation = %s::regclass "
            "AND l.mode = 'AccessExclusiveLock' AND l.granted",
            [CHILD_APP_NAME, Review._meta.db_table],
        )
        return min(1, cursor.fetchone()[0])


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_bulk_import_killed_halfway_leaves_nothing_and_every_index(tmp_path) -> None:
    """--bulk drops the review tables' indexes inside its one transaction: a kill -9
    rolls it all back, indexes and constraints included, and a rerun loads the file."""
    items, reviews = write_files(tmp_path)
    call_command("import", "amazon", str(items))
    before = schema()

    bulk = [*import_command(reviews), "--bulk"]
    kill_after_first_batch(bulk, child_env(), holds_the_review_table, 1, 180)
    wait_for_the_childs_session_to_end()

    assert Review.objects.count() == 0
    assert schema() == before
    rerun = subprocess.run(bulk, env=child_env(), capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{ROWS} created, 0 already present, 0 rejected" in rerun.stdout
    assert Review.objects.count() == ROWS
    assert schema() == before
