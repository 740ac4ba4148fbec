"""Inserting many rows fast: COPY on PostgreSQL, bulk_create elsewhere.

Django's bulk_create on PostgreSQL sends each column as an array literal quoted in
Python, which costs more than the rest of an import; COPY streams the rows instead.
Both run inside the caller's transaction.
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone


def insert_rows(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert unsaved model objects (their pk set or not, the same for all)."""
    if not objects:
        return
    if connection.vendor == "sqlite":
        insert_many(model, objects)
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=2000)
        return
    with_pk = objects[0].pk is not None
    fields = [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    attnames = [field.attname for field in fields]
    json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    now = timezone.now()
    stamped = [
        i
        for i, f in enumerate(fields)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for obj in objects:
            # COPY takes Python values as they are; JSON goes as its text.
            values = [getattr(obj, name) for name in attnames]
            for i in json_columns:
                values[i] = json.dumps(values[i])
            for i in stamped:
                values[i] = now
            copy.write_row(values)


def insert_many(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """SQLite: one prepared INSERT run for every row (executemany), values adapted as
    Django's SQLite backend stores them."""
    with_pk = objects[0].pk is not None
    fields = [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]
    now = timezone.now()
    adapt = [sqlite_adapter(field, now) for field in fields]
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) VALUES ({marks})"
    )
    attnames = [field.attname for field in fields]
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                [convert(getattr(obj, name)) for convert, name in zip(adapt, attnames, strict=True)]
                for obj in objects
            ],
        )


def insert_values(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    same_tail: int = 0,
) -> None:
    """Insert plain tuples into the model's fields ``names`` (attnames), skipping model
    objects altogether; a JSON field takes its JSON text. COPY on PostgreSQL, where
    the last ``same_tail`` values, equal in every row, are formatted once."""
    if not rows:
        return
    by_name = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_name[name] for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    if connection.vendor == "postgresql":
        copy_in(model, names, copy_text(fields, rows, same_tail))
        return
    with connection.cursor() as cursor:
        now = timezone.now()
        # The values as Django's backend adapts them (dates to text on SQLite).
        adapt = [
            (lambda value: value)
            if isinstance(field, models.JSONField)
            else sqlite_adapter(field, now)
            for field in fields
        ]
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",
            [[convert(value) for convert, value in zip(adapt, row, strict=True)] for row in rows],
        )


def copy_in(model: type[models.Model], names: Sequence[str], text: str) -> None:
    """PostgreSQL: COPY ``text`` (COPY's text format, as copy_text writes it) into the
    model's fields ``names`` (attnames)."""
    by_name = {field.attname: field for field in model._meta.concrete_fields}
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(by_name[name].column) for name in names)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        copy.write(text)


def copy_text(
    fields: Sequence[models.Field], rows: Sequence[tuple[Any, ...]], same_tail: int = 0
) -> str:
    """The rows in COPY's text format, written here rather than value by value by
    psycopg (a third of a large import's own CPU went to that). The last ``same_tail``
    columns hold the same values in every row: they are formatted once."""
    varying = len(fields) - same_tail
    formats = [copy_format(field) for field in fields[:varying]]
    tail = copy_tail(fields[varying:], rows[0][varying:])
    tail = tail[1:] if varying == 0 else tail
    return "".join(
        "\t".join([write(value) for write, value in zip(formats, row, strict=False)]) + tail
        for row in rows
    )


def copy_tail(fields: Sequence[models.Field], values: Sequence[Any]) -> str:
    """Columns every row ends with, in COPY text: each after a tab, then the newline."""
    written = (copy_format(field)(value) for field, value in zip(fields, values, strict=True))
    return "".join("\t" + text for text in written) + "\n"


def copy_escaped(value: str) -> str:
    """Text as a COPY text column: a backslash starts an escape, tab and newline end a
    column and a row (\\N is NULL). Most values hold none of them: four scans in C
    find that faster than any rewriting."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


def copy_format(field: models.Field) -> Callable[[Any], str]:
    """How a value of ``field`` (as insert_values takes it) is written in COPY text."""
    if isinstance(field, models.BooleanField):
        return lambda value: "\\N" if value is None else ("t" if value else "f")
    if isinstance(field, (models.DateTimeField, models.DateField)):
        return lambda value: "\\N" if value is None else value.isoformat()
    if isinstance(field, models.FloatField):
        return lambda value: "\\N" if value is None else repr(float(value))
    if isinstance(field, (models.IntegerField, models.AutoField, models.ForeignKey)):
        return lambda value: "\\N" if value is None else str(int(value))
    # Text, JSON (given as its text), decimals.
    return lambda value: "\\N" if value is None else copy_escaped(str(value))


def default_row(
    model: type[models.Model], given: Sequence[str]
) -> tuple[tuple[str, ...], list[Any]]:
    """The columns (attnames) a new row of ``model`` is written with, and their values
    before the ``given`` ones are put in (None there): the model's defaults (JSON as
    its text), now for auto_now fields. Nullable columns without a default are left
    out (NULL), as is the primary key."""
    now = timezone.now()
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.attname not in given and field.null and not field.has_default():
            continue
        names.append(field.attname)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append(now)
        elif field.attname in given:
            values.append(None)
        elif isinstance(field, models.JSONField):
            values.append(json.dumps(field.get_default()))
        else:
            values.append(field.get_default())
    return tuple(names), values


def sqlite_adapter(field: models.Field, now: object) -> Callable[[Any], Any]:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        stamp = connection.ops.adapt_datetimefield_value(now)
        return lambda _: stamp
    if isinstance(field, models.JSONField):
        return lambda value: json.dumps(value)
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    return lambda value: value


def bulk_transaction() -> None:
    """Settings for the current transaction of a bulk import, on PostgreSQL:

    - its commit returns before the WAL reaches the disk. The transaction stays
      atomic; a crash of the server (not of the import) in the next fraction of a
      second may lose it whole, and the import can simply be run again. Saves a disk
      flush per batch.
    - no JIT compilation: on tables an import has just filled, the planner's costs are
      high enough to compile each statement, about 0.1 s that a statement over a few
      thousand rows never wins back.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO off")
            cursor.execute("SET LOCAL jit TO off")


def reserve_ids(model: type[models.Model], count: int) -> list[int] | None:
    """On PostgreSQL, ``count`` fresh ids from the table's sequence (so rows inserted
    by COPY need no query to learn their ids); None elsewhere."""
    if connection.vendor != "postgresql" or count == 0:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]
