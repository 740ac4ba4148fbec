"""Reading import files line by line, so one bad line is one bad row and never the file.

Files may be gzip-compressed (detected from the first bytes, whatever the name).
Each physical line is decoded on its own: invalid UTF-8 or a null byte rejects the
row it belongs to, with the byte offset, and the rest of the file is read as usual.

Memory stays bounded whatever the file holds: a line is read at most
IMPORT_MAX_LINE_BYTES at a time, and a longer one is rejected and skipped in chunks of
that size; reading stops once IMPORT_MAX_DECOMPRESSED_BYTES of text were read (a small
.gz can expand to far more than the disk holds), with a `FileCut` for that line.
"""

import csv
import gzip
import json
import os
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from django.conf import settings

GZIP_MAGIC = b"\x1f\x8b"


class RowError(Exception):
    """Why a row (or, for `field` "header" or "file", the whole file) is refused; `line`
    when the error is raised for the file rather than yielded with its line."""

    def __init__(self, field_name: str, reason: str, line: int | None = None) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason
        self.line = line


class FileCut(RowError):
    """Reading stopped at this line: nothing after it was read (the file is over the
    size limit, or its compressed stream is damaged)."""


class Source:
    """A file's lines as bytes, with how far into the (compressed) file we are."""

    def __init__(self, path: Path) -> None:
        self.max_line: int = settings.IMPORT_MAX_LINE_BYTES
        self.max_total: int = settings.IMPORT_MAX_DECOMPRESSED_BYTES
        self.raw: IO[bytes] = path.open("rb")
        self.compressed = self.raw.read(2) == GZIP_MAGIC
        self.raw.seek(0)
        self.stream: IO[bytes] = gzip.GzipFile(fileobj=self.raw) if self.compressed else self.raw
        self.text_read = 0  # bytes of (decompressed) text read so far

    def position(self) -> int:
        return self.raw.tell()

    def lines(self) -> Iterator[tuple[int, str | RowError]]:
        """(line number, text without the line end) or (line number, RowError); a
        `FileCut` is the last item when reading stopped before the end."""
        if not self.compressed and self.path_size() > self.max_total:
            yield 1, self.over_limit(f"{self.path_size()} bytes")
            return
        number = 0
        try:
            while data := self.stream.readline(self.max_line + 1):
                number += 1
                self.text_read += len(data)
                if len(data) > self.max_line and not data.endswith(b"\n"):
                    self.skip_rest_of_line()
                    problem: str | RowError = RowError(
                        "line",
                        f"longer than {self.max_line} bytes (IMPORT_MAX_LINE_BYTES): skipped",
                    )
                else:
                    problem = decode_line(data, first=number == 1)
                if self.text_read > self.max_total:
                    yield number, self.over_limit(f"more than {self.max_total} bytes")
                    return
                yield number, problem
        except (OSError, EOFError, zlib.error) as error:  # a damaged or truncated gzip stream
            yield number + 1, FileCut("file", f"cannot be read to the end: {error}")

    def skip_rest_of_line(self) -> None:
        """Read past the rest of an over-long line, a bounded chunk at a time."""
        while chunk := self.stream.readline(self.max_line + 1):
            self.text_read += len(chunk)
            if chunk.endswith(b"\n") or self.text_read > self.max_total:
                return

    def over_limit(self, size: str) -> FileCut:
        what = "once decompressed" if self.compressed else "in the file"
        return FileCut(
            "file",
            f"{size} of text {what}, over the limit of {self.max_total} bytes "
            "(IMPORT_MAX_DECOMPRESSED_BYTES): nothing from this line on was read",
        )

    def path_size(self) -> int:
        return os.fstat(self.raw.fileno()).st_size

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc: object) -> None:
        self.raw.close()


def open_source(path: Path) -> Source:
    return Source(path)


def decode_line(data: bytes, first: bool = False) -> str | RowError:
    if first and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        return RowError("file", f"null byte at byte {nul + 1} of the line")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return RowError("file", f"not UTF-8 text (byte {error.start + 1} of the line)")
    return text.rstrip("\r\n")


def jsonl_rows(source: Source) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    for number, text in source.lines():
        if isinstance(text, RowError):
            yield number, text
        elif text.strip():
            yield number, parse_json_object(text)


# json.loads without its Python wrappers, for a line that is exactly one JSON value.
_scan_json = json.JSONDecoder().scan_once


def parse_json_object(text: str) -> dict[str, Any] | RowError:
    try:
        value, end = _scan_json(text, 0)
    except (StopIteration, ValueError):
        end = -1
    if end != len(text):
        # Anything else (bad JSON, surrounding spaces): json.loads, with its message.
        try:
            value = json.loads(text)
        except ValueError as error:
            return RowError("line", f"not JSON: {error}")
    if not isinstance(value, dict):
        return RowError("line", f"not a JSON object but {type(value).__name__}")
    return value


def csv_rows(
    source: Source, columns: Mapping[str, str], required: frozenset[str]
) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """(first line of the record, {our field: stripped text}) per CSV record.

    A record spanning a bad physical line (quoted newlines) is rejected as a whole.
    A header without a required column is an error for the whole file (RowError
    raised), since every row would fail the same way.
    """
    bad: dict[int, RowError] = {}
    numbers = _LineTracker()

    def texts() -> Iterator[str]:
        for number, text in source.lines():
            numbers.current = number
            if isinstance(text, RowError):
                bad[number] = text
                yield ""
            else:
                yield text

    reader = csv.reader(texts())
    header, header_end = _read_header(reader, numbers, bad)
    missing = [their for ours, their in columns.items() if ours in required and their not in header]
    if missing:
        raise RowError("header", f"missing column(s): {', '.join(missing)}", line=1)
    index = {ours: header.index(their) for ours, their in columns.items() if their in header}
    start = header_end + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, RowError("line", f"not valid CSV: {error}")
            start = numbers.current + 1
            continue
        end, first = numbers.current, start
        start = end + 1
        broken = next((bad[n] for n in range(first, end + 1) if n in bad), None)
        if broken is not None:
            yield first, broken
        elif record and any(cell.strip() for cell in record):
            yield first, _mapped(record, header, index, required, list(columns))


class _LineTracker:
    current = 0


def _read_header(
    reader: Any, numbers: _LineTracker, bad: dict[int, RowError]
) -> tuple[list[str], int]:
    try:
        header = next(reader)
    except StopIteration:
        raise RowError("header", "the file is empty: no header line") from None
    except csv.Error as error:
        raise RowError("header", f"not valid CSV: {error}", line=1) from None
    if 1 in bad:
        raise RowError("header", bad[1].reason, line=1)
    return [name.strip() for name in header], numbers.current


def _mapped(
    record: list[str],
    header: list[str],
    index: dict[str, int],
    required: frozenset[str],
    names: list[str],
) -> dict[str, Any] | RowError:
    if len(record) > len(header):
        return RowError(
            "line", f"{len(record)} fields but the header has {len(header)} (an unquoted comma?)"
        )
    row: dict[str, Any] = {}
    for ours, position in index.items():
        if position >= len(record):
            if ours in required:
                return RowError(
                    header[position],
                    f"missing: the line has {len(record)} fields, the header {len(header)}",
                )
            row[ours] = ""
        else:
            row[ours] = record[position].strip()
    for ours in names:
        row.setdefault(ours, "")
    return row
