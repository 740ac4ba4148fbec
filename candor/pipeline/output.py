"""Writing the three output files: products.jsonl, reviews.jsonl, rejects.jsonl.

products.jsonl, one line per product, sorted by product_id:

    {"product_id": "...", "rating": 4.21, "count": 12,
     "stars": {"5": 58, "4": 25, "3": 8, "2": 0, "1": 9}, "interval": [3.9, 4.5],
     "effective_count": 7.93, "explanation": [{"code", "label", "delta", "sentence"}, ...]}

(the fields of `RatingResult.to_dict`, after ``product_id``). reviews.jsonl, one line
per scored review in input order: ``review_id, product_id, reviewer_id, trust, weight,
reasons`` (reasons: ``{"code", "text"}`` objects, see `candor.pipeline.trust`; [] when
none or with --no-trust). rejects.jsonl: ``file, line, reason`` per rejected row.

reviews.jsonl is streamed: Arrow batches from the engine are written as JSON by an
in-process DuckDB (whichever engine scored them), never one Python object per review.
products.jsonl is written from the numpy arrays of `candor.ratings.batch.Scores`: the
explanation's sentences of each product come from `candor.ratings.explanation` (the
web's wording code), everything else is formatted and joined by Arrow in blocks, and
with many products forked processes write parts of the file in parallel.
"""

import json
import multiprocessing as mp
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from candor.pipeline.sources import Rejection
from candor.ratings.batch import Scores
from candor.ratings.explanation import Explainer

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


def product_blocks(
    product_ids: list[str], scores: Scores, explainer: Explainer
) -> Iterator[tuple[int, bytes | memoryview]]:
    """products.jsonl in blocks: (number of products, their JSON lines as UTF-8)."""
    for start in range(0, len(product_ids), PRODUCTS_PER_BLOCK):
        end = min(start + PRODUCTS_PER_BLOCK, len(product_ids))
        yield (
            end - start,
            _product_block(product_ids[start:end], scores.rows(start, end), explainer),
        )


def _product_block(
    product_ids: list[str], scores: Scores, explainer: Explainer
) -> bytes | memoryview:
    """JSON lines for some products.

    Python runs only the explanation's words (`Explainer.sentences`, per product, the
    same code as the web page); numbers are formatted and lines put together by Arrow.
    """
    stages: list[int] = []
    tails: list[str] = []
    sizes: list[int] = []
    encoded: dict[str, str] = {}
    sentences = explainer.sentences
    counts = scores.count.tolist()
    ratings = scores.stage_ratings.tolist()
    changed = scores.changed.tolist()
    for count, stage_ratings, stage_changed in zip(counts, ratings, changed, strict=True):
        shown = sentences(count, stage_ratings, stage_changed)
        sizes.append(len(shown))
        for index, sentence in shown:
            stages.append(index)
            tail = encoded.get(sentence)
            if tail is None:
                tail = encoded[sentence] = f', "sentence": {_encode(sentence)}}}'
            tails.append(tail)
    stage = np.array(stages, dtype=np.int64)
    product = np.repeat(np.arange(len(sizes)), sizes)
    stage_ratings = scores.stage_ratings
    deltas = np.zeros_like(stage_ratings)
    deltas[:, 1:] = stage_ratings[:, 1:] - stage_ratings[:, :-1]
    heads = pa.array(
        [
            f'{{"code": {_encode(code)}, "label": {_encode(explainer.label(index))}, "delta": '
            for index, code in enumerate(explainer.codes)
        ]
    )
    factors = pc.binary_join_element_wise(
        pc.take(heads, pa.array(stage)),
        _numbers(deltas[product, stage]),
        pa.array(tails, pa.string()),
        "",
    )
    offsets = pa.array(np.concatenate([[0], np.cumsum(sizes)]), pa.int32())
    explanation = pc.binary_join(pa.ListArray.from_arrays(offsets, factors), ", ")
    stars = [pa.array(scores.stars[:, star]).cast(pa.string()) for star in range(5)]
    lines = pc.binary_join_element_wise(
        '{"product_id": ',
        _strings(product_ids),
        ', "rating": ',
        _numbers(scores.rating),
        ', "count": ',
        pa.array(scores.count).cast(pa.string()),
        ', "stars": {"5": ',
        stars[4],
        ', "4": ',
        stars[3],
        ', "3": ',
        stars[2],
        ', "2": ',
        stars[1],
        ', "1": ',
        stars[0],
        '}, "interval": [',
        _numbers(scores.interval[:, 0]),
        ", ",
        _numbers(scores.interval[:, 1]),
        '], "effective_count": ',
        _numbers(scores.effective_count),
        ', "explanation": [',
        explanation,
        "]}\n",
        "",
    )
    return _utf8(lines)


def _numbers(values: Any) -> pa.Array:
    """JSON numbers, shortest round-trip form (as Python's repr; a whole number as 3.0)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        text = values.cast(pa.float64()).cast(pa.string())
    else:
        text = pa.array(np.asarray(values, dtype=np.float64)).cast(pa.string())
    marked = pc.or_(pc.match_substring(text, "."), pc.match_substring(text, "e"))
    return pc.if_else(marked, text, pc.binary_join_element_wise(text, ".0", ""))


def _strings(values: "list[str] | pa.Array") -> pa.Array:
    """JSON strings (null for None); the rare value needing escapes is encoded by json."""
    array = (
        values.cast(pa.string()) if isinstance(values, pa.Array) else pa.array(values, pa.string())
    )
    plain = pc.binary_join_element_wise('"', array, '"', "")
    needs = pc.fill_null(pc.match_substring_regex(array, r'["\\\x00-\x1f]'), False)
    if pc.any(needs).as_py():
        escaped = pa.array([_encode(value) for value in array.to_pylist()], pa.string())
        plain = pc.if_else(needs, escaped, plain)
    return pc.fill_null(plain, "null")


def _utf8(lines: pa.Array) -> memoryview:
    """The bytes of a string array's values, back to back."""
    lines = lines.cast(pa.large_string())
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    offsets = offsets[lines.offset : lines.offset + len(lines) + 1]
    data = lines.buffers()[2]
    if data is None:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]


PARALLEL_PRODUCTS = 200_000  # from this many products on, lines are written by processes

_shared: dict[str, Any] = {}


def write_products(
    path: Path,
    product_ids: list[str],
    scores: Scores,
    explainer: Explainer,
    tick: Callable[[int], None],
    workers: int,
) -> int:
    """products.jsonl; with many products, ``workers`` forked processes write parts of it."""
    count = len(product_ids)
    if workers < 2 or count < PARALLEL_PRODUCTS or "fork" not in mp.get_all_start_methods():
        return _write_blocks(path, product_blocks(product_ids, scores, explainer), tick)
    bounds = [count * part // workers for part in range(workers + 1)]
    parts = [path.with_name(f"{path.name}.part{part}") for part in range(workers)]
    _shared.update(ids=product_ids, scores=scores, explainer=explainer)
    context = mp.get_context("fork")
    try:
        processes = [
            context.Process(target=_write_part, args=(parts[part], bounds[part], bounds[part + 1]))
            for part in range(workers)
        ]
        for process in processes:
            process.start()
        for process, start, end in zip(processes, bounds[:-1], bounds[1:], strict=True):
            process.join()
            if process.exitcode != 0:
                raise RuntimeError(f"writing {path.name} failed in a worker process")
            tick(end - start)
        with path.open("wb") as out:
            for part in parts:
                with part.open("rb") as piece:
                    shutil.copyfileobj(piece, out, 16 << 20)
    finally:
        _shared.clear()
        for part in parts:
            part.unlink(missing_ok=True)
    return count


def _write_part(path: Path, start: int, end: int) -> None:
    # One worker per core already: Arrow's own threads would only compete with them.
    pa.set_cpu_count(1)
    scores: Scores = _shared["scores"]
    blocks = product_blocks(
        _shared["ids"][start:end], scores.rows(start, end), _shared["explainer"]
    )
    _write_blocks(path, blocks, lambda rows: None)


def _write_blocks(
    path: Path, blocks: Iterable[tuple[int, bytes | memoryview]], tick: Callable[[int], None]
) -> int:
    written = 0
    with path.open("wb") as out:
        for rows, data in blocks:
            out.write(data)
            written += rows
            tick(rows)
    return written


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
