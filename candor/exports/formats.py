"""The three shapes of a backup, chosen by PATH:

- ``PATH.jsonl`` (or ``.jsonl.gz``): one file; the first line is the manifest
  ``{"manifest": {...}}``, then one line per row ``{"table": "catalog.book", "row": {...}}``.
- ``PATH.parquet``: a folder (as Spark and Hive write them) with ``manifest.json`` and
  one ``TABLE.parquet`` per table, typed columns (timestamps in UTC, JSON columns as text,
  decimals as text so no digit is lost).
- any other PATH: a folder with ``manifest.json`` and one ``TABLE.jsonl`` per table.
"""

import gzip
import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import models

from candor.exports.tables import plain

ROWS_PER_PARQUET_CHUNK = 50_000

Table = tuple[str, list[models.Field], Iterable[dict[str, Any]]]
EXTRA_COLUMNS = {"weight": pa.float64(), "effective_trust": pa.float64()}


def kind_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz")):
        return "jsonl-file"
    if name.endswith(".parquet"):
        return "parquet"
    return "jsonl-folder"


def json_line(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, default=plain) + "\n"


def open_text(path: Path, mode: str) -> IO[str]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return path.open(mode, encoding="utf-8")


# -- writing -------------------------------------------------------------------------


def write_backup(path: Path, manifest: dict[str, Any], tables: Iterable[Table]) -> dict[str, int]:
    """Write every table; returns the number of rows per table (also put in the manifest)."""
    kind = kind_of(path)
    counts: dict[str, int] = {}
    if kind == "jsonl-file":
        path.parent.mkdir(parents=True, exist_ok=True)
        with open_text(path, "w") as handle:
            handle.write(json_line({"manifest": manifest}))
            for name, _, rows in tables:
                counts[name] = 0
                for row in rows:
                    handle.write(json_line({"table": name, "row": row}))
                    counts[name] += 1
        return counts
    path.mkdir(parents=True, exist_ok=True)
    for name, fields, rows in tables:
        if kind == "parquet":
            counts[name] = write_parquet(path / f"{name}.parquet", fields, rows)
        else:
            counts[name] = write_jsonl(path / f"{name}.jsonl", rows)
    (path / "manifest.json").write_text(
        json.dumps({**manifest, "tables": counts}, indent=2) + "\n", encoding="utf-8"
    )
    return counts


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json_line(row))
            count += 1
    return count


def arrow_type(field: models.Field) -> pa.DataType:
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    if isinstance(target, models.BooleanField):
        return pa.bool_()
    if isinstance(target, models.AutoField | models.BigAutoField | models.IntegerField):
        return pa.int64()
    if isinstance(target, models.FloatField):
        return pa.float64()
    if isinstance(target, models.DateTimeField):
        return pa.timestamp("us", tz="UTC")
    if isinstance(target, models.DateField):
        return pa.date32()
    return pa.string()  # text, decimals (exact), JSON (as text)


def schema_for(fields: list[models.Field], first: dict[str, Any] | None) -> pa.Schema:
    columns = [(field.attname, arrow_type(field)) for field in fields]
    extras = [(name, kind) for name, kind in EXTRA_COLUMNS.items() if first and name in first]
    return pa.schema(columns + extras)


def write_parquet(path: Path, fields: list[models.Field], rows: Iterable[dict[str, Any]]) -> int:
    json_columns = {f.attname for f in fields if isinstance(f, models.JSONField)}
    text_columns = {f.attname for f in fields if isinstance(f, models.DecimalField)}
    iterator = iter(rows)
    chunk = [row for _, row in zip(range(ROWS_PER_PARQUET_CHUNK), iterator, strict=False)]
    schema = schema_for(fields, chunk[0] if chunk else None).with_metadata(
        {"candor_json": json.dumps(sorted(json_columns))}
    )
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        while True:
            for row in chunk:
                for name in json_columns:
                    row[name] = json.dumps(row[name], ensure_ascii=False)
                for name in text_columns:
                    row[name] = None if row[name] is None else str(row[name])
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
            count += len(chunk)
            if len(chunk) < ROWS_PER_PARQUET_CHUNK:
                return count
            chunk = [row for _, row in zip(range(ROWS_PER_PARQUET_CHUNK), iterator, strict=False)]


# -- reading -------------------------------------------------------------------------


class BackupError(Exception):
    """A backup that cannot be restored; the message says why."""


def read_manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise BackupError(f"{path}: no such file or folder")
    try:
        if kind_of(path) == "jsonl-file":
            with open_text(path, "r") as handle:
                first = json.loads(handle.readline() or "{}")
            manifest = first.get("manifest")
        else:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{path}: not a Candor backup ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != "candor-backup":
        raise BackupError(f"{path}: not a Candor backup (no candor-backup manifest)")
    return manifest


def read_tables(path: Path, manifest: dict[str, Any]) -> Iterator[tuple[str, Iterator[Any]]]:
    """(table, its rows) in the order they were written (each table after those it
    refers to)."""
    kind = kind_of(path)
    if kind == "jsonl-file":
        yield from read_single_file(path)
        return
    suffix = ".parquet" if kind == "parquet" else ".jsonl"
    for name in manifest.get("tables", {}):
        file = path / f"{name}{suffix}"
        if not file.exists():
            raise BackupError(f"{file}: missing (the manifest lists table {name})")
        yield name, read_parquet(file) if kind == "parquet" else read_jsonl(file)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield parse_line(path, number, line)


def parse_line(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError as error:
        raise BackupError(f"{path}:{number}: not JSON: {error}") from None
    if not isinstance(value, dict):
        raise BackupError(f"{path}:{number}: not a JSON object")
    return value


def read_single_file(path: Path) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
    with open_text(path, "r") as handle:
        handle.readline()  # the manifest
        items = (
            parse_line(path, number, line)
            for number, line in enumerate(handle, start=2)
            if line.strip()
        )
        for name, group in itertools.groupby(items, key=lambda item: str(item.get("table"))):
            yield name, (item.get("row") or {} for item in group)


def read_parquet(path: Path) -> Iterator[dict[str, Any]]:
    parquet = pq.ParquetFile(path)
    json_columns = set(json.loads(parquet.schema_arrow.metadata.get(b"candor_json", b"[]")))
    for batch in parquet.iter_batches(batch_size=ROWS_PER_PARQUET_CHUNK):
        for row in batch.to_pylist():
            for name in json_columns:
                if row.get(name) is not None:
                    row[name] = json.loads(row[name])
            yield row
