"""Trust at scale: `candor score` with trust on millions of generated reviews, on DuckDB
and on Spark in local mode, with the driver's peak memory.

    nice -n 10 .venv/bin/python -m bench.trust_scale --reviews 1000000 --engine duckdb spark

Generates (once, kept in ``--data``) a corpus with `bench.generate` (reviews / 10
products, 3 x reviews / 10 reviewers, seed 0: texts of realistic length, a median of
about 200 characters), then runs ``candor score INPUT --out DIR --engine E`` as its
own process, so that its peak memory is its own:

- the driver: the peak resident memory (``VmHWM``) of the Python process that runs
  `candor score`, which is where collected rows land;
- on Spark, the JVM: in local mode one process is Spark's driver and its executors,
  so its peak is the engine's working memory, not what the driver collects; reported
  beside it, the most the JVM's processes held at once (sampled every 0.2 s).

And per trust stage, from the stage timings `candor score` prints: seconds, and
reviews per second per core (a stage on the driver runs on one core; a stage on the
engine on the engine's threads, `--threads`, default every core).

Writes its section of docs/benchmarks.md unless --no-docs.
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.docs import machine_line, today, write_section
from bench.generate import generate

KIB = 1024


@dataclass
class Run:
    engine: str
    reviews: int
    wall: float = 0.0
    cpu: float = 0.0  # of the process and the children it waited for
    driver_peak: int = 0  # bytes
    jvm_peak: int = 0  # bytes
    stages: dict[str, float] = field(default_factory=dict)
    summary: str = ""


def _status_kib(pid: int, key: str) -> int:
    """A ``kB`` line of /proc/PID/status (0 once the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found.group(1)) if found else 0


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        found.extend(int(child) for child in children)
        todo.extend(int(child) for child in children)
    return found


def _is_java(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "java"
    except OSError:
        return False


class Sampler(threading.Thread):
    """Samples the driver's peak (``VmHWM``, kept by the kernel) and the JVM's resident
    memory until the driver exits."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.driver_kib = 0
        self.jvm_kib = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.driver_kib = max(self.driver_kib, _status_kib(self.pid, "VmHWM"))
            jvms = [child for child in _descendants(self.pid) if _is_java(child)]
            self.jvm_kib = max(self.jvm_kib, sum(_status_kib(j, "VmRSS") for j in jvms))
            self.done.wait(0.2)


STAGES = re.compile(r"trust: .*?; [\d.]+ s \((?P<stages>.*)\)")
STAGE = re.compile(r"(?P<name>.+?) (?P<seconds>\d+\.\d) s(?:, |$)")  # a name may hold ", "


def stage_seconds(summary: str) -> dict[str, float]:
    """The per-stage seconds of the trust summary line of `candor score`."""
    found = STAGES.search(summary)
    if not found:
        return {}
    stages = STAGE.finditer(found.group("stages"))
    return {stage.group("name"): float(stage.group("seconds")) for stage in stages}


def score(data: Path, out: Path, engine: str, reviews: int) -> Run:
    candor = str(Path(sys.executable).with_name("candor"))
    command = [candor, "score", str(data), "--out", str(out)]
    command += ["--engine", engine]
    before = os.times()
    started = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    sampler = Sampler(process.pid)
    sampler.start()
    _, errors = process.communicate()
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    after = os.times()
    if process.returncode:
        raise SystemExit(f"candor score failed ({process.returncode}):\n{errors}")
    summary = next((line for line in errors.splitlines() if line.startswith("trust:")), "")
    return Run(
        engine=engine,
        reviews=reviews,
        wall=wall,
        cpu=(after.children_user - before.children_user)
        + (after.children_system - before.children_system),
        driver_peak=sampler.driver_kib * KIB,
        jvm_peak=sampler.jvm_kib * KIB,
        stages=stage_seconds(summary),
        summary=summary,
    )


def corpus(folder: Path, reviews: int) -> Path:
    """The generated corpus of ``reviews`` reviews, made once."""
    path = folder / f"reviews-{reviews}" / "reviews.parquet"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        generate(partial, reviews, max(1, reviews // 10), max(1, 3 * reviews // 10), False)
        partial.rename(path)
    return path.parent


ENGINE_STAGE = re.compile(r"collect|on the engine|reason counts")  # the rest runs on the driver


def stage_rows(run: Run, cores: int) -> str:
    """One table row per stage: seconds and reviews/s per core."""
    rows = []
    for name, seconds in run.stages.items():
        used = cores if ENGINE_STAGE.search(name) else 1
        # The summary line gives tenths of a second: under 0.05 s is a bound, not a rate.
        rate = (
            f"{run.reviews / seconds / used:,.0f}"
            if seconds > 0
            else f"> {run.reviews / 0.05 / used:,.0f}"
        )
        where = f"engine ({used} cores)" if used > 1 else "driver (1 core)"
        rows.append(
            f"| {run.engine} | {run.reviews:,} | {name} | {where} | {seconds:.1f} s | {rate} |"
        )
    return "\n".join(rows)


def mib(value: int) -> str:
    return f"{value / KIB / KIB:,.0f} MiB"


def report(runs: list[Run], cores: int) -> str:
    command = f"nice -n 10 .venv/bin/python -m bench.trust_scale {' '.join(sys.argv[1:])}"
    memory = "\n".join(
        f"| {r.engine} | {r.reviews:,} | {r.wall:.0f} s | {r.cpu:.0f} s | {mib(r.driver_peak)} | "
        f"{mib(r.jvm_peak) if r.jvm_peak else '-'} |"
        for r in runs
    )
    stages = "\n".join(stage_rows(r, cores) for r in runs)
    summaries = "\n\n".join(
        f"Trust summary ({r.engine}, {r.reviews:,}): `{r.summary}`" for r in runs
    )
    return f"""## Trust at scale: `candor score` with trust on millions of reviews

Measured {today()} on {machine_line()}.

```sh
{command}
```

Whole runs of `candor score` with trust (its own process) on generated corpora
(`bench.generate`, seed 0). Driver peak: the most resident memory the Python process
held (``VmHWM``). JVM peak (Spark): the most Spark's JVM held at once, which in local
mode is the driver's JVM and the executors together.

| engine | reviews | wall | CPU | driver peak | JVM peak |
|---|---:|---:|---:|---:|---:|
{memory}

Per trust stage (the stage timings `candor score` prints; a stage on the engine is
timed with the collect that runs it, and counted on {cores} cores):

| engine | reviews | stage | where | time | reviews/s per core |
|---|---:|---|---|---:|---:|
{stages}

{summaries}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--engine", nargs="+", choices=("duckdb", "spark"), default=["duckdb"])
    parser.add_argument("--data", type=Path, default=Path("/tmp/candor-bench/trust-scale"))
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    runs = []
    for reviews in args.reviews:
        data = corpus(args.data, reviews)
        for engine in args.engine:
            out = args.data / f"out-{engine}-{reviews}"
            runs.append(score(data, out, engine, reviews))
            print(runs[-1].summary, file=sys.stderr)
    body = report(runs, os.cpu_count() or 1)
    print(body)
    if not args.no_docs:
        write_section("trust-scale", body)


if __name__ == "__main__":
    main()
