"""The shared import procedure: read rows, parse each, save them batch by batch.

A bad row never stops the others (unless strict): it is reported with file, line,
field and reason, counted, and written to a rejects file. Each batch is saved in one
transaction, so a failure leaves nothing of that batch half-written; in strict mode
the whole file is one transaction and the first bad row undoes everything.
"""

import gc
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar, TextIO

from django.db import transaction
from django.db.models import Model

from candor.importers.ahead import read_ahead
from candor.importers.bulk_schema import SetAside, indexes_rebuilt_after
from candor.importers.progress import ImportProgress
from candor.importers.readers import FileCut, RowError, csv_rows, jsonl_rows, open_source

# How many rejections a report keeps in memory to print; all go to the rejects file.
KEPT_REJECTIONS = 1000


class StrictStop(Exception):
    """Raised in strict mode at the first bad row; nothing is saved."""

    def __init__(self, rejection: "Rejection") -> None:
        super().__init__(str(rejection))
        self.rejection = rejection


class Outcome(Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Rejection:
    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"

    def to_json(self) -> str:
        return json.dumps(
            {"file": self.file, "line": self.line, "field": self.field, "reason": self.reason},
            ensure_ascii=False,
        )


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    rejects_path: Path | None = None
    # Set when reading stopped before the end of the file (readers.FileCut).
    cut: Rejection | None = None

    def count(self, outcome: Outcome, n: int = 1) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + n)

    def summary(self) -> str:
        text = (
            f"{self.rows} rows read: {self.created} created, {self.unchanged} already present, "
            f"{self.rejected} rejected, {self.updated} updated"
        )
        if self.skipped:
            text += f", {self.skipped} skipped (nothing to import)"
        if self.rejects_path is not None and self.rejected:
            text += f"; rejected rows written to {self.rejects_path}"
        if self.cut is not None:
            text += f"; reading stopped at line {self.cut.line}"
        return text


@dataclass
class BatchResult:
    """What save_batch did: an outcome per saved row, and the rows it refused."""

    outcomes: list[Outcome] = field(default_factory=list)
    refused: list[tuple[int, RowError]] = field(default_factory=list)


class Importer:
    """Subclasses set kind, columns (our name -> their header or JSON key) and
    required, and implement parse_row (raise RowError) and either save_record
    (return True when created) or save_batch for bulk saving."""

    kind: ClassVar[str]
    columns: ClassVar[Mapping[str, str]]
    required: ClassVar[frozenset[str]] = frozenset()
    file_format: ClassVar[str] = "csv"  # or "jsonl"
    batch_size: ClassVar[int] = 1000
    # Parse rows in a thread while batches are saved (parse_row must not use the database).
    read_ahead: ClassVar[bool] = False
    # Pause Python's cycle collector for the import (see cycle_collector_paused).
    pause_gc: ClassVar[bool] = False
    # --bulk: the tables loaded without their secondary indexes, each with the unique
    # constraints the importer's lookups use (kept).
    bulk_tables: ClassVar[Mapping[type[Model], Sequence[str]]] = {}

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.progress_bar: ImportProgress | None = None
        # --bulk: what was dropped for the load, to rebuild (bulk_schema.SetAside).
        self.set_aside: SetAside | None = None

    # -- reading -------------------------------------------------------------------

    def rows(self, path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
        """(line, {our field: value}) per data row, or (line, RowError) for an unreadable one."""
        source = open_source(path)
        if self.progress_bar is not None:
            self.progress_bar.follow(source.position)
        with source:
            if self.file_format == "jsonl":
                yield from self.mapped_json(jsonl_rows(source))
            else:
                yield from csv_rows(source, self.columns, self.required)

    def mapped_json(
        self, rows: Iterator[tuple[int, dict[str, Any] | RowError]]
    ) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
        for line, row in rows:
            if isinstance(row, RowError):
                yield line, row
                continue
            missing = [
                their
                for ours, their in self.columns.items()
                if ours in self.required and row.get(their) in (None, "")
            ]
            if missing:
                yield line, RowError(missing[0], "missing")
                continue
            yield line, {ours: row.get(their) for ours, their in self.columns.items()}

    def parsed_rows(self, path: Path) -> Iterator[tuple[int, Any]]:
        """(line, parsed record) per data row, or (line, RowError) for a bad one; read
        by a thread running ahead of the batches when the importer sets read_ahead."""

        def parse() -> Iterator[tuple[int, Any]]:
            for line, row in self.rows(path):
                if isinstance(row, RowError):
                    yield line, row
                    continue
                try:
                    yield line, self.parse_row(row)
                except RowError as error:
                    yield line, error

        return read_ahead(parse) if self.read_ahead else parse()

    # -- saving --------------------------------------------------------------------

    def parse_row(self, row: dict[str, Any]) -> Any:
        raise NotImplementedError

    def save_record(self, record: Any) -> bool | Outcome:
        raise NotImplementedError

    def save_batch(self, items: list[tuple[int, Any]]) -> BatchResult:
        """Save parsed rows (line, record); runs inside the batch's transaction."""
        result = BatchResult()
        for _, record in items:
            saved = self.save_record(record)
            if isinstance(saved, Outcome):
                result.outcomes.append(saved)
            else:
                result.outcomes.append(Outcome.CREATED if saved else Outcome.UNCHANGED)
        return result

    def finish(self, report: ImportReport) -> None:
        """After the last batch, outside the batches' transactions (also when one failed)."""

    # -- the procedure -------------------------------------------------------------

    def run(
        self,
        path: Path,
        strict: bool = False,
        rejects: Path | None = None,
        progress: bool = False,
    ) -> ImportReport:
        report = ImportReport(rejects_path=rejects or default_rejects_path(path))
        with (
            RejectsWriter(report.rejects_path) as writer,
            ImportProgress(path, enabled=progress) as bar,
            cycle_collector_paused(self.pause_gc),
        ):
            self.progress_bar = bar
            if self.bulk:
                # One transaction: finish runs inside it; a failure leaves nothing behind.
                with transaction.atomic(), indexes_rebuilt_after(self.bulk_tables) as aside:
                    self.set_aside = aside
                    self._run(path, report, writer, bar, strict=strict)
                    self.finish(report)
                return report
            try:
                if strict:
                    with transaction.atomic():
                        self._run(path, report, writer, bar, strict=True)
                else:
                    self._run(path, report, writer, bar, strict=False)
            finally:
                # Also after a failed batch: the batches before it are stored.
                self.finish(report)
        return report

    @property
    def bulk(self) -> bool:
        """`candor import --bulk`: the whole import is one transaction, and on
        PostgreSQL the tables of bulk_tables are loaded without their secondary
        indexes and foreign keys (see bulk_schema)."""
        return bool(self.options.get("bulk"))

    def _run(
        self,
        path: Path,
        report: ImportReport,
        writer: "RejectsWriter",
        bar: ImportProgress,
        strict: bool,
    ) -> None:
        def reject(line: int, error: RowError) -> None:
            rejection = Rejection(str(path), line, error.field, error.reason)
            if isinstance(error, FileCut):
                report.cut = rejection
            if strict:
                raise StrictStop(rejection)
            report.rejected += 1
            if len(report.rejections) < KEPT_REJECTIONS:
                report.rejections.append(rejection)
            writer.write(rejection)

        batch: list[tuple[int, Any]] = []
        for line, parsed in self.parsed_rows(path):
            report.rows += 1
            bar.advance()
            try:
                if isinstance(parsed, RowError):
                    raise parsed
                batch.append((line, parsed))
            except RowError as error:
                if strict and batch:
                    # An earlier row may be refused while saving: that one comes first.
                    self._save(batch, report, reject)
                    batch = []
                reject(line, error)
            if len(batch) >= self.batch_size:
                self._save(batch, report, reject)
                batch = []
        if batch:
            self._save(batch, report, reject)

    def _save(self, batch: list[tuple[int, Any]], report: ImportReport, reject: Any) -> None:
        with transaction.atomic():
            result = self.save_batch(batch)
            for line, error in sorted(result.refused, key=lambda item: item[0]):
                reject(line, error)
        for outcome in result.outcomes:
            report.count(outcome)


@contextmanager
def cycle_collector_paused(pause: bool) -> Iterator[None]:
    """A bulk import allocates a few containers per row while holding large, long-lived
    dicts (known books and reviewers): the cycle collector then runs often and walks
    them every time, about a quarter of a 200,000-row import's CPU. Nothing the import
    keeps refers to itself, so reference counting frees it; the collector runs once
    at the end for whatever cycles the database layer left."""
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def default_rejects_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.jsonl")


class RejectsWriter:
    """Writes one JSON object per rejected row; the file is created at the first one,
    and an earlier run's file at the same path is removed so it never misleads."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.handle: TextIO | None = None

    def __enter__(self) -> "RejectsWriter":
        if self.path is None:
            return self
        if not os.access(self.path.parent, os.W_OK):
            # Checked before importing anything, rather than failing at the first bad row.
            raise RowError("--rejects", f"cannot write {self.path}: give --rejects FILE")
        if self.path.exists():
            self.path.unlink()
        return self

    def write(self, rejection: Rejection) -> None:
        if self.path is None:
            return
        if self.handle is None:
            self.handle = self.path.open("w", encoding="utf-8")
        self.handle.write(rejection.to_json() + "\n")

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


__all__ = [
    "BatchResult",
    "ImportReport",
    "Importer",
    "Outcome",
    "Rejection",
    "RowError",
    "StrictStop",
    "default_rejects_path",
]
