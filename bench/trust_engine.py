"""Trust on the engine against trust on one process: `candor score`, whole runs.

    nice -n 10 .venv/bin/python -m bench.trust_engine --reviews 100000 --pairs 3
    nice -n 10 .venv/bin/python -m bench.trust_engine --reviews 100000 --pairs 1 --engine spark
    nice -n 10 .venv/bin/python -m bench.trust_engine --reviews 100000 --against combine

Generates a corpus with `bench.generate` (reviews / 10 products, 3 x reviews / 10
reviewers, seed 0), then runs `candor score` with trust in this process, in pairs: once
as a reference (``--against``: ``all``, every signal run by `analyse` on the collected
reviews and trust combined there, as before the signals moved; ``combine``, the engine's
signals on the engine and trust combined on this process, as before stages E and F
moved) and once the default (`candor.pipeline.stages.ENGINE_SIGNALS` on the engine,
trust combined, bounded and explained there), the order switching every pair. Reports
wall and CPU time of each run (CPU: every thread of the process), the median ratio over
the pairs, and whether the two wrote the same reviews.jsonl and products.jsonl, byte for
byte.

Writes its section of docs/benchmarks.md unless --no-docs (one per engine and
reference).
"""

import argparse
import os
import shlex
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench.docs import machine_line, today, write_section
from bench.generate import generate
from bench.score_baseline import paired_runs, quartiles
from candor.pipeline.run import Options, score_corpus
from candor.pipeline.stages import engine_signals
from candor.pipeline.trust import CorpusTrust
from candor.trust.score import ALL_SIGNALS

REFERENCES = {
    "all": "every signal and the combiner on one process (`CorpusTrust(on_engine=(), "
    "combine_here=True)`), as before the signals moved",
    "combine": "the engine's signals on the engine, the others and the combiner on one "
    "process (`CorpusTrust(combine_here=True)`), as before stages E and F moved",
}
"""What the default is compared with (``--against``)."""
Runs = dict[str, tuple[list[float], list[float], str]]


def make(against: str | None) -> CorpusTrust:
    """The reference `CorpusTrust` (``against``: a key of REFERENCES), or the default."""
    if against == "all":
        return CorpusTrust(on_engine=(), combine_here=True)
    if against == "combine":
        return CorpusTrust(combine_here=True)
    return CorpusTrust()


def scorer(data: Path, out: Path, against: str | None, engine: str) -> Callable[[], str]:
    """One `candor score` run with trust (`make`'s) on ``engine``; it returns the trust
    summary line."""

    def run() -> str:
        trust = make(against)
        options = Options(input=data, out=out, trust=trust, engine=engine)
        score_corpus(options, lambda _: None)
        return trust.report.text()

    return run


def same_files(a: Path, b: Path) -> bool:
    names = ("reviews.jsonl", "products.jsonl")
    return all((a / name).read_bytes() == (b / name).read_bytes() for name in names)


def ratios(engine: list[float], here: list[float]) -> list[float]:
    return [e / h for e, h in zip(engine, here, strict=True)]


def report(args: argparse.Namespace, runs: Runs, same: bool) -> str:
    (here_wall, here_cpu, _), (wall, cpu, summary) = runs["here"], runs["engine"]
    wall_low, wall_ratio, wall_high = quartiles(ratios(wall, here_wall))
    cpu_low, cpu_ratio, cpu_high = quartiles(ratios(cpu, here_cpu))
    rows = "\n".join(
        f"| {i + 1} | {here_wall[i]:.1f} s | {here_cpu[i]:.1f} s | {wall[i]:.1f} s | {cpu[i]:.1f} s |"
        for i in range(len(wall))
    )
    command = f"nice -n 10 .venv/bin/python -m bench.trust_engine {shlex.join(sys.argv[1:])}"
    name = {"duckdb": "DuckDB", "spark": "Spark (local mode)"}[args.engine]
    label = {"all": "one process", "combine": "combined here"}[args.against]
    cpu_note = (
        "CPU counts every thread of the process."
        if args.engine == "duckdb"
        else "CPU counts this process only (the driver), not Spark's JVM or Python workers;"
        " an unmeasured run before the pairs started the JVM."
    )
    return f"""## Trust on the engine: `candor score` on {name}, before and after

Measured {today()} on {machine_line()}.

```sh
{command}
```

`candor score` with trust on {args.reviews:,} generated reviews (`bench.generate`,
seed 0), in pairs (one right after the other, the order switching every pair):
{REFERENCES[args.against]}, and the default, where the engine runs
{" and ".join(engine_signals(ALL_SIGNALS))}, then combines, bounds and explains trust
(docs/score.md "Trust on the engine"). {cpu_note}

| pair | {label}: wall | CPU | on the engine: wall | CPU |
|---|---:|---:|---:|---:|
{rows}

On the engine / {label}, median of the pairs: **wall {wall_ratio:.2f}x**
(quartiles {wall_low:.2f}x to {wall_high:.2f}x), **CPU {cpu_ratio:.2f}x** (quartiles
{cpu_low:.2f}x to {cpu_high:.2f}x). Same reviews.jsonl and products.jsonl, byte for
byte: **{"yes" if same else "NO"}**.

Trust summary of the last run on the engine: `{summary}`

Load average at the end: {os.getloadavg()[0]:.1f} (the machine is shared: compare
within a pair).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument(
        "--against",
        choices=tuple(REFERENCES),
        default="all",
        help="what the default is compared with: "
        + "; ".join(f"{name}: {text}" for name, text in REFERENCES.items()),
    )
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        data = work / "corpus"
        data.mkdir()
        n = args.reviews
        generate(data / "reviews.parquet", n, max(1, n // 10), max(1, 3 * n // 10), verbose=False)
        paths = {
            "here": scorer(data, work / "here", args.against, args.engine),
            "engine": scorer(data, work / "engine", None, args.engine),
        }
        if args.engine == "spark":  # an unmeasured run starts the JVM for both
            scorer(data, work / "warm-up", "all", args.engine)()
        runs = paired_runs(paths, args.pairs)
        body = report(args, runs, same_files(work / "here", work / "engine"))
    print(body)
    if not args.no_docs:
        name = "trust-engine" if args.engine == "duckdb" else "trust-engine-spark"
        write_section(name if args.against == "all" else f"{name}-{args.against}", body)


if __name__ == "__main__":
    main()
