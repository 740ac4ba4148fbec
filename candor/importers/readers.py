"""Reading import files line by line, so one bad line is one bad row and never the file.

Files may be gzip-compressed (detected from the first bytes, whatever the name).
Each physical line is decoded on its own: invalid UTF-8 or a null byte rejects the
row it belongs to, with the byte offset, and the rest of the file is read as usual.
"""

import csv
import gzip
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

GZIP_MAGIC = b"\x1f\x8b"


class RowError(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


class Source:
    """A file's lines as bytes, with how far into the (compressed) file we are."""

    def __init__(self, path: Path) -> None:
        self.raw: IO[bytes] = path.open("rb")
        compressed = self.raw.read(2) == GZIP_MAGIC
        self.raw.seek(0)
        self.stream: IO[bytes] = gzip.GzipFile(fileobj=self.raw) if compressed else self.raw

    def position(self) -> int:
        return self.raw.tell()

    def lines(self) -> Iterator[tuple[int, str | RowError]]:
        """(line number, text without the line end) or (line number, RowError)."""
        try:
            for number, data in enumerate(self.stream, start=1):
                yield number, decode_line(data, first=number == 1)
        except (OSError, EOFError) as error:  # a damaged or truncated gzip stream
            yield -1, RowError("file", f"cannot be read to the end: {error}")

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
        raise RowError("header", f"missing column(s): {', '.join(missing)}")
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
        raise RowError("header", f"not valid CSV: {error}") from None
    if 1 in bad:
        raise RowError("header", bad[1].reason)
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
