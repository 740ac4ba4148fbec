"""The shared import procedure: read rows, parse each, save the good ones in one transaction.

A bad row never stops the others (unless strict): it is reported with file, line,
field and reason. A failure while saving rolls the whole batch back, so nothing is
ever half-written.
"""

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.db import transaction


class RowError(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


class StrictStop(Exception):
    """Raised in strict mode at the first bad row; nothing is saved."""

    def __init__(self, rejection: "Rejection") -> None:
        super().__init__(str(rejection))
        self.rejection = rejection


@dataclass(frozen=True)
class Rejection:
    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.rows} rows read: {self.created} created, {self.unchanged} already present, "
            f"{len(self.rejected)} rejected"
        )


class Importer:
    """Subclasses set kind, columns (our name -> their header) and required, and
    implement parse_row (raise RowError) and save_record (return True when created)."""

    kind: ClassVar[str]
    columns: ClassVar[Mapping[str, str]]
    required: ClassVar[frozenset[str]] = frozenset()

    def rows(self, path: Path) -> Iterator[tuple[int, dict[str, str]]]:
        """(line number, {our field: value}) for each data row of a CSV file."""
        text = read_text(path)
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = [
            their
            for ours, their in self.columns.items()
            if ours in self.required and their not in (reader.fieldnames or [])
        ]
        if missing:
            raise RowError("header", f"missing column(s): {', '.join(missing)}")
        for record in reader:
            yield (
                reader.line_num,
                {ours: (record.get(their) or "").strip() for ours, their in self.columns.items()},
            )

    def parse_row(self, row: dict[str, str]) -> Any:
        raise NotImplementedError

    def save_record(self, record: Any) -> bool:
        raise NotImplementedError

    def run(self, path: Path, strict: bool = False) -> ImportReport:
        report = ImportReport()
        records = []
        for line, row in self.rows(path):
            report.rows += 1
            try:
                records.append(self.parse_row(row))
            except RowError as error:
                rejection = Rejection(str(path), line, error.field, error.reason)
                if strict:
                    raise StrictStop(rejection) from None
                report.rejected.append(rejection)
        with transaction.atomic():
            for record in records:
                if self.save_record(record):
                    report.created += 1
                else:
                    report.unchanged += 1
        return report


def read_text(path: Path) -> str:
    """The file as text; invalid UTF-8 is an error naming the byte offset."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RowError("file", f"not UTF-8 text (byte {error.start})") from None
