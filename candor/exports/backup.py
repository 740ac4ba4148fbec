"""`candor export` and `candor restore`: the whole site's data out to files and back.

A restore goes into an empty database only (it never merges), in one transaction,
with the rows' own ids; then the catalogue prior and every book's rating are
recomputed from the reviews (`candor.reviews.store.rebuild`), so the site shows the
numbers the reviews give.

Nothing derived is trusted from the file: an essay's HTML is rendered again from its
Markdown, as saving it in the admin does. A row the database refuses (a duplicate, a
reference to a row the backup lacks, a value out of range) is reported on one line of
its own, and then nothing is restored.
"""

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Exists, OuterRef
from django.utils import timezone

from candor.essays.markdown import render_html
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
    refused: list[str] = []
    with transaction.atomic(), timestamps_as_given():
        for name, table_rows in read_tables(path, found):
            if name not in known:
                raise BackupError(f"{path}: unknown table {name!r} (from a newer Candor?)")
            counts[name] = load(known[name], table_rows, refused)
            say(f"{name}: {counts[name]} rows")
        # References are checked once every table is in (the database defers them too).
        refused.extend(dangling_references(list(known.values())))
        if refused:
            raise BackupError(refusal_report(refused))  # leaves the transaction: nothing kept
        reset_sequences(list(known.values()))
        rebuild_ratings(say)
    return counts


def refusal_report(refused: list[str]) -> str:
    shown = refused[:SHOWN_REFUSALS]
    more = len(refused) - len(shown)
    lines = "\n".join(shown + ([f"... and {more} more"] if more else []))
    return f"{len(refused)} row(s) refused, nothing restored:\n{lines}"


def load(
    model: type[models.Model], table_rows: Iterator[dict[str, Any]], refused: list[str]
) -> int:
    """Insert a table's rows a batch at a time; the rows refused are added to `refused`
    (one line each) and the number inserted is returned."""
    count, batch = 0, []
    for row in table_rows:
        try:
            obj = restored(model, row)
        except ValidationError as error:
            refused.append(f"{row_label(model, row.get('id'))}: {' '.join(error.messages)}")
            continue
        problem = refusal(model, obj)
        if problem is not None:
            refused.append(f"{row_label(model, obj.pk)}: {problem}")
            continue
        batch.append(obj)
        if len(batch) >= RESTORE_BATCH:
            count, batch = count + insert(model, batch, refused), []
    return count + insert(model, batch, refused)


def restored(model: type[models.Model], row: dict[str, Any]) -> models.Model:
    """The model object for a backup row; an essay's HTML is made again from its Markdown
    (a backup is a file anyone may have edited: stored HTML is served as it is)."""
    obj = instance(model, row)
    if table_name(model) == "essays.essay":
        obj.body_html = render_html(obj.body_markdown or "")  # type: ignore[attr-defined]
    return obj


def insert(model: type[models.Model], batch: list[models.Model], refused: list[str]) -> int:
    """Insert the batch at once; when the database refuses it, row by row, to name each
    row it refuses (each in a savepoint, so the others stay)."""
    if not batch:
        return 0
    try:
        with transaction.atomic():
            model._default_manager.bulk_create(batch)
        return len(batch)
    except DatabaseError:
        pass
    inserted = 0
    for obj in batch:
        try:
            with transaction.atomic():
                model._default_manager.bulk_create([obj])
            inserted += 1
        except DatabaseError as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else "refused"
            refused.append(f"{row_label(model, obj.pk)}: {reason}")
    return inserted


def dangling_references(tables: list[type[models.Model]]) -> list[str]:
    """One line per row whose foreign key names a row that is not there."""
    lines: list[str] = []
    for model in tables:
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            target = field.remote_field.model
            assert isinstance(target, type) and issubclass(target, models.Model)
            exists = target._default_manager.filter(
                **{field.target_field.attname: OuterRef(field.attname)}
            )
            dangling = (
                model._default_manager.exclude(**{f"{field.attname}__isnull": True})
                .filter(~Exists(exists))
                .order_by("pk")
                .values_list("pk", field.attname)
            )
            lines.extend(
                f"{row_label(model, pk)}: {field.attname} {value} refers to no "
                f"{table_name(target)} row"
                for pk, value in dangling
            )
    return lines


def row_label(model: type[models.Model], pk: Any) -> str:
    return f"{table_name(model)} row id {pk}"


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
