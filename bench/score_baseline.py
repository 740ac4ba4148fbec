"""Time `candor score` on a Parquet file against a plain GROUP BY product AVG(rating).

    python -m bench.score_baseline reviews.parquet [--repeat 15] [--full OUT_DIR]

Runs the baseline and the pipeline ``--repeat`` times each, in pairs (one right after
the other, the order switching every round), and prints the best wall and CPU seconds of

- baseline: ``SELECT product_id, avg(rating) FROM file GROUP BY product_id`` on DuckDB
  (the same connection settings as the pipeline), fetched as Arrow;
- weights: the pipeline's weights-only part on DuckDB, as `candor score` runs it
  without --now: the check for bad rows (`run.bad_rows`; DuckDB skips it when the
  file's statistics prove every row good) and `run.sum_reviews`: the first pass (each
  product's reference time, and the newest review's, for ``now``) and the second,
  which reads the file, weighs every valid review with its product's reference joined
  on and sums per product and star, each fetched as Arrow: what Python then turns into
  `BookSums` and ratings;
- score: `run.book_sums` and `run.score_books` on those sums (numpy; `score` twice,
  for the catalogue prior);
- full (with ``--full``): the whole `candor score` run, writing the three files.

and two ratios of pipeline to baseline: of the best times, and the median (with the
quartiles) of each pair's ratio. The host's speed drifts from minute to minute; the two
runs of a pair see the same speed, so the median pair is the steadier of the two.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from candor.pipeline.engines import Engine, connect
from candor.pipeline.run import (
    Options,
    bad_rows,
    book_sums,
    corpus_rows,
    score_books,
    score_corpus,
    sum_reviews,
)
from candor.pipeline.sources import find_files, prepare
from candor.ratings import DEFAULT_CONFIG


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    best_wall = best_cpu = float("inf")
    result = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, result


def paired_runs(
    runs: dict[str, Callable[[], Any]], rounds: int
) -> dict[str, tuple[list[float], list[float], Any]]:
    """Each of the two ``runs`` once per round, one right after the other (so that a slow
    spell of a shared machine falls on both alike), the first one first in even rounds:
    per run, its wall and CPU seconds of every round and its last result."""
    first, second = runs
    measured: dict[str, tuple[list[float], list[float], Any]] = {
        name: ([], [], None) for name in runs
    }
    for index in range(rounds):
        for name in (first, second) if index % 2 == 0 else (second, first):
            wall, cpu, value = timed(runs[name], 1)
            walls, cpus, _ = measured[name]
            measured[name] = ([*walls, wall], [*cpus, cpu], value)
    return measured


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """Lower quartile, median and upper quartile (all the median for one value)."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    low, middle, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, middle, high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("parquet", type=Path)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--full", type=Path, metavar="OUT_DIR")
    args = parser.parse_args()
    engine = connect("duckdb", threads=args.threads)
    path = str(args.parquet).replace("'", "''")
    baseline_sql = f"SELECT product_id, avg(rating) FROM read_parquet('{path}') GROUP BY product_id"

    def baseline() -> Any:
        return engine.backend.con.sql(baseline_sql).to_arrow_table()

    def weights() -> Any:
        # Exactly what `candor score` runs for the numbers without --now, in a fresh
        # Engine (on the same connection) as each run has its own.
        run = Engine(engine.name, engine.backend)
        with tempfile.TemporaryDirectory() as staging:
            sources = prepare(find_files(args.parquet), Path(staging), print)
            rows = corpus_rows(run, sources)
            bad_rows(rows)
            return sum_reviews(run, sources, rows, DEFAULT_CONFIG, None, None)

    pairs = paired_runs({"baseline": baseline, "weights": weights}, args.repeat)
    values = {}
    for name in ("baseline", "weights"):
        walls, cpus, values[name] = pairs[name]
        value = values[name]
        rows = value.num_rows if name == "baseline" else value.cells.num_rows
        print(f"{name:9s} wall {min(walls):7.2f} s  cpu {min(cpus):7.2f} s  rows {rows:,}")
    (base_walls, base_cpus, _), (walls, cpus, summed) = pairs["baseline"], pairs["weights"]
    print(
        f"weights / baseline: wall {min(walls) / min(base_walls):.2f}x, "
        f"cpu {min(cpus) / min(base_cpus):.2f}x"
    )
    for kind, mine, theirs in (("wall", walls, base_walls), ("cpu", cpus, base_cpus)):
        low, middle, high = quartiles([a / b for a, b in zip(mine, theirs, strict=True)])
        print(
            f"paired {kind} ratio: median {middle:.2f}x, quartiles {low:.2f}x {high:.2f}x, "
            f"{len(mine)} pairs"
        )

    def scored() -> Any:
        _, sums = book_sums(summed)
        return score_books(sums, DEFAULT_CONFIG)

    wall, cpu, _ = timed(scored, min(args.repeat, 5))  # steady: numpy alone
    print(f"{'score':9s} wall {wall:7.2f} s  cpu {cpu:7.2f} s")
    engine.close()
    if args.full:
        summary = score_corpus(Options(args.parquet, args.full, threads=args.threads))
        print(f"full      {summary.text()}")
        print("          steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in summary.timings.items()))


if __name__ == "__main__":
    main()
