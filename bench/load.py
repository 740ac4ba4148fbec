"""Load test: 50 concurrent readers for 60 s against gunicorn on a 1-million-review database.

    python -m bench.seed_load                  # once: 1,000,000 reviews into candor_load
    python -m bench.load [--users 50] [--seconds 60] [--warmup 10] [--workers 5]
                         [--phases paced,saturation] [--port 8798] [--no-docs]

Needs locust: ``bin/setup load``.

From issue 7: "with 1 million reviews in PostgreSQL, a load test of book pages, review
lists, the API and review posting at 50 concurrent clients for 60 s; report throughput
and p50/p99 per endpoint, with the ratio to a trivial endpoint measured in the same run.
Target: book page p99 under 100 ms and no errors." What the script does, against
127.0.0.1 only and bounded in time:

1. Reads what bench/seed_load.py wrote (``--seed-file``): the database URL, book slugs,
   the biggest book, the poster sessions.
2. Serves the app as bin/prod does (production mode: DEBUG off, whitenoise for static
   files, JSON request logs) with gunicorn, ``--workers`` sync workers (bin/prod's
   default, 2 x CPUs + 1), on 127.0.0.1:``--port``, each worker warmed up before it
   takes requests (bench/load/gunicorn_conf.py: the trust text model and the catalogue
   prior, both loaded once per process); collectstatic goes to
   /tmp/candor-load/static. The API's per-address write limit is lifted for the run,
   since every simulated reader comes from 127.0.0.1.
   The workers share one cache in files (as bin/prod sets it up), emptied at the start;
   then every book page is requested once (unless ``--no-visit-catalogue``), so the
   cache holds each book's rating and chart, as on a site that has been running.
3. For each phase, runs locust headless through its Python API in a child process
   (``bench/load/locustfile.py``: book pages, review lists, the API, review posting,
   and the two trivial endpoints, /healthz and a static file), ``--users`` readers
   started at once; ``--warmup`` seconds that are not counted, then ``--seconds``
   measured. Phases:
   - ``paced``: each reader pauses 0.5-1.5 s between requests, like a person
     browsing (50 readers offer about 50 requests a second); the target applies here;
   - ``saturation``: no pauses, the readers send as fast as the server answers: the
     throughput ceiling, and what the latencies become at that point.
4. Stops the server (also on errors), checks that every acknowledged post is a review
   in the database, and replaces the ``load`` section of docs/benchmarks.md unless
   ``--no-docs``.

Latencies are locust's (wall clock per request, measured by the client on the same
machine; locust rounds times above 100 ms to 10 ms). The machine has 2 CPUs shared by
PostgreSQL, gunicorn and locust itself, so the numbers are a floor for a real server.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
WORK_DIR = Path("/tmp/candor-load")
CACHE_DIR = WORK_DIR / "cache"
LOCUSTFILE = REPO / "bench" / "load" / "locustfile.py"
HOST = "127.0.0.1"
BASELINE = "GET /healthz (baseline)"
BOOK_PAGE = "GET /books/<slug>/ (book page)"
WAITS = {"paced": "0.5,1.5", "saturation": "0,0"}


# -- the server ----------------------------------------------------------------------------


def server_env(seed: dict, static_root: Path, conn_max_age: int) -> dict[str, str]:  # type: ignore[type-arg]
    return {
        **os.environ,
        "CANDOR_MODE": "production",
        "DATABASE_URL": seed["url"],
        # The key the seeder signed the poster sessions with.
        "SECRET_KEY": seed["secret_key"],
        "DB_CONN_MAX_AGE": str(conn_max_age),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "CANDOR_HTTPS": "false",
        "STATIC_ROOT": str(static_root),
        "API_WRITES_PER_IP": "1000000",
        "API_WRITES_PER_TOKEN": "1000000",
        # As bin/prod: one cache shared by the workers, in files.
        "CACHE_BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "CACHE_LOCATION": str(CACHE_DIR),
    }


def collectstatic(env: dict[str, str], again: bool) -> str:
    """Collects static files (unless collected before and not ``again``: whitenoise's
    compression takes a minute or more); returns the hashed URL of the site's stylesheet."""
    manifest_path = Path(env["STATIC_ROOT"]) / "staticfiles.json"
    if again or not manifest_path.exists():
        subprocess.run(
            [
                str(VENV_BIN / "python"),
                "-m",
                "candor.cli",
                "collectstatic",
                "--no-input",
                "-v",
                "0",
            ],
            check=True,
            env=env,
            cwd=REPO,
        )
    manifest = json.loads(manifest_path.read_text())
    return "/static/" + manifest["paths"]["candor/site.css"]


def start_server(port: int, workers: int, env: dict[str, str], log: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    command = [
        str(VENV_BIN / "gunicorn"),
        "candor.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "30",
        "--graceful-timeout",
        "20",
        "--config",
        str(REPO / "bench" / "load" / "gunicorn_conf.py"),
    ]
    handle = log.open("wb")
    server = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as answer:
                warm = log.read_text(errors="replace").count("candor worker warm")
                if answer.status == 200 and warm >= workers:
                    return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"gunicorn did not answer /healthz within 120 s; see {log}")


def visit_catalogue(port: int, slugs: list[str]) -> float:
    """Request every book page once, one at a time, as a site that has been running a
    while has had them requested: its shared cache then holds each book's rating and
    chart (until the book changes or SHOWN_RATING_SECONDS pass). Returns the seconds."""
    started = time.monotonic()
    for slug in slugs:
        with urllib.request.urlopen(f"http://{HOST}:{port}/books/{slug}/", timeout=30) as page:
            page.read()
    return time.monotonic() - started


def stop_server(server: subprocess.Popen) -> None:  # type: ignore[type-arg]
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# -- locust, in a child process (it patches the standard library with gevent) ---------------


def run_phase(args: argparse.Namespace, phase: str, static_url: str) -> dict[str, object]:
    out = WORK_DIR / f"stats-{phase}.json"
    env = {
        **os.environ,
        "CANDOR_LOAD_SEED": str(args.seed_file),
        "CANDOR_LOAD_STATIC": static_url,
        "CANDOR_LOAD_WAIT": WAITS[phase],
    }
    command = [
        str(VENV_BIN / "python"),
        "-m",
        "bench.load",
        "--child",
        "--port",
        str(args.port),
        "--users",
        str(args.users),
        "--seconds",
        str(args.seconds),
        "--warmup",
        str(args.warmup),
        "--stats-out",
        str(out),
    ]
    limit = args.seconds + args.warmup + 60
    subprocess.run(command, env=env, cwd=REPO, check=True, timeout=limit)
    return json.loads(out.read_text())


def child(args: argparse.Namespace) -> None:
    """Runs in the child: locust's local runner, warm-up, reset, measure, write JSON."""
    import importlib.util

    import gevent
    from locust.env import Environment

    spec = importlib.util.spec_from_file_location("candor_locustfile", LOCUSTFILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    env = Environment(user_classes=[module.Reader], host=f"http://{HOST}:{args.port}")
    runner = env.create_local_runner()
    runner.start(args.users, spawn_rate=args.users)
    gevent.sleep(args.warmup)
    env.stats.reset_all()
    started = time.time()
    gevent.sleep(args.seconds)
    runner.quit()
    elapsed = time.time() - started
    rows = []
    for entry in sorted(env.stats.entries.values(), key=lambda e: e.name):
        rows.append(
            {
                "name": entry.name,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "rps": entry.num_requests / elapsed,
                "p50": entry.get_response_time_percentile(0.5),
                "p99": entry.get_response_time_percentile(0.99),
                "max": entry.max_response_time,
            }
        )
    total = env.stats.total
    errors = [
        {"name": error.name, "error": str(error.error), "occurrences": error.occurrences}
        for error in env.stats.errors.values()
    ]
    result = {
        "started": started,
        "seconds": elapsed,
        "rows": rows,
        "total": {"requests": total.num_requests, "failures": total.num_failures},
        "rps": total.num_requests / elapsed,
        "errors": errors,
    }
    Path(args.stats_out).write_text(json.dumps(result))


# -- checking and reporting -------------------------------------------------------------------


def posted_reviews(url: str, first_poster: int) -> int:
    """Reviews written by the poster accounts (the users the seeder made last)."""
    sql = f"SELECT count(*) FROM reviews_review WHERE user_id >= {int(first_poster)}"
    out = subprocess.run(["psql", url, "-tAc", sql], check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.1f}x" if baseline > 0 else "-"


def phase_table(stats: dict) -> list[str]:  # type: ignore[type-arg]
    rows = {row["name"]: row for row in stats["rows"]}
    base = rows.get(BASELINE, {"p50": 0, "p99": 0})
    lines = [
        "| endpoint | requests | req/s | errors | p50 ms | p99 ms | max ms | p50 / baseline | p99 / baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['requests']:,} | {row['rps']:.1f} | {row['failures']} | "
            f"{row['p50']:.0f} | {row['p99']:.0f} | {row['max']:.0f} | "
            f"{ratio(row['p50'], base['p50'])} | {ratio(row['p99'], base['p99'])} |"
        )
    lines.append(
        f"| **all** | {stats['total']['requests']:,} | {stats['rps']:.1f} | "
        f"{stats['total']['failures']} | | | | | |"
    )
    return lines


def log_kind(method: str, path: str) -> str:
    """The endpoint a request-log line belongs to (the log has the path, not the query)."""
    if path == "/healthz":
        return "GET /healthz"
    if path.startswith("/static/"):
        return "GET static file"
    if method == "POST" and path.endswith("/review/"):
        return "POST /books/<slug>/review/"
    if path.startswith("/api/v1/books/"):
        return "GET /api/v1/books/<slug>" + ("/reviews" if path.endswith("/reviews") else "")
    if path.startswith("/books/"):
        return "GET /books/<slug>/ (book pages and review lists)"
    return f"{method} other"


def server_times(log: Path, start: float, end: float) -> list[str]:
    """p50/p99 of the time the app spent on each kind of request (JSON request log),
    within the measured window: the service time, without the queueing the client sees."""
    from datetime import datetime

    import numpy as np

    kinds: dict[str, list[float]] = {}
    for line in log.read_text(errors="replace").splitlines():
        if '"duration_ms"' not in line:
            continue
        try:
            record = json.loads(line)
            moment = datetime.fromisoformat(record["time"]).timestamp()
        except (ValueError, KeyError):
            continue
        if start <= moment <= end:
            kind = log_kind(record["method"], record["path"])
            kinds.setdefault(kind, []).append(float(record["duration_ms"]))
    lines = [
        "| request (server side) | requests | p50 ms | p99 ms | p50 / /healthz | p99 / /healthz |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    base = np.percentile(kinds.get("GET /healthz", [0.0]), [50, 99])
    for kind, values in sorted(kinds.items()):
        p50, p99 = np.percentile(values, [50, 99])
        lines.append(
            f"| {kind} | {len(values):,} | {p50:.1f} | {p99:.1f} | "
            f"{ratio(p50, base[0])} | {ratio(p99, base[1])} |"
        )
    return lines


def saturation_note(args: argparse.Namespace, phase: str, stats: dict) -> str:  # type: ignore[type-arg]
    """Whether the server kept up with what the readers asked of it."""
    if phase != "paced":
        return f"The server's ceiling here: {stats['rps']:.1f} requests a second."
    offered = args.users / 1.0  # a pause of 1 s on average, plus the answer's own time
    if stats["rps"] >= 0.8 * offered:
        return f"The server kept up with the readers ({stats['rps']:.1f} requests a second)."
    return (
        f"The readers would have sent about {offered:.0f} requests a second if answered at "
        f"once; the server answered {stats['rps']:.1f}: it was saturated, so the client-side "
        "times above are mostly waiting in gunicorn's queue, as the baseline's own times show."
    )


def verdict(stats: dict) -> str:  # type: ignore[type-arg]
    rows = {row["name"]: row for row in stats["rows"]}
    page = rows.get(BOOK_PAGE)
    failures = stats["total"]["failures"]
    if page is None:
        return "no book page requests were made"
    met = page["p99"] < 100 and failures == 0
    return (
        f"book page p99 {page['p99']:.0f} ms, {failures} errors: target "
        f"(p99 < 100 ms, no errors) {'met' if met else 'NOT met'}"
    )


def markdown(args: argparse.Namespace, seed: dict, results: dict, posts: dict) -> str:  # type: ignore[type-arg]
    from bench import docs

    command = (
        f"python -m bench.seed_load && python -m bench.load --users {args.users} "
        f"--seconds {args.seconds} --warmup {args.warmup} --workers {args.workers} "
        f"--phases {','.join(results)} --conn-max-age {args.conn_max_age}"
        + ("" if args.visit_catalogue else " --no-visit-catalogue")
    )
    lines = [
        "## Load: 50 readers against gunicorn, 1 million reviews in PostgreSQL",
        "",
        f"Measured {docs.today()} on {docs.machine_line()}; load average before the run "
        f"{posts['loadavg']} (other work shares these CPUs).",
        "",
        f"```\n{command}\n```",
        "",
        f"Database: {seed['reviews']:,} reviews on {len(seed['books']):,} books (the biggest "
        f"has {seed['hot_reviews']:,}; a third of reads go to it), {seed['votes']:,} helpful "
        "votes, PostgreSQL on 127.0.0.1 (bench/seed_load.py, COPY). Server: gunicorn, "
        f"{args.workers} sync workers, production mode as bin/prod sets it (whitenoise, JSON "
        f"request logs, one file-based cache shared by the workers), "
        f"DB_CONN_MAX_AGE={args.conn_max_age}"
        + (" (a new database connection per request)" if args.conn_max_age == 0 else "")
        + (
            "; before the phases every book page was requested once, so the cache holds "
            "each book's rating and chart as on a site that has been running a while "
            "(a book's entry lapses when the book changes, e.g. by a post, or after "
            "SHOWN_RATING_SECONDS)"
            if args.visit_catalogue
            else "; the cache started empty"
        )
        + f". Client: locust {posts['locust']} headless, {args.users} readers on "
        f"the same machine, {args.warmup} s warm-up not counted, then {args.seconds} s. The "
        "baseline is /healthz (one `SELECT 1`) measured in the same run; a static file served "
        "by whitenoise is the second trivial endpoint.",
        "",
    ]
    for phase, stats in results.items():
        pause = (
            "each reader pauses 0.5-1.5 s between requests"
            if phase == "paced"
            else "no pauses: readers send as fast as the server answers"
        )
        window = (stats["started"], stats["started"] + stats["seconds"])
        lines += [
            f"### {phase} ({pause})",
            "",
            *phase_table(stats),
            "",
            f"Result: {verdict(stats)}.",
            "",
            saturation_note(args, phase, stats),
        ]
        lines += [
            "",
            "Time spent in the app per request, from the server's JSON request log over the "
            "same window (no queueing, no network):",
            "",
            *server_times(server_log(args), *window),
        ]
        if stats["errors"]:
            lines += ["", "Errors:", ""]
            lines += [
                f"- {e['name']}: {e['error']} ({e['occurrences']} times)" for e in stats["errors"]
            ]
        lines.append("")
    lines.append(
        f"Posting check: {posts['acknowledged']:,} posts were answered 302 to the book page "
        f"(saved); the poster accounts' reviews went from {posts['before']:,} to "
        f"{posts['in_db']:,} (+{posts['in_db'] - posts['before']:,} new; the other posts "
        "edited a review the same account had posted earlier in this run or an earlier one)."
    )
    return "\n".join(lines)


def server_log(args: argparse.Namespace) -> Path:
    return WORK_DIR / f"gunicorn-{args.section}.log"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed-file", type=Path, default=WORK_DIR / "seed.json")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8798)
    parser.add_argument("--phases", default="paced,saturation")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="DB_CONN_MAX_AGE for the server (60, production's default; 0: a connection per request)",
    )
    parser.add_argument(
        "--no-visit-catalogue",
        dest="visit_catalogue",
        action="store_false",
        help="skip requesting every book page once before the phases (a cold cache)",
    )
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument(
        "--collectstatic", action="store_true", help="collect static files even if done before"
    )
    parser.add_argument("--section", default="load", help="section of docs/benchmarks.md")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stats-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 500 or not 1 <= args.seconds <= 600:
        parser.error("--users must be 1-500 and --seconds 1-600 (the test is bounded)")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.child:
        child(args)
        return
    import locust

    from bench import docs

    seed = json.loads(args.seed_file.read_text())
    phases = [p for p in args.phases.split(",") if p]
    if unknown := set(phases) - set(WAITS):
        raise SystemExit(f"unknown phase(s): {', '.join(sorted(unknown))}")
    env = server_env(seed, WORK_DIR / "static", args.conn_max_age)
    static_url = collectstatic(env, args.collectstatic)
    before = posted_reviews(seed["url"], seed["first_poster"])
    loadavg = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    shutil.rmtree(CACHE_DIR, ignore_errors=True)  # every run starts from an empty cache
    server = start_server(args.port, args.workers, env, server_log(args))
    results = {}
    try:
        if args.visit_catalogue:
            seconds = visit_catalogue(args.port, seed["books"])
            print(f"visited every book page once in {seconds:.0f} s", file=sys.stderr)
        for phase in phases:
            print(f"phase {phase}: {args.warmup} s warm-up + {args.seconds} s", file=sys.stderr)
            results[phase] = run_phase(args, phase, static_url)
            print("\n".join(phase_table(results[phase])), file=sys.stderr)
    finally:
        stop_server(server)
    in_db = posted_reviews(seed["url"], seed["first_poster"])
    acknowledged = acknowledged_posts(server_log(args))
    posts = {
        "acknowledged": acknowledged,
        "in_db": in_db,
        "before": before,
        "loadavg": loadavg,
        "locust": locust.__version__,
    }
    body = markdown(args, seed, results, posts)
    print(body)
    if not args.no_docs:
        docs.write_section(args.section, body)


def acknowledged_posts(log: Path) -> int:
    """POSTs of the review form answered 302, from gunicorn's JSON request log."""
    count = 0
    for line in log.read_text(errors="replace").splitlines():
        if '"POST"' in line and "/review/" in line and '"status": 302' in line:
            count += 1
    return count


if __name__ == "__main__":
    main()
