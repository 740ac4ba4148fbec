"""Speed of `candor score` (issue 3): 10 million reviews on DuckDB, 1 million on Spark.

    .venv/bin/python -m bench.score_speed [--reviews 10000000] [--spark-reviews 1000000]

1. Generates the corpora with `bench.generate` unless they exist (1 million products,
   2 million reviewers for the 10M corpus, as the issue asks).
2. `bench.score_baseline`: CPU and wall time of a plain
   `SELECT product_id, avg(rating) ... GROUP BY product_id` over the Parquet file and of
   the weights-only rating pipeline over the same file (its two passes: each product's
   reference time, then the sums per product and star), in PAIRS pairs in one process:
   the median pair's ratio is the target (weights-only within 3x of the plain average).
3. The full `candor score` (all outputs written) as its own process: wall time and peak
   memory (max RSS of the process and its children).
4. The same on Spark (local mode, `--engine spark`) for the 1M corpus.

Writes its section of docs/benchmarks.md (and `bench.generate` its own) unless --no-docs.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.docs import machine_line, today, write_section

DATA = Path("/tmp/candor-bench")
PAIRS = 25  # baseline-and-pipeline pairs for the ratio
CANDOR = [sys.executable, "-m", "candor.cli"]


def corpus(reviews: int, docs: bool = True) -> Path:
    path = DATA / f"speed-{reviews}.parquet"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        products, reviewers = max(1, reviews // 10), max(1, reviews // 5)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.generate",
                "--reviews",
                str(reviews),
                "--products",
                str(products),
                "--reviewers",
                str(reviewers),
                "--out",
                str(path),
                *([] if docs else ["--no-docs"]),
            ],
            check=True,
        )
    return path


# Runs a command and prints the peak RSS (kB) of it and its children, so each measured
# command gets a fresh maximum (RUSAGE_CHILDREN of this process only ever grows).
PEAK_WRAPPER = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
    "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def run_measured(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB of the command and its children, and its output."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, *command], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    peak_kb = int(re.findall(r"PEAK_KB (\d+)", done.stdout)[-1])
    output = re.sub(r"PEAK_KB \d+\n?", "", done.stdout) + done.stderr
    return wall, peak_kb / 1024, output


def ratio_run(parquet: Path) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.score_baseline", str(parquet), "--repeat", str(PAIRS)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = {
        name: (float(wall), float(cpu))
        for name, wall, cpu in re.findall(
            r"^(\w+)\s+wall\s+([\d.]+) s\s+cpu\s+([\d.]+) s", output, re.M
        )
    }
    paired = {
        kind: (float(low), float(median), float(high))
        for kind, median, low, high in re.findall(
            r"^paired (\w+) ratio: median ([\d.]+)x, quartiles ([\d.]+)x ([\d.]+)x", output, re.M
        )
    }
    return {
        "paired_cpu": paired["cpu"],
        "paired_wall": paired["wall"],
        "baseline_wall": found["baseline"][0],
        "baseline_cpu": found["baseline"][1],
        "weights_wall": found["weights"][0],
        "weights_cpu": found["weights"][1],
        "score_cpu": found["score"][1],
    }


def summary_numbers(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=10_000_000)
    parser.add_argument("--spark-reviews", type=int, default=1_000_000)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()

    docs = not args.no_docs
    big, small = corpus(args.reviews, docs), corpus(args.spark_reviews, docs)
    ratio = ratio_run(big)
    with tempfile.TemporaryDirectory() as out:
        full_wall, full_mb, full_out = run_measured(
            [*CANDOR, "score", str(big), "--out", out, "--no-trust"]
        )
    with tempfile.TemporaryDirectory() as out:
        spark_wall, spark_mb, _ = run_measured(
            [*CANDOR, "score", str(small), "--out", out, "--no-trust", "--engine", "spark"]
        )
    with tempfile.TemporaryDirectory() as out:
        duck_small_wall, _, _ = run_measured(
            [*CANDOR, "score", str(small), "--out", out, "--no-trust"]
        )

    cpu_ratio = ratio["weights_cpu"] / ratio["baseline_cpu"]
    wall_ratio = ratio["weights_wall"] / ratio["baseline_wall"]
    cpu_low, cpu_median, cpu_high = ratio["paired_cpu"]
    wall_low, wall_median, wall_high = ratio["paired_wall"]
    body = f"""## Batch scoring speed (`candor score`)

Measured {today()} on {machine_line()}.

```sh
.venv/bin/python -m bench.score_speed --reviews {args.reviews} --spark-reviews {args.spark_reviews}
```

Corpora from `bench.generate` ({args.reviews:,} reviews, {args.reviews // 10:,} products,
{args.reviews // 5:,} reviewers; and {args.spark_reviews:,} reviews for Spark). The baseline
and the pipeline ran {PAIRS} times each in one process, in pairs (one right after the other,
the order switching every round):

| step ({args.reviews:,} reviews, DuckDB) | wall | CPU |
|---|---:|---:|
| plain `GROUP BY product_id AVG(rating)` over the Parquet file, best run | {ratio["baseline_wall"]:.2f} s | {ratio["baseline_cpu"]:.2f} s |
| weights-only rating pipeline (read, check, each product's reference time, weigh, sum per product and star), best run | {ratio["weights_wall"]:.2f} s | {ratio["weights_cpu"]:.2f} s |
| **ratio, median of the {PAIRS} pairs** (target: within 3x) | **{wall_median:.2f}x** | **{cpu_median:.2f}x** |
| ratio, quartiles of the pairs | {wall_low:.2f}x to {wall_high:.2f}x | {cpu_low:.2f}x to {cpu_high:.2f}x |
| ratio of the best runs | {wall_ratio:.2f}x | {cpu_ratio:.2f}x |
| turning the sums into ratings (`candor.pipeline.run.score_books`: `candor.ratings.score.score` twice, for the catalogue prior) | | {ratio["score_cpu"]:.2f} s |

The median pair is the measure: the host's speed drifts from minute to minute (the
baseline's best CPU time has differed by up to half from one run to the next), the two
runs of a pair see the same speed, while the best runs of each may come from different
minutes.

| whole run, all files written | wall | peak memory |
|---|---:|---:|
| `candor score` on {args.reviews:,} reviews, DuckDB | {full_wall:.1f} s | {full_mb:,.0f} MB |
| `candor score` on {args.spark_reviews:,} reviews, DuckDB | {duck_small_wall:.1f} s | |
| `candor score --engine spark` on {args.spark_reviews:,} reviews (local mode, JVM start included) | {spark_wall:.1f} s | {spark_mb:,.0f} MB |

Summary line of the 10M run: `{summary_numbers(full_out)}`

The whole runs are the rating pipeline (`--no-trust`): trust analysis has its own
measurements (section "Trust scoring speed"), as its text classifier alone would take
hours on 10 million reviews on two cores. Load average at the end of this run:
{os.getloadavg()[0]:.1f} (other jobs on the machine inflate wall times).
"""
    print(body)
    if not args.no_docs:
        write_section("score-speed", body)


if __name__ == "__main__":
    main()
