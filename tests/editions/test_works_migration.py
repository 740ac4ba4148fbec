"""The works migration keeps today's catalogue: each book becomes the one edition of a
work of its own, with its rating, on SQLite and PostgreSQL alike."""

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("catalog", "0004_rating_data")]
AFTER = [("catalog", "0005_works_and_editions")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate to targets; the project's apps as they are there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def at_0004(transactional_db: Any) -> Any:
    apps = migrate(BEFORE)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def old_catalogue(apps: Any) -> list[Any]:
    Book = apps.get_model("catalog", "Book")
    data = {"version": 3, "scores": {"candor": {"rating": 4.25, "count": 2}}}
    return [
        Book.objects.create(
            title="Uncertain Partners",
            slug="uncertain-partners",
            isbn13="9780804721158",
            rating=4.25,
            rating_count=2,
            rating_data=data,
        ),
        Book.objects.create(title="Unrated", slug="unrated", isbn13="9780000000002"),
    ]


def test_each_book_becomes_the_one_edition_of_its_own_work(at_0004: Any) -> None:
    before = old_catalogue(at_0004)
    apps = migrate(AFTER)
    Book, Work = apps.get_model("catalog", "Book"), apps.get_model("catalog", "Work")
    assert Work.objects.count() == 2
    for old in before:
        book = Book.objects.get(pk=old.pk)
        assert book.work.title == old.title
        assert list(book.work.editions.values_list("pk", flat=True)) == [old.pk]
        # The work's rating is the book's, and so is the edition's own.
        assert (book.rating, book.rating_count, book.rating_data) == (
            old.rating,
            old.rating_count,
            old.rating_data,
        )
        assert (book.edition_rating, book.edition_rating_count, book.edition_rating_data) == (
            old.rating,
            old.rating_count,
            old.rating_data,
        )
    # The next work gets an id no migrated work has (PostgreSQL's sequence moved on).
    new = Work.objects.create(title="New")
    assert new.pk not in {old.pk for old in before}


def test_migrating_back_keeps_the_books(at_0004: Any) -> None:
    before = old_catalogue(at_0004)
    migrate(AFTER)
    apps = migrate(BEFORE)
    Book = apps.get_model("catalog", "Book")
    kept = Book.objects.order_by("pk").values_list("pk", "title", "isbn13", "rating")
    assert list(kept) == [(b.pk, b.title, b.isbn13, b.rating) for b in before]
