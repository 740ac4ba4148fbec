"""`candor import amazon --bulk`: one transaction for the whole file; on PostgreSQL the
review tables are loaded without their secondary indexes and foreign keys, which are
built again at the end. A shop relies on it storing exactly what the batch-by-batch
import stores, leaving the schema as it was, and leaving nothing behind when it fails."""

import json

import pytest
from django.contrib.auth.models import User
from django.core.management import load_command_class
from django.db import connection

from candor.catalog.models import Book
from candor.importers import reviews as review_saving
from candor.importers.amazon import AmazonReviewsImporter
from candor.reviews.models import Review
from tests.importers.test_amazon_import import (
    assert_stored_state_equals_rebuild,
    import_amazon,
)

pytestmark = pytest.mark.django_db

SCHEMA_TABLES = (Review._meta.db_table,)


def schema() -> set[tuple[str, ...]]:
    """The review tables' indexes and constraints, as PostgreSQL defines them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [list(SCHEMA_TABLES)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s)",
            [list(SCHEMA_TABLES)],
        )
        return set(indexes) | set(cursor.fetchall())


def stored_reviews() -> list[tuple[object, ...]]:
    return list(
        Review.objects.order_by("external_id").values_list(
            "external_id", "book__asin", "user__username", "rating", "title", "text",
            "created_at", "verified_purchase", "helpful_count", "hidden", "trust",
        )
    )  # fmt: skip


def book_ratings() -> list[tuple[str, float | None, int]]:
    return list(Book.objects.order_by("asin").values_list("asin", "rating", "rating_count"))


def test_bulk_import_stores_what_the_batch_by_batch_import_stores(files, monkeypatch, capsys):
    """Small batches, so one reader's reviews of two books fall in different batches."""
    import_amazon(files["items"])
    monkeypatch.setattr(AmazonReviewsImporter, "batch_size", 2)
    import_amazon(files["reviews"])
    by_batches = stored_reviews()
    ratings = book_ratings()
    summary = capsys.readouterr().out.splitlines()[-1]
    Review.objects.all().delete()
    User.objects.filter(username__startswith="amazon-").delete()
    Book.objects.update(rating=None, rating_count=0)

    import_amazon(files["reviews"], "--bulk")

    assert capsys.readouterr().out.splitlines()[-1] == summary
    assert stored_reviews() == by_batches
    again = book_ratings()
    assert [(asin, count) for asin, _, count in again] == [(a, c) for a, _, c in ratings]
    # Stored a moment apart: recency has moved on by a few seconds since.
    assert [r for _, r, _ in again] == pytest.approx([r for _, r, _ in ratings], abs=1e-6)
    assert_stored_state_equals_rebuild()


def test_a_review_repeated_in_later_batches_of_a_bulk_import_is_stored_once(
    files, tmp_path, monkeypatch, capsys
):
    """The reviewer is new, so the bulk import skips looking up their first review; the
    repeats in later batches must still find it."""
    import_amazon(files["items"])
    first = json.loads(files["reviews"].read_text().splitlines()[0])
    edited = {**first, "rating": 1.0, "title": "Changed my mind"}
    repeated = tmp_path / "repeated.jsonl"
    repeated.write_text("\n".join(json.dumps(row) for row in (first, first, edited)) + "\n")
    monkeypatch.setattr(AmazonReviewsImporter, "batch_size", 1)
    capsys.readouterr()
    import_amazon(repeated, "--bulk")
    assert "3 rows read: 1 created, 1 already present, 0 rejected, 1 updated" in (
        capsys.readouterr().out
    )
    review = Review.objects.get()
    assert (review.rating, review.title) == (1, "Changed my mind")
    assert_stored_state_equals_rebuild([review.book])


def test_bulk_import_over_stored_reviews_updates_them_and_keeps_a_readers_review(
    files, tmp_path, write, make_user, capsys
):
    import_amazon(files["items"])
    import_amazon(files["reviews"])
    quixote = Book.objects.get(asin="0143039431")
    write(make_user("owner"), quixote, 2, days_ago=400)
    rows = [json.loads(line) for line in files["reviews"].read_text().splitlines()[:2]]
    rows[1]["rating"], rows[1]["helpful_vote"] = 5.0, 7
    changed = tmp_path / "changed.jsonl"
    changed.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    capsys.readouterr()
    import_amazon(changed, "--bulk")
    assert "2 rows read: 0 created, 1 already present, 0 rejected, 1 updated" in (
        capsys.readouterr().out
    )
    review = Review.objects.get(user__username="amazon-AFIXTUREUSERBBBB")
    assert (review.rating, review.helpful_count) == (5, 7)
    quixote.refresh_from_db()
    assert quixote.rating_count == Review.objects.filter(book=quixote, hidden=False).count() == 3
    assert_stored_state_equals_rebuild([quixote])


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_bulk_import_leaves_every_index_and_constraint_as_it_was(files) -> None:
    import_amazon(files["items"])
    before = schema()
    assert any("review_list_helpful" in row[1] for row in before)
    import_amazon(files["reviews"], "--bulk")
    assert Review.objects.count() == 4
    assert schema() == before


def test_a_bulk_import_failing_in_a_later_batch_leaves_nothing(files, second_batch_fails) -> None:
    """Unlike the batch-by-batch import, which keeps the batches before the failure."""
    import_amazon(files["items"])
    before = schema() if connection.vendor == "postgresql" else None
    with pytest.raises(RuntimeError):
        import_amazon(files["reviews"], "--bulk")
    assert not Review.objects.exists()
    assert not User.objects.filter(username__startswith="amazon-").exists()
    if before is not None:
        assert schema() == before


def test_a_bulk_import_failing_in_its_rating_pass_leaves_nothing(files, monkeypatch) -> None:
    import_amazon(files["items"])

    def failing(book_ids, **options):  # type: ignore[no-untyped-def]
        raise RuntimeError("out of memory")

    monkeypatch.setattr(review_saving.store, "recompute_books", failing)
    with pytest.raises(RuntimeError):
        import_amazon(files["reviews"], "--bulk")
    assert not Review.objects.exists()
    assert set(Book.objects.values_list("rating_count", flat=True)) == {0}


def test_bulk_is_offered_by_the_import_command() -> None:
    command = load_command_class("candor.reviews", "import")
    assert "--bulk" in command.create_parser("candor", "import").format_help()
