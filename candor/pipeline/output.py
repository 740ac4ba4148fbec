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

reviews.jsonl is streamed: Arrow batches from the engine are written as JSON by an
in-process DuckDB (whichever engine scored them), never one Python object per review.
products.jsonl is written from `candor.ratings.score.Scores`: products alike in every
number their result is made of share it, which is made once (by forked processes in
parallel when there are many), then each product's line is its id and that result.
"""

import json
import multiprocessing as mp
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
