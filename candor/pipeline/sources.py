"""Input files: which ones, which schema, and how each engine gets to read them.

INPUT is a file or a folder (searched recursively, in sorted order) of

- JSON Lines (``.jsonl``, ``.json``, optionally ``.gz``),
- CSV (``.csv``, optionally ``.gz``) with a header row,
- Parquet (``.parquet``, ``.pq``).

Each file is in one of two schemas, told apart by its columns (`detect_schema`):

- Candor's: ``review_id, product_id, reviewer_id, rating, created_at,
  verified_purchase, helpful_votes, title, text`` (created_at ISO 8601; a time without
  an offset is UTC);
- Amazon Reviews 2023: ``rating, title, text, asin, parent_asin, user_id, timestamp``
  (milliseconds since 1970 UTC), ``helpful_vote, verified_purchase``; the product is
  ``parent_asin`` and the review id ``user_id:parent_asin:timestamp``.

Parquet files are read by the engine itself. Text files (CSV and JSON Lines) are first
*staged*: parsed here, in streaming blocks, into Parquet files of string columns
(values trimmed of surrounding white space) plus the physical line number of each
record, so that every engine reads the same rows and every bad row can be reported as
FILE:LINE. Lines that are not valid JSON, CSV records
with the wrong number of fields and similar problems are rejected while staging.
"""

import csv
import gzip
import io
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

CANDOR = "candor"
AMAZON = "amazon"

# Columns the scorer reads, per schema (title and text are never needed for the numbers).
COLUMNS = {
    CANDOR: (
        "review_id",
        "product_id",
        "reviewer_id",
        "rating",
        "created_at",
        "verified_purchase",
        "helpful_votes",
    ),
    AMAZON: ("rating", "parent_asin", "user_id", "timestamp", "helpful_vote", "verified_purchase"),
}
# Read as well when trust analysis runs (the text signals); the same names in both schemas.
TEXT_COLUMNS = ("title", "text")
REQUIRED = {
    CANDOR: frozenset({"review_id", "product_id", "rating", "created_at"}),
    AMAZON: frozenset({"rating", "parent_asin", "user_id", "timestamp"}),
}

PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
CSV_SUFFIXES = (".csv",)

LINE_COLUMN = "_line"
BLOCK_BYTES = 16 << 20
CSV_BATCH_ROWS = 65_536


class InputError(Exception):
    """A problem with INPUT as a whole (not one row): unreadable, unknown columns..."""


@dataclass(frozen=True)
class Rejection:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "reason": self.reason}


class StrictStop(Exception):
    """Raised in strict mode at the first bad row."""

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(str(rejection))
        self.rejection = rejection


@dataclass(frozen=True)
class Source:
    """One input file, ready for an engine: ``parquet`` is what the engine reads.

    ``staged`` sources are Parquet files of string columns with a ``_line`` column;
    the others are the user's own Parquet files (rows are numbered by the engine).
    """

    index: int
    path: Path  # the user's file, as reported
    kind: str  # "parquet", "jsonl" or "csv"
    schema: str  # CANDOR or AMAZON
    columns: tuple[str, ...]  # of the schema's COLUMNS, those the file has
    parquet: Path
    staged: bool
    rows: int  # records staged or in the Parquet file (rejected while staging not included)

    @property
    def label(self) -> str:
        return str(self.path)


def find_files(root: Path) -> list[Path]:
    """The input files under ``root`` (itself when it is a file), sorted."""
    if not root.exists():
        raise InputError(f"{root}: no such file or folder")
    if root.is_file():
        if file_kind(root) is None:
            raise InputError(f"{root}: not a .jsonl, .json, .csv or .parquet file (or .gz)")
        return [root]
    found = sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(".") and file_kind(path) is not None
    )
    if not found:
        raise InputError(f"{root}: no .jsonl, .json, .csv or .parquet files in this folder")
    return found


def file_kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    name = name.removesuffix(".gz")
    if name.endswith(JSON_SUFFIXES):
        return "jsonl"
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    return None


def detect_schema(path: Path, columns: list[str]) -> str:
    """CANDOR or AMAZON from a file's column names; InputError when neither fits."""
    present = set(columns)
    for schema in (CANDOR, AMAZON):
        if REQUIRED[schema] <= present:
            return schema
    raise InputError(
        f"{path}: columns {sorted(present)} match neither Candor's schema (needs "
        f"{', '.join(sorted(REQUIRED[CANDOR]))}) nor Amazon Reviews 2023 (needs "
        f"{', '.join(sorted(REQUIRED[AMAZON]))})"
    )


def prepare(
    files: list[Path],
    staging: Path,
    reject: Callable[[Rejection], None],
    progress: Callable[[int], None] = lambda rows: None,
    texts: bool = False,
) -> list[Source]:
    """Sources for ``files``: Parquet as is, text files staged into ``staging``.

    ``texts``: also read TEXT_COLUMNS (for trust analysis); staging them costs time, so
    only when asked.
    """
    sources = []
    for index, path in enumerate(files):
        kind = file_kind(path)
        if kind == "parquet":
            sources.append(_parquet_source(index, path, texts))
        else:
            staging.mkdir(parents=True, exist_ok=True)
            target = staging / f"{index:06d}.parquet"
            stage = _stage_csv if kind == "csv" else _stage_jsonl
            schema, columns, rows = stage(path, target, reject, progress, texts)
            sources.append(Source(index, path, str(kind), schema, columns, target, True, rows))
    return sources


def _wanted(schema: str, texts: bool) -> tuple[str, ...]:
    return COLUMNS[schema] + TEXT_COLUMNS if texts else COLUMNS[schema]


def _parquet_source(index: int, path: Path, texts: bool) -> Source:
    try:
        metadata = pq.read_metadata(path)
    except (OSError, pa.ArrowException) as error:
        raise InputError(f"{path}: not a readable Parquet file ({error})") from error
    names = metadata.schema.to_arrow_schema().names
    schema = detect_schema(path, names)
    columns = tuple(name for name in _wanted(schema, texts) if name in names)
    return Source(index, path, "parquet", schema, columns, path, False, metadata.num_rows)


def _open(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


class _Writer:
    """Staged rows: string columns plus the line number, written in batches."""

    def __init__(self, target: Path, columns: tuple[str, ...]) -> None:
        self.columns = columns
        fields = [pa.field(name, pa.string()) for name in columns]
        self.schema = pa.schema([*fields, pa.field(LINE_COLUMN, pa.int64())])
        self.writer = pq.ParquetWriter(target, self.schema)
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        self.writer.write_table(table.select(self.schema.names).cast(self.schema))
        self.rows += table.num_rows

    def write_rows(self, values: dict[str, list[str | None]], lines: list[int]) -> None:
        arrays = [pa.array(values[name], pa.string()) for name in self.columns]
        self.write(pa.table([*arrays, pa.array(lines, pa.int64())], schema=self.schema))

    def close(self) -> None:
        self.writer.close()


# --- JSON Lines ----------------------------------------------------------------------


def _stage_jsonl(
    path: Path,
    target: Path,
    reject: Callable[[Rejection], None],
    progress: Callable[[int], None],
    texts: bool,
) -> tuple[str, tuple[str, ...], int]:
    writer: _Writer | None = None
    schema = ""
    try:
        with _open(path) as stream:
            for first_line, block in _blocks(stream):
                lines = block.split(b"\n")
                if writer is None:
                    schema, columns = _jsonl_schema(path, lines, first_line, texts)
                    writer = _Writer(target, columns)
                before = writer.rows
                _stage_json_block(path, lines, first_line, writer, reject)
                progress(writer.rows - before)
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read ({error})") from error
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise InputError(f"{path}: empty file")
    return schema, writer.columns, writer.rows


def _blocks(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(number of the block's first line, block of whole lines) for the whole stream."""
    line = 1
    rest = b""
    while True:
        data = stream.read(BLOCK_BYTES)
        if not data:
            break
        data = rest + data
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        block, rest = data[:cut], data[cut:]
        yield line, block
        line += block.count(b"\n")
    if rest.strip():
        yield line, rest + b"\n"


def _jsonl_schema(
    path: Path, lines: list[bytes], first_line: int, texts: bool
) -> tuple[str, tuple[str, ...]]:
    """The schema of a JSON Lines file, from its first object."""
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise InputError(
                f"{path}:{first_line}: the first record is not valid JSON ({error})"
            ) from error
        if not isinstance(record, dict):
            raise InputError(f"{path}:{first_line}: the first record is not a JSON object")
        schema = detect_schema(path, list(record))
        return schema, _wanted(schema, texts)
    raise InputError(f"{path}: no records")


def _stage_json_block(
    path: Path,
    lines: list[bytes],
    first_line: int,
    writer: _Writer,
    reject: Callable[[Rejection], None],
) -> None:
    if lines and lines[-1] == b"":
        lines.pop()
    numbers = [first_line + offset for offset, line in enumerate(lines) if line.strip()]
    if not numbers:
        return
    try:
        table = pa_json.read_json(io.BytesIO(b"\n".join(lines)))
    except pa.ArrowException:
        # A bad line or a column of mixed types: parse this block line by line.
        _stage_json_lines(path, lines, first_line, writer, reject)
        return
    if table.num_rows != len(numbers):  # pragma: no cover - pyarrow skips only blank lines
        _stage_json_lines(path, lines, first_line, writer, reject)
        return
    arrays = []
    for name in writer.columns:
        if name in table.column_names and _scalar_type(table.schema.field(name).type):
            arrays.append(pc.utf8_trim_whitespace(table[name].cast(pa.string())))
        elif name in table.column_names:
            # Nested values (lists, objects) are never valid here: keep them as JSON text.
            arrays.append(pa.chunked_array([_json_texts(table[name].to_pylist())]))
        else:
            arrays.append(pa.chunked_array([pa.nulls(table.num_rows, pa.string())]))
    arrays.append(pa.chunked_array([pa.array(numbers, pa.int64())]))
    writer.write(pa.table(arrays, schema=writer.schema))


def _scalar_type(kind: pa.DataType) -> bool:
    return not pa.types.is_nested(kind)


def _stage_json_lines(
    path: Path,
    lines: list[bytes],
    first_line: int,
    writer: _Writer,
    reject: Callable[[Rejection], None],
) -> None:
    values: dict[str, list[str | None]] = {name: [] for name in writer.columns}
    numbers = []
    for offset, line in enumerate(lines):
        if not line.strip():
            continue
        number = first_line + offset
        try:
            record = json.loads(line)
        except ValueError as error:
            reject(Rejection(str(path), number, f"not valid JSON ({error})"))
            continue
        if not isinstance(record, dict):
            reject(Rejection(str(path), number, "not a JSON object"))
            continue
        for name in writer.columns:
            values[name].append(_text(record.get(name)))
        numbers.append(number)
    if numbers:
        writer.write_rows(values, numbers)


def _json_texts(values: list[Any]) -> pa.Array:
    return pa.array([_text(value) for value in values], pa.string())


def _text(value: object) -> str | None:
    """A JSON value as the text the validation reads (as pyarrow's cast writes it)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


# --- CSV -----------------------------------------------------------------------------


def _stage_csv(
    path: Path,
    target: Path,
    reject: Callable[[Rejection], None],
    progress: Callable[[int], None],
    texts: bool,
) -> tuple[str, tuple[str, ...], int]:
    csv.field_size_limit(sys.maxsize)
    try:
        with _open(path) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(text)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}: empty file (a header row is required)")
            header = [name.strip() for name in header]
            schema = detect_schema(path, header)
            columns = tuple(name for name in _wanted(schema, texts) if name in header)
            positions = [header.index(name) for name in columns]
            writer = _Writer(target, columns)
            try:
                _stage_csv_rows(path, reader, header, positions, writer, reject, progress)
            finally:
                writer.close()
    except csv.Error as error:
        raise InputError(f"{path}: not readable as CSV ({error})") from error
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read ({error})") from error
    return schema, columns, writer.rows


def _stage_csv_rows(
    path: Path,
    reader: Any,
    header: list[str],
    positions: list[int],
    writer: _Writer,
    reject: Callable[[Rejection], None],
    progress: Callable[[int], None],
) -> None:
    values: list[list[str | None]] = [[] for _ in positions]
    numbers: list[int] = []
    line = reader.line_num + 1
    for record in reader:
        start, line = line, reader.line_num + 1
        if not record:
            continue  # a blank line
        if len(record) != len(header):
            reason = f"expected {len(header)} fields, got {len(record)}"
            reject(Rejection(str(path), start, reason))
            continue
        for column, position in zip(values, positions, strict=True):
            column.append(record[position].strip())
        numbers.append(start)
        if len(numbers) >= CSV_BATCH_ROWS:
            _flush_csv(writer, values, numbers, progress)
            values, numbers = [[] for _ in positions], []
    _flush_csv(writer, values, numbers, progress)


def _flush_csv(
    writer: _Writer,
    values: list[list[str | None]],
    numbers: list[int],
    progress: Callable[[int], None],
) -> None:
    if numbers:
        writer.write_rows(dict(zip(writer.columns, values, strict=True)), numbers)
        progress(len(numbers))
