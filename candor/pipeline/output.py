"""Writing the three output files: products.jsonl, reviews.jsonl, rejects.jsonl.

products.jsonl, one line per product, sorted by product_id:

    {"product_id": "...", "rating": 4.21, "count": 12,
     "stars": {"5": 58, "4": 25, "3": 8, "2": 0, "1": 9}, "interval": [3.9, 4.5],
     "effective_count": 7.93,
     "explanation": [{"code", "label", "delta", "shown", "sentence"}, ...]}

(``product_id``, then `RatingResult.to_dict` of `candor.ratings.rating.results`: the
web's own words and numbers; ``rating`` and ``interval`` are null when no review of
the product counts). reviews.jsonl, one line per scored review in input order:
``review_id, product_id, reviewer_id, trust, weight, reasons`` (reasons: ``{"code",
"text"}`` objects, see `candor.pipeline.trust`; [] when none or with --no-trust).
rejects.jsonl: ``file, line, reason`` per rejected row.

With --format parquet the same rows and fields go to products.parquet, reviews.parquet
and rejects.parquet, written by the engine (`Engine.write_parquet`): ``stars`` a struct
of the five counts, ``interval`` a list, ``explanation`` and ``reasons`` lists of
structs (PRODUCT_SCHEMA, REASON_TYPE, REJECT_SCHEMA).

reviews.jsonl is streamed: Arrow batches from the engine are written as JSON by an
in-process DuckDB (whichever engine scored them), never one Python object per review.
products.jsonl is written from `candor.ratings.score.Scores`: products alike in every
number their result is made of share it, which is made once (by forked processes in
parallel when there are many), then each product's line is its id and that result.
"""

import json
import multiprocessing as mp
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from candor.pipeline.engines import Engine
from candor.pipeline.sources import Rejection
from candor.ratings import Prior, RatingConfig, results
from candor.ratings.review import IntArray
from candor.ratings.score import Scores

PRODUCT_FIELDS = (
    "product_id",
    "rating",
    "count",
    "stars",
    "interval",
    "effective_count",
    "explanation",
)
REVIEW_FIELDS = ("review_id", "product_id", "reviewer_id", "trust", "weight", "reasons")
REJECT_FIELDS = ("file", "line", "reason")

_encode = json.JSONEncoder(ensure_ascii=False).encode


PRODUCTS_PER_BLOCK = 50_000
PARALLEL_RESULTS = 50_000  # from this many distinct results on, processes make them
# The fields of `Scores` that `candor.ratings.rating.results` reads: books alike in all
# of them, bit for bit, get the same `RatingResult` (most books of a big corpus have a
# review or two, and share theirs with many others).
RESULT_FIELDS = ("count", "stage_ratings", "changed", "gate", "stars", "interval", "evidence")

_shared: dict[str, Any] = {}


def distinct_results(scores: Scores) -> tuple[IntArray, IntArray]:
    """The books whose results must be made: the first of each group of books alike in
    every `RESULT_FIELDS` (positions, in order), and each book's group."""
    count = len(scores)
    columns = [
        np.ascontiguousarray(getattr(scores, name)).reshape(count, -1) for name in RESULT_FIELDS
    ]
    key = np.ascontiguousarray(
        np.concatenate([column.view(np.uint8).reshape(count, -1) for column in columns], axis=1)
    )
    width = key.shape[1]
    keys = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), count, [None, pa.py_buffer(key)])
    groups = np.asarray(pc.dictionary_encode(keys).indices.to_numpy(), dtype=np.int64)
    _, first = np.unique(groups, return_index=True)  # groups number first appearances
    return first.astype(np.int64), groups


def result_lines(scores: Scores, prior: Prior, config: RatingConfig) -> list[str]:
    """`RatingResult.to_dict` of each book of ``scores`` as JSON, without its opening
    brace (a line of products.jsonl is its product id, then this)."""
    return [_encode(result.to_dict())[1:] for result in results(scores, prior, config)]


def write_products(
    path: Path,
    product_ids: list[str],
    scores: Scores,
    prior: Prior,
    config: RatingConfig,
    tick: Callable[[int], None],
    workers: int,
) -> int:
    """products.jsonl: the result of each distinct book (`distinct_results`) made once
    (with many, by ``workers`` forked processes, each a share), then one line per
    product."""
    first, groups = distinct_results(scores)
    distinct = scores.rows(first)
    if workers < 2 or len(first) < PARALLEL_RESULTS or "fork" not in mp.get_all_start_methods():
        tails = result_lines(distinct, prior, config)
    else:
        tails = _parallel_results(path, distinct, prior, config, workers)
    written = 0
    with path.open("wb") as out:
        for start in range(0, len(product_ids), PRODUCTS_PER_BLOCK):
            end = min(start + PRODUCTS_PER_BLOCK, len(product_ids))
            lines = [
                f'{{"product_id": {_encode(product_id)}, {tails[group]}\n'
                for product_id, group in zip(
                    product_ids[start:end], groups[start:end].tolist(), strict=True
                )
            ]
            out.write("".join(lines).encode())
            written += end - start
            tick(end - start)
    return written


def _parallel_results(
    path: Path, scores: Scores, prior: Prior, config: RatingConfig, workers: int
) -> list[str]:
    count = len(scores)
    bounds = [count * part // workers for part in range(workers + 1)]
    parts = [path.with_name(f"{path.name}.part{part}") for part in range(workers)]
    _shared.update(scores=scores, prior=prior, config=config)
    context = mp.get_context("fork")
    tails: list[str] = []
    try:
        processes = [
            context.Process(target=_write_part, args=(parts[part], bounds[part], bounds[part + 1]))
            for part in range(workers)
        ]
        for process in processes:
            process.start()
        for process, part in zip(processes, parts, strict=True):
            process.join()
            if process.exitcode != 0:
                raise RuntimeError(f"writing {path.name} failed in a worker process")
            # JSON escapes every newline inside a string: one result per line.
            tails.extend(part.read_text(encoding="utf-8").splitlines())
    finally:
        _shared.clear()
        for part in parts:
            part.unlink(missing_ok=True)
    if len(tails) != count:
        raise RuntimeError(f"writing {path.name}: {len(tails)} results for {count} books")
    return tails


def _write_part(path: Path, start: int, end: int) -> None:
    scores: Scores = _shared["scores"]
    lines = result_lines(scores.rows(np.arange(start, end)), _shared["prior"], _shared["config"])
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def write_reviews(path: Path, batches: pa.RecordBatchReader, tick: Callable[[int], None]) -> int:
    """Stream Arrow batches (REVIEW_FIELDS) to JSON Lines; the number of rows written."""
    counted = _Counting(batches, tick)
    reader = pa.RecordBatchReader.from_batches(batches.schema, counted)
    connection = duckdb.connect()
    try:
        connection.register("candor_reviews", reader)
        names = batches.schema.names
        if "reasons" not in names:
            reasons = "[]::VARCHAR[]"
        elif pa.types.is_string(batches.schema.field("reasons").type):
            # JSON text (`candor.pipeline.trust`): written as the JSON it holds.
            reasons = "coalesce(reasons::JSON, '[]'::JSON)"
        else:
            reasons = "coalesce(reasons, []::VARCHAR[])"
        columns = ", ".join(f'"{name}"' for name in REVIEW_FIELDS[:-1]) + f", {reasons} AS reasons"
        target = str(path).replace("'", "''")
        connection.execute(
            f"COPY (SELECT {columns} FROM candor_reviews) TO '{target}' (FORMAT JSON)"
        )
    finally:
        connection.close()
    return counted.rows


class _Counting:
    def __init__(self, batches: pa.RecordBatchReader, tick: Callable[[int], None]) -> None:
        self.batches = batches
        self.tick = tick
        self.rows = 0

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for batch in self.batches:
            self.rows += batch.num_rows
            self.tick(batch.num_rows)
            yield batch


def write_rejects(path: Path, rejections: Iterable[Rejection]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for rejection in rejections:
            out.write(_encode(rejection.to_dict()) + "\n")


STAR_KEYS = ("5", "4", "3", "2", "1")
REASON_TYPE = pa.list_(pa.struct([("code", pa.string()), ("text", pa.string())]))
PRODUCT_SCHEMA = pa.schema(
    [
        ("product_id", pa.string()),
        ("rating", pa.float64()),
        ("count", pa.int64()),
        ("stars", pa.struct([(key, pa.int64()) for key in STAR_KEYS])),
        ("interval", pa.list_(pa.float64())),
        ("effective_count", pa.float64()),
        (
            "explanation",
            pa.list_(
                pa.struct(
                    [
                        ("code", pa.string()),
                        ("label", pa.string()),
                        ("delta", pa.float64()),
                        ("shown", pa.float64()),
                        ("sentence", pa.string()),
                    ]
                )
            ),
        ),
    ]
)
REVIEW_SCHEMA = pa.schema(
    [
        ("review_id", pa.string()),
        ("product_id", pa.string()),
        ("reviewer_id", pa.string()),
        ("trust", pa.float64()),
        ("weight", pa.float64()),
        ("reasons", REASON_TYPE),
    ]
)
REJECT_SCHEMA = pa.schema([("file", pa.string()), ("line", pa.int64()), ("reason", pa.string())])


@dataclass(frozen=True)
class Destination:
    """Where the three outputs go and in which format. JSON Lines go to a folder here;
    Parquet to any folder the engine's writer accepts (``s3a://...``, ``hdfs://...``
    on Spark): a single file per output on DuckDB, a folder of part files on Spark."""

    place: str
    format: str = "jsonl"

    @property
    def local(self) -> Path | None:
        """The folder on this machine, or None for a URI only the engine can write."""
        if "://" in self.place and not self.place.startswith("file://"):
            return None
        return Path(self.place.removeprefix("file://"))

    def target(self, kind: str) -> str:
        """Where output ``kind`` (products, reviews or rejects) is written."""
        return f"{self.place.rstrip('/')}/{kind}.{self.format}"

    def clear(self) -> None:
        """Remove the outputs of an earlier run from a local folder (Spark overwrites
        its own)."""
        folder = self.local
        if folder is None:
            return
        folder.mkdir(parents=True, exist_ok=True)
        for kind in ("products", "reviews", "rejects"):
            path = folder / f"{kind}.{self.format}"
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)


def products_table(
    product_ids: list[str], scores: Scores, prior: Prior, config: RatingConfig
) -> pa.Table:
    """products.jsonl's rows as an Arrow table (PRODUCT_SCHEMA): each distinct result
    (`distinct_results`) made once, then taken for every product alike."""
    first, groups = distinct_results(scores)
    made = [result.to_dict() for result in results(scores.rows(first), prior, config)]
    fields = PRODUCT_SCHEMA.remove(0)
    distinct = pa.Table.from_pylist(made, schema=fields)
    table = distinct.take(pa.array(groups))
    return table.add_column(0, PRODUCT_SCHEMA.field(0), pa.array(product_ids, pa.string()))


def rejects_table(rejections: Iterable[Rejection]) -> pa.Table:
    return pa.Table.from_pylist([r.to_dict() for r in rejections], schema=REJECT_SCHEMA)


def write_rejects_here(destination: Destination, rejections: Iterable[Rejection]) -> None:
    """rejects in the destination's format, without an engine (a --strict stop):
    Parquet through PyArrow, which writes local paths and the URIs its file systems
    know."""
    if destination.format == "jsonl":
        folder = destination.local
        assert folder is not None  # JSON Lines are written here only
        write_rejects(folder / "rejects.jsonl", rejections)
    else:
        pq.write_table(rejects_table(rejections), destination.target("rejects"))


def review_table(engine: Engine, rows: ir.Table) -> ir.Table:
    """reviews.jsonl's rows (REVIEW_FIELDS) for Parquet: reasons parsed on the engine
    from their JSON text (`candor.pipeline.trust`) to a list of structs, [] when none."""
    if "reasons" not in rows.columns:
        text = ibis.literal("[]")
    elif rows.reasons.type().is_string():
        text = rows.reasons.fill_null("[]")
    else:  # a trust source's list of reason texts: written as it is
        return rows.select(*REVIEW_FIELDS)
    return rows.select(*REVIEW_FIELDS[:-1], reasons=engine.parse_reasons(text))
