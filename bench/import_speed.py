"""Speed of `candor import amazon` (issue 6): N Amazon Reviews 2023 rows into SQLite and PostgreSQL.

    .venv/bin/python -m bench.import_speed [--reviews 1000000] [--books 20000]
        [--only sqlite|postgres] [--skip-reimport] [--no-docs]

1. Writes synthetic files in the Amazon Reviews 2023 format to /tmp/candor-bench/
   (seeded, reused when present): item metadata for ``--books`` books (ASINs are
   ISBN-10s) and ``--reviews`` reviews, books drawn Zipf-like so a few have
   thousands of reviews, about three reviews per reviewer, one per reviewer and book;
   titles and texts from `bench.text`'s sentences (a median of ~180 characters).
2. For each database (a fresh SQLite file; a throw-away PostgreSQL database created
   and dropped by the run): `candor migrate`, `candor import amazon` of the items,
   then of the reviews, each as its own process, wall time measured around it
   (Django's start-up included). The review import is the Amazon path: rows parsed in
   a reader thread, COPY of users and reviews in batches of 10,000, one transaction
   per batch with the ratings of the books it changed (`candor.reviews.store`); with
   --bulk one transaction for the whole file and the books' ratings stored once after
   the last batch. Besides the import process's CPU seconds, the CPU seconds of its
   PostgreSQL server backends are sampled from /proc (the server is local): at this
   size most of the wall time is PostgreSQL's work (indexes, foreign keys, JSON).
3. Baseline in the same run: the same review file read, parsed with `json.loads`
   and inserted as plain rows into a bare table (no indexes, no constraints): COPY
   via psycopg on PostgreSQL, executemany on SQLite. The ratio baseline/import says
   what the import's work (users, books, identity, validation, ratings) costs.
4. A re-import of the same review file (nothing changes): the idempotent path.

Writes its section of docs/benchmarks.md (unless --no-docs).
"""

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg

from bench.docs import machine_line, today, write_section
from bench.text import sentence_pool

DATA = Path("/tmp/candor-bench")
CANDOR = [sys.executable, "-m", "candor.cli"]
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DB = "candor_bench_import"
START_MS = 1_420_070_400_000  # 2015-01-01
SPAN_MS = 10 * 365 * 86_400_000


def isbn10(n: int) -> str:
    body = f"{n:09d}"
    total = sum((10 - i) * int(d) for i, d in enumerate(body))
    check = (11 - total % 11) % 11
    return body + ("X" if check == 10 else str(check))


def write_items(path: Path, books: int) -> None:
    with path.open("w") as out:
        for n in range(books):
            asin = isbn10(100_000_000 + n)
            item = {
                "main_category": "Books",
                "title": f"Benchmark Book {n}",
                "author": {"name": f"Author {n % 5000}"},
                "description": ["A book generated for the import benchmark."],
                "price": round(5 + (n % 40) * 0.5, 2),
                "store": f"Author {n % 5000} (Author)",
                "details": {
                    "Publisher": f"Press {n % 300} (March 1, 2019)",
                    "Paperback": "300 pages",
                },
                "parent_asin": asin,
            }
            out.write(json.dumps(item) + "\n")


def write_reviews(path: Path, reviews: int, books: int, seed: int = 6) -> None:
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, books + 1, dtype=float)
    popularity = (ranks + 10) ** -1.05
    book_of = rng.choice(books, size=reviews, p=popularity / popularity.sum())
    reviewers = max(1, reviews // 3)
    user_of = rng.integers(0, reviewers, size=reviews)
    # One review per reviewer and book, as Candor keeps: move colliding rows to fresh users.
    seen: set[tuple[int, int]] = set()
    for i in range(reviews):
        while (int(user_of[i]), int(book_of[i])) in seen:
            user_of[i] = rng.integers(0, reviewers * 2)
        seen.add((int(user_of[i]), int(book_of[i])))
    stars = rng.choice([1, 2, 3, 4, 5], size=reviews, p=[0.07, 0.05, 0.09, 0.2, 0.59])
    times = START_MS + rng.integers(0, SPAN_MS, size=reviews)
    helpful = rng.negative_binomial(0.2, 0.2 / (0.2 + 1.5), size=reviews)
    verified = rng.random(reviews) < 0.6
    pool = sentence_pool(rng, 5000)
    sentences = rng.integers(0, len(pool), size=(reviews, 3))
    with path.open("w") as out:
        for i in range(reviews):
            asin = isbn10(100_000_000 + int(book_of[i]))
            row = {
                "rating": float(stars[i]),
                "title": pool[sentences[i, 0]][:60],
                "text": " ".join(pool[j] for j in sentences[i]),
                "images": [],
                "asin": asin,
                "parent_asin": asin,
                "user_id": f"AB{int(user_of[i]):012d}",
                "timestamp": int(times[i]),
                "helpful_vote": int(helpful[i]),
                "verified_purchase": bool(verified[i]),
            }
            out.write(json.dumps(row) + "\n")


def corpus(reviews: int, books: int) -> tuple[Path, Path]:
    DATA.mkdir(parents=True, exist_ok=True)
    items = DATA / f"amazon-items-{books}.jsonl"
    review_file = DATA / f"amazon-reviews-{reviews}-{books}.jsonl"
    if not items.exists():
        write_items(items, books)
    if not review_file.exists():
        started = time.perf_counter()
        write_reviews(review_file, reviews, books)
        print(f"generated {reviews:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return items, review_file


CPU_SECONDS: dict[str, float] = {}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


PG_CPU_SECONDS: dict[str, float] = {}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def postgres_backends_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of each local PostgreSQL backend serving ``database`` (read
    from /proc: the server runs on this machine). Empty when none or unreadable."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            if b"postgres:" not in command or f" {database} ".encode() not in command:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile, or not ours to read
    return found


def candor(url: str, *args: str) -> tuple[float, str]:
    """Run `candor ARGS` against url: (wall seconds, last line printed); the process's
    CPU seconds go to CPU_SECONDS under the command line, and on PostgreSQL the CPU
    seconds of its server backends (sampled while it runs) to PG_CPU_SECONDS."""
    env = {**os.environ, "DATABASE_URL": url}
    database = url.rsplit("/", 1)[-1] if url.startswith("postgres") else None
    started, cpu = time.perf_counter(), children_cpu()
    before = postgres_backends_cpu(database) if database else {}
    # Output to files, not pipes: nothing reads a pipe while the loop samples.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([*CANDOR, *args], env=env, stdout=out, stderr=err, text=True)
        backends: dict[int, float] = {}
        while child.poll() is None:
            if database:
                backends.update(postgres_backends_cpu(database))
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    CPU_SECONDS[" ".join(args)] = children_cpu() - cpu
    # Backends that existed before (none, normally) count from where they were.
    PG_CPU_SECONDS[" ".join(args)] = sum(
        spent - before.get(pid, 0.0) for pid, spent in backends.items()
    )
    if child.returncode != 0:
        raise SystemExit(f"candor {' '.join(args)} failed:\n{stderr[-3000:]}")
    return elapsed, (stdout.strip().splitlines() or [""])[-1]


def parsed_rows(path: Path) -> list[tuple[object, ...]]:
    rows = []
    with path.open() as handle:
        for line in handle:
            r = json.loads(line)
            rows.append(
                (
                    r["user_id"],
                    r["parent_asin"],
                    int(r["rating"]),
                    r["title"],
                    r["text"],
                    r["timestamp"],
                    r["helpful_vote"],
                    r["verified_purchase"],
                )
            )
    return rows


BARE_TABLE = (
    "CREATE TABLE bare_reviews (user_id text, parent_asin text, rating smallint, title text, "
    "text text, ts bigint, helpful integer, verified boolean)"
)


def baseline_sqlite(path: Path) -> float:
    db = DATA / "baseline.sqlite3"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    rows = parsed_rows(path)
    connection = sqlite3.connect(db)
    connection.execute(BARE_TABLE)
    connection.executemany("INSERT INTO bare_reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    connection.commit()
    connection.close()
    elapsed = time.perf_counter() - started
    db.unlink()
    return elapsed


def baseline_postgres(path: Path) -> float:
    started = time.perf_counter()
    rows = parsed_rows(path)
    with psycopg.connect(f"{PG_SERVER}/{PG_DB}") as connection:
        connection.execute("DROP TABLE IF EXISTS bare_reviews")
        connection.execute(BARE_TABLE)
        with connection.cursor().copy("COPY bare_reviews FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
        elapsed = time.perf_counter() - started
        connection.execute("DROP TABLE bare_reviews")
    return elapsed


def fresh_postgres() -> str:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        connection.execute(f"CREATE DATABASE {PG_DB}")
    return f"{PG_SERVER}/{PG_DB}"


def drop_postgres() -> None:
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DB}")


def measure(
    url: str, items: Path, reviews: Path, baseline: float, args: argparse.Namespace
) -> dict[str, object]:
    n = args.reviews
    candor(url, "migrate", "-v0")
    items_s, items_summary = candor(url, "import", "amazon", str(items))
    bulk = ["--bulk"] if args.bulk else []
    reviews_s, summary = candor(url, "import", "amazon", str(reviews), *bulk)
    # Read now: the re-import below runs the same command line and replaces them.
    command = " ".join(["import", "amazon", str(reviews), *bulk])
    cpu_s = CPU_SECONDS[command]
    # Sampled every 0.2 s, so a backend's last moments may be missed (a lower bound).
    pg_cpu_s = PG_CPU_SECONDS.get(command, 0.0)
    load = os.getloadavg()[0]
    again_s, again_summary = float("nan"), "(not run: --skip-reimport)"
    if not args.skip_reimport:
        again_s, again_summary = candor(url, "import", "amazon", str(reviews), *bulk)
    result = {
        "load": load,
        "cpu_s": cpu_s,
        "pg_cpu_s": pg_cpu_s,
        "items_s": items_s,
        "items_summary": items_summary,
        "reviews_s": reviews_s,
        "summary": summary,
        "again_s": again_s,
        "again_summary": again_summary,
        "baseline_s": baseline,
        "rate": n / reviews_s,
        "again_rate": n / again_s,
        "baseline_rate": n / baseline,
    }
    print(json.dumps(result), flush=True)
    return result


def markdown(args: argparse.Namespace, results: dict[str, dict[str, object]]) -> str:
    lines = [
        "## Import speed (`candor import amazon"
        + (" --bulk`)" if args.bulk else "`, batch by batch)")
        + (f", SQLite, {args.reviews:,} rows" if args.only == "sqlite" else ""),
        "",
        f"Measured {today()} on {machine_line()}.",
        "",
        "```sh",
        f".venv/bin/python -m bench.import_speed --reviews {args.reviews} --books {args.books}"
        + (f" --only {args.only}" if args.only else "")
        + (" --skip-reimport" if args.skip_reimport else "")
        + (" --bulk" if args.bulk else ""),
        "```",
        "",
        f"{args.reviews:,} synthetic Amazon Reviews 2023 rows (JSONL, {args.books:,} books, "
        f"about {args.reviews // 3:,} reviewers) imported into an empty, migrated database "
        "after the item metadata; each import is its own `candor` process (start-up included). "
        "Baseline: the same rows parsed with `json.loads` and inserted into a bare table with "
        "no indexes (COPY on PostgreSQL, executemany on SQLite), in the same run.",
        "",
        "| database | import rows/s (wall) | rows per CPU second of the import process | PostgreSQL server CPU of the import | baseline rows/s | baseline ÷ import | re-import (no changes) rows/s | items (books) | load average |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['rate']:,.0f} ({r['reviews_s']:.0f} s) "
            f"| {args.reviews / float(r['cpu_s']):,.0f} ({r['cpu_s']:.0f} s) "
            f"| {'n/a' if name == 'SQLite' else format(r['pg_cpu_s'], '.0f') + ' s'} "
            f"| {r['baseline_rate']:,.0f} "
            f"| {float(r['baseline_rate']) / float(r['rate']):,.0f} times "
            f"| {'not run' if args.skip_reimport else format(r['again_rate'], ',.0f')} "
            f"| {args.books:,} in {r['items_s']:.0f} s | {r['load']:.1f} |"
        )
    lines += ["", "What the imports printed:", ""]
    for name, r in results.items():
        lines.append(f"- {name}: `{r['summary']}`; again: `{r['again_summary']}`")
    target = results.get("PostgreSQL")
    if target is not None and not args.bulk:
        lines += ["", "The target (20,000 rows/s into PostgreSQL) is for `--bulk`: see above."]
    elif target is not None:
        verdict = "met" if float(target["rate"]) >= 20_000 else "NOT met"
        lines += ["", f"Target (at least 20,000 rows/s into PostgreSQL): **{verdict}**."]
    return "\n".join(lines)


def section(args: argparse.Namespace) -> str:
    """Each kind of run keeps its own section of docs/benchmarks.md."""
    if args.only == "sqlite":
        return "import-speed-sqlite" + ("-bulk" if args.bulk else "")
    return "import-speed" if args.bulk else "import-speed-batches"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--books", type=int, default=20_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--skip-reimport", action="store_true", help="skip the second import")
    parser.add_argument(
        "--bulk", action="store_true", help="import with --bulk (one transaction, indexes rebuilt)"
    )
    args = parser.parse_args()
    items, reviews = corpus(args.reviews, args.books)
    results: dict[str, dict[str, object]] = {}

    def report() -> None:  # after each database, so a long run leaves what it measured
        body = markdown(args, results)
        print(body, flush=True)
        if not args.no_docs:
            # A SQLite-only run (e.g. a smaller size) keeps its own section beside the main one.
            write_section(section(args), body)

    if args.only != "sqlite":
        url = fresh_postgres()
        try:
            results["PostgreSQL"] = measure(url, items, reviews, baseline_postgres(reviews), args)
        finally:
            drop_postgres()
        report()
    if args.only != "postgres":
        db = DATA / f"import-speed-{args.reviews}.sqlite3"
        db.unlink(missing_ok=True)
        results["SQLite"] = measure(
            f"sqlite:///{db}", items, reviews, baseline_sqlite(reviews), args
        )
        db.unlink(missing_ok=True)
        report()


if __name__ == "__main__":
    main()
