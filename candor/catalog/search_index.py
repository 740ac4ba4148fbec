"""The indexes search reads (candor.catalog.search), made by migration 0008.

PostgreSQL: GIN trigram indexes (pg_trgm's gin_trgm_ops) on book titles, subtitles and
people's names, which serve the word-similarity operator ``<%``.

SQLite: FTS5 tables with the trigram tokenizer over the same columns, holding no copy of
the text (external content) and kept up to date by triggers. Django rebuilds a SQLite
table to alter it (new table, copy, drop, rename), which drops the table's triggers:
``ensure_triggers`` runs after every ``migrate`` (CatalogConfig.ready connects it) and
puts back missing triggers and re-indexes. A SQLite without FTS5 gets no tables, and
search scores a bounded set of books instead (see search.sqlite_candidates).
"""

import sqlite3
from typing import Any

from django.contrib.postgres.operations import TrigramExtension
from django.db.backends.base.base import BaseDatabaseWrapper

# (FTS table, content table, indexed columns)
SQLITE_INDEXES = (
    ("catalog_book_search", "catalog_book", ("title", "subtitle")),
    ("catalog_person_search", "catalog_person", ("name",)),
)
POSTGRES_INDEXES = (
    ("catalog_book_title_trgm", "catalog_book", "title"),
    ("catalog_book_subtitle_trgm", "catalog_book", "subtitle"),
    ("catalog_person_name_trgm", "catalog_person", "name"),
)


def trigger_statements(fts: str, table: str, columns: tuple[str, ...]) -> dict[str, str]:
    """{trigger name: CREATE TRIGGER statement} keeping ``fts`` in step with ``table``."""
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    add = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
    remove = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    return {
        f"{fts}_insert": f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"{fts}_delete": f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END",
        # Only when an indexed column is written: the rating store's updates of a book's
        # rating columns leave the index alone.
        f"{fts}_update": (
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} "
            f"BEGIN {remove} {add} END"
        ),
    }


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, table, column in POSTGRES_INDEXES:
                cursor.execute(
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                    f"USING gin ({column} gin_trgm_ops)"
                )
        elif connection.vendor == "sqlite" and has_fts5(cursor):
            for fts, table, columns in SQLITE_INDEXES:
                cursor.execute(
                    f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({', '.join(columns)}, "
                    f"content='{table}', content_rowid='id', tokenize='trigram')"
                )
            ensure_triggers(connection)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, _, _ in POSTGRES_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        elif connection.vendor == "sqlite":
            for fts, table, columns in SQLITE_INDEXES:
                for trigger in trigger_statements(fts, table, columns):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
                cursor.execute(f"DROP TABLE IF EXISTS {fts}")


def has_fts5(cursor: Any) -> bool:
    """FTS5 with its trigram tokenizer (SQLite 3.34 and later)."""
    if sqlite3.sqlite_version_info < (3, 34, 0):
        return False
    cursor.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')")
    if cursor.fetchone()[0]:
        return True
    try:  # builds may load FTS5 without saying so at compile time
        cursor.execute("CREATE VIRTUAL TABLE temp.candor_fts5_probe USING fts5(x)")
        cursor.execute("DROP TABLE temp.candor_fts5_probe")
    except Exception:
        return False
    return True


def ensure_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    """On SQLite, re-create the FTS triggers that are missing and re-index those tables
    (rows may have changed while they were missing); the names of the re-created ones."""
    if connection.vendor != "sqlite":
        return []
    created = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        for fts, table, columns in SQLITE_INDEXES:
            if fts not in present or table not in present:
                continue
            missing = {
                name: sql
                for name, sql in trigger_statements(fts, table, columns).items()
                if name not in present
            }
            for name, sql in missing.items():
                cursor.execute(sql)
                created.append(name)
            if missing:
                cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    return created


def after_migrate(using: str = "default", **_: Any) -> None:
    """post_migrate receiver: see ensure_triggers."""
    from django.db import connections

    ensure_triggers(connections[using])


class PgTrigram(TrigramExtension):
    """pg_trgm on PostgreSQL, nothing elsewhere. Django's operation already does nothing
    forwards on another database, but backwards it asks pg_extension, which SQLite lacks."""

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
