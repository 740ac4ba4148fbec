"""`candor import --bulk` on PostgreSQL: tables loaded without their secondary indexes
and foreign keys, which are built again once the rows are in.

Keeping a dozen indexes up to date row by row, and checking two foreign keys per row
at each commit, is most of what PostgreSQL does for a large import; building an index
from the whole table and checking a foreign key with one join cost a fraction of that
(PostgreSQL's manual, "Populating a Database", advises the same). It is safe because
the whole bulk import is one transaction: DROP and CREATE INDEX are transactional, so
an import that fails or is killed leaves the tables, their indexes and constraints as
they were. The price is that the tables are locked for the import's duration (other
sessions wait), so --bulk is meant for a first load or a quiet site.

Kept: primary keys, check constraints, and the unique constraints the importer looks
rows up by (``kept``); everything else on the tables is dropped and re-created with
the definitions PostgreSQL itself reports, so the schema after the import is the
schema before it.
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from django.db import connection, models
from django.db.backends.utils import CursorWrapper

# Memory for building each index by sorting (the session default, 64 MB, spills to disk).
INDEX_BUILD_MEMORY = "512MB"


class SetAside:
    """The statements that re-create what was dropped, per table; `rebuild` runs them."""

    def __init__(self) -> None:
        self.pending: dict[str, list[str]] = {}

    def rebuild(self, model: type[models.Model] | None = None) -> None:
        """Re-create the indexes and constraints of ``model``'s table now (of every
        table when None); what is re-created is not re-created again."""
        tables = list(self.pending) if model is None else [model._meta.db_table]
        statements = [s for table in tables for s in self.pending.pop(table, [])]
        if not statements:
            return
        with connection.cursor() as cursor:
            # Deferred checks fire now rather than after the rebuild.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def indexes_rebuilt_after(
    tables: Mapping[type[models.Model], Sequence[str]],
) -> Iterator[SetAside]:
    """Inside the caller's transaction: drop the secondary indexes and constraints of
    each model's table except the named unique constraints, run the body (which may
    rebuild a table's early, see SetAside.rebuild), re-create the rest. On an exception
    nothing is re-created: the rollback restores them."""
    aside = SetAside()
    if connection.vendor != "postgresql" or not tables:
        yield aside
        return
    with connection.cursor() as cursor:
        # PostgreSQL alters no table with deferred checks pending: run them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for model, kept in tables.items():
            aside.pending[model._meta.db_table] = set_aside(cursor, model._meta.db_table, kept)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield aside
    aside.rebuild()


def set_aside(cursor: CursorWrapper, table: str, kept: Sequence[str]) -> list[str]:
    """Drop the table's secondary indexes and constraints but ``kept``; return the
    statements that re-create them (plain indexes first, then constraints)."""
    quoted = connection.ops.quote_name(table)
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), conindid FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC, conname",
        [table],
    )
    constraints = cursor.fetchall()
    missing = set(kept) - {name for name, _, _ in constraints}
    if missing:
        raise RuntimeError(f"{table}: no constraint {', '.join(sorted(missing))} to keep")
    dropped = [(name, definition) for name, definition, _ in constraints if name not in kept]
    # Indexes that back a constraint (kept or dropped) go with it.
    backing = [index for _, _, index in constraints if index]
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid = %s::regclass AND NOT indisprimary "
        "AND NOT (indexrelid = ANY(%s::oid[])) ORDER BY 1",
        [table, backing],
    )
    indexes = cursor.fetchall()
    for name, _ in dropped:
        cursor.execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _, definition in indexes] + [
        f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
        for name, definition in dropped
    ]
