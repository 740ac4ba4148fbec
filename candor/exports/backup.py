"""`candor export` and `candor restore`: the whole site's data out to files and back.

A restore goes into an empty database only (it never merges), in one transaction,
with the rows' own ids; then the catalogue prior and every book's rating are
recomputed from the reviews (`candor.reviews.store.rebuild`), so the site shows the
numbers the reviews give.
"""

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from candor.exports.formats import BackupError, read_manifest, read_tables, write_backup
from candor.exports.tables import columns, exported_models, instance, rows, table_name
from candor.importers.fields import review_date
from candor.importers.readers import RowError
from candor.reviews import store

FORMAT_VERSION = 1
RESTORE_BATCH = 2000
SHOWN_REFUSALS = 20


def manifest() -> dict[str, Any]:
    applied = MigrationRecorder(connection).applied_migrations()
    latest: dict[str, str] = {}
    for app, name in sorted(applied):
        if app in {"accounts", "catalog", "reviews", "essays", "auth"}:
            latest[app] = max(latest.get(app, name), name)
    return {
        "format": "candor-backup",
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "migrations": latest,
    }


def export_all(path: Path, with_passwords: bool = False) -> dict[str, int]:
    """Write every exported table to path; returns the rows written per table."""
    tables = [
        (table_name(model), columns(model, with_passwords), rows(model, with_passwords))
        for model in exported_models()
    ]
    with transaction.atomic():  # one consistent snapshot (PostgreSQL: repeatable reads)
        return write_backup(path, manifest(), tables)


def occupied_tables() -> dict[str, int]:
    counts = {table_name(model): model._default_manager.count() for model in exported_models()}
    return {name: count for name, count in counts.items() if count}


def restore_all(path: Path, say: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    found = read_manifest(path)
    if found.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"{path}: backup format {found.get('version')}, expected {FORMAT_VERSION}"
        )
    occupied = occupied_tables()
    if occupied:
        listed = ", ".join(f"{count} rows in {name}" for name, count in occupied.items())
        raise BackupError(
            f"the database is not empty ({listed}): restore loads into an empty database "
            "only. Point DATABASE_URL at a new database, run `candor migrate`, then restore."
        )
    known = {table_name(model): model for model in exported_models()}
    counts: dict[str, int] = {}
    with transaction.atomic(), timestamps_as_given():
        for name, table_rows in read_tables(path, found):
            if name not in known:
                raise BackupError(f"{path}: unknown table {name!r} (from a newer Candor?)")
            counts[name] = load(known[name], table_rows)
            say(f"{name}: {counts[name]} rows")
        reset_sequences(list(known.values()))
        rebuild_ratings(say)
    return counts


def load(model: type[models.Model], table_rows: Iterator[dict[str, Any]]) -> int:
    count, batch = 0, []
    refused: list[str] = []
    for row in table_rows:
        obj = instance(model, row)
        problem = refusal(model, obj)
        if problem is not None:
            refused.append(f"{table_name(model)} row id {row.get('id')}: {problem}")
            continue
        batch.append(obj)
        if len(batch) >= RESTORE_BATCH:
            model._default_manager.bulk_create(batch)
            count, batch = count + len(batch), []
    if refused:
        shown = refused[:SHOWN_REFUSALS]
        more = len(refused) - len(shown)
        lines = "\n".join(shown + ([f"... and {more} more"] if more else []))
        raise BackupError(f"{len(refused)} row(s) refused, nothing restored:\n{lines}")
    model._default_manager.bulk_create(batch)
    return count + len(batch)


def refusal(model: type[models.Model], obj: models.Model) -> str | None:
    """Why a restored row cannot be stored (None when it can): a review dated before 1900
    or more than a day in the future, as the importers refuse it."""
    if table_name(model) != "reviews.review":
        return None
    created = getattr(obj, "created_at", None)
    if created is None:
        return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    try:
        review_date("created_at", created)
    except RowError as error:
        return str(error)
    return None


@contextlib.contextmanager
def timestamps_as_given() -> Iterator[None]:
    """Keep exported created_at/updated_at values: switch auto_now(_add) off meanwhile."""
    switched = []
    for model in exported_models():
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                switched.append((field, field.auto_now, field.auto_now_add))  # type: ignore[attr-defined]
                field.auto_now = field.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in switched:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def reset_sequences(models_: list[type[models.Model]]) -> None:
    """After inserting explicit ids, new rows must get ids after them (PostgreSQL)."""
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def rebuild_ratings(say: Callable[[str], None]) -> None:
    rated = store.rebuild()
    say(f"recomputed the catalogue prior and the ratings of {rated} books")
