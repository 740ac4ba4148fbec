"""Latency of posting a review and re-rendering a book page with 100,000 reviews.

    python -m bench.web_latency [--reviews 100000] [--iterations 200] [--concurrency 4]
                                [--port 8799] [--max-seconds 600] [--no-docs]

From the issue: "Posting a review and re-rendering the book page with 100,000 reviews on
that book: p50/p99 latency from a load test against the running server (not the test
client)." What the script does, bounded in requests and time, against 127.0.0.1 only:

0. Takes the code to measure: by default (``--source head``) the committed HEAD's
   candor/ package, exported with ``git archive`` to /tmp/candor-bench/src, because
   others edit the working tree while benchmarks run (a half-written migration makes
   the server fail); ``--source worktree`` measures the working tree as it is.
   Commands run as ``.venv/bin/python -m candor.cli ...`` (what ``.venv/bin/candor``
   runs) with that code first on PYTHONPATH.
1. Creates a throw-away SQLite database, /tmp/candor-bench/web.sqlite3 (deleted first),
   and runs ``candor migrate`` on it.
2. Loads one book with ``--reviews`` reviews by as many users (Django's bulk_create in
   a child process; stars J-shaped, dates over six years, 60 % verified, helpful votes
   on a fifth of the reviews, texts from `bench.text`), then builds the book's stored
   rating with the app's own functions. It also makes the users who will post during
   the run (one fresh user per posted review, so every post creates a review), with
   sessions created directly in the database, and a few users who sign in with a
   password.
3. Starts ``candor serve --port PORT`` (Django's runserver, threaded, one process)
   with DEBUG off, waits for it, and stops it at the end (also on errors).
4. Each iteration, as a signed-in user: GET the write-a-review form (for the CSRF
   token), POST the review (``action=submit``; the server answers 302 to the book page),
   GET the book page (which must say "Thank you for your review"). Also the baseline:
   GET /accounts/login/, a page rendered by the same stack without touching the book. The
   first 3 iterations warm the server up and are not counted (any error there stops
   the run before measuring, and nothing is written to the docs). Then ``--iterations``
   sequential iterations, then ``--iterations`` more from ``--concurrency`` threads.
   Separately, ``--logins`` users sign in by POSTing /accounts/login/ (password hashing
   makes this slow by design; it is reported on its own line).

Latencies are wall-clock from sending the request to reading the whole response, one
new connection per request (http.client). p99 of 200 samples is about the second
slowest. The section between ``<!-- web-latency:start -->`` and ``<!-- web-latency:end -->``
in docs/benchmarks.md is replaced unless ``--no-docs`` is given.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import numpy as np

from bench import docs

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
WORK_DIR = Path("/tmp/candor-bench")
DB_PATH = WORK_DIR / "web.sqlite3"
SNAPSHOT = WORK_DIR / "src"
HOST = "127.0.0.1"
PASSWORD = "bench-only-passphrase-not-secret"
WARMUP = 3
STEPS = ("baseline", "form", "post", "page", "post+page")
STEP_LABELS = {
    "baseline": "baseline: GET /accounts/login/",
    "form": "GET /books/<slug>/review/ (form)",
    "post": "POST /books/<slug>/review/ (submit)",
    "page": "GET /books/<slug>/ (after posting)",
    "post+page": "post + page (the issue's metric)",
    "login": "POST /accounts/login/ (password check)",
}
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# ------------------------------------------------------------------ loading (child process)


def load(reviews: int, posters: int, logins: int, out: Path, seed: int) -> None:
    """Runs inside a process with DJANGO_SETTINGS_MODULE and DATABASE_URL set."""
    import django

    django.setup()
    from datetime import UTC, datetime, timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from bench import text
    from candor.accounts.models import Profile
    from candor.catalog.models import Book, Contribution, Person
    from candor.reviews.models import HelpfulVote, Review

    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    password = make_password(PASSWORD)  # hashed once, shared by every bench user
    now = datetime.now(UTC)
    with transaction.atomic():
        book = Book.objects.create(
            title="The Benchmark Book",
            subtitle=f"{reviews:,} reviews",
            isbn13="9780000000002",
            year=2019,
            pages=412,
            description="A book that exists to be reviewed many times over.",
        )
        author = Person.objects.create(name="Bench Author")
        Contribution.objects.create(book=book, person=author)
        total_users = reviews + posters + logins
        User.objects.bulk_create(
            (
                User(
                    username=f"reader{i:07d}",
                    email=f"reader{i:07d}@bench.invalid",
                    password=password,
                    date_joined=now,
                )
                for i in range(total_users)
            ),
            batch_size=5000,
        )
        users = list(User.objects.order_by("id").values_list("id", flat=True))
        Profile.objects.bulk_create((Profile(user_id=uid) for uid in users), batch_size=5000)
        stars = rng.choice(np.arange(1, 6), size=reviews, p=[0.08, 0.05, 0.1, 0.2, 0.57])
        ages = rng.uniform(0, 6 * 365.25, size=reviews)
        verified = rng.random(reviews) < 0.6
        Review.objects.bulk_create(
            (
                Review(
                    book=book,
                    user_id=users[i],
                    rating=int(stars[i]),
                    title=text.honest_title(rng, int(stars[i])),
                    text=text.honest_text(rng, int(stars[i])),
                    created_at=now - timedelta(days=float(ages[i])),
                    verified_purchase=bool(verified[i]),
                )
                for i in range(reviews)
            ),
            batch_size=5000,
        )
        review_ids = list(
            Review.objects.filter(book=book).order_by("id").values_list("id", "user_id")
        )
        votes = []
        for review_id, author_id in review_ids:
            if rng.random() < 0.2:
                for _ in range(int(rng.integers(1, 6))):
                    voter = users[int(rng.integers(reviews))]
                    if voter != author_id:
                        votes.append((review_id, voter, author_id))
        HelpfulVote.objects.bulk_create(
            (
                HelpfulVote(review_id=r, voter_id=v, review_author_id=a)
                for r, v, a in dict.fromkeys(votes)
            ),
            batch_size=5000,
            ignore_conflicts=True,
        )
    how = refresh_rating(book)
    book.refresh_from_db()

    sessions = []
    for user in User.objects.filter(id__in=users[reviews : reviews + posters]).order_by("id"):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    login_names = list(
        User.objects.filter(id__in=users[reviews + posters :])
        .order_by("id")
        .values_list("username", flat=True)
    )
    out.write_text(
        json.dumps(
            {
                "slug": book.slug,
                "reviews": Review.objects.filter(book=book).count(),
                "votes": HelpfulVote.objects.count(),
                "rating": book.rating,
                "rating_count": book.rating_count,
                "refreshed_with": how,
                "sessions": sessions,
                "logins": login_names,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


def refresh_rating(book: object) -> str:
    """Store the book's rating with the app's rating store; what was run, for the report."""
    from candor.reviews import store

    store.rebuild()
    return "store.rebuild"


# ------------------------------------------------------------------ HTTP client


@dataclass
class Client:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[float, int, dict[str, str], str]:
        """(seconds, status, headers, body) of one request on a new connection."""
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "candor-bench"}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            seconds = time.perf_counter() - started
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return seconds, response.status, dict(response.headers), payload.decode(errors="replace")


@dataclass
class Samples:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, step: str, seconds: float) -> None:
        with self.lock:
            self.seconds[step].append(seconds)

    def fail(self, step: str, message: str) -> None:
        with self.lock:
            self.errors[step].append(message)


def iteration(port: int, slug: str, session: str, rng: random.Random, samples: Samples) -> None:
    """Baseline, form, post, page for one signed-in user; records latencies or errors."""
    seconds, status, _, _ = Client(port).request("GET", "/accounts/login/")
    if status == 200:
        samples.add("baseline", seconds)
    else:
        samples.fail("baseline", f"status {status}")

    client = Client(port, {"sessionid": session})
    path = f"/books/{slug}/review/"
    seconds, status, _, body = client.request("GET", path)
    token = CSRF_FIELD.search(body)
    if status != 200 or token is None or "csrftoken" not in client.cookies:
        samples.fail("form", f"status {status}, csrf token {'found' if token else 'missing'}")
        return
    samples.add("form", seconds)

    stars = rng.choices([1, 2, 3, 4, 5], weights=[8, 5, 10, 20, 57])[0]
    form = {
        "csrfmiddlewaretoken": token.group(1),
        "rating": str(stars),
        "title": "Posted by the benchmark",
        "text": "A review posted during the latency benchmark. " * rng.randint(1, 6),
        "action": "submit",
    }
    post_seconds, status, headers, _ = client.request("POST", path, form)
    location = headers.get("Location", "")
    if status != 302 or not location.rstrip("/").endswith(f"/books/{slug}"):
        samples.fail("post", f"status {status}, location {location!r}")
        return
    samples.add("post", post_seconds)

    page_seconds, status, _, body = client.request("GET", f"/books/{slug}/")
    if status != 200 or "Thank you for your review" not in body:
        samples.fail("page", f"status {status}, thank-you message {'Thank you' in body}")
        return
    samples.add("page", page_seconds)
    samples.add("post+page", post_seconds + page_seconds)


def sign_in(port: int, username: str, samples: Samples) -> None:
    client = Client(port)
    _, status, _, body = client.request("GET", "/accounts/login/")
    token = CSRF_FIELD.search(body)
    if status != 200 or token is None:
        samples.fail("login", f"login form status {status}")
        return
    form = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD}
    seconds, status, _, _ = client.request("POST", "/accounts/login/", form)
    if status != 302 or "sessionid" not in client.cookies:
        samples.fail("login", f"status {status}")
        return
    samples.add("login", seconds)


def run_phase(
    port: int,
    slug: str,
    sessions: list[str],
    concurrency: int,
    max_seconds: float,
    seed: int,
) -> tuple[Samples, int, float]:
    """Iterations over ``sessions`` from ``concurrency`` threads; (samples, done, seconds)."""
    samples = Samples()
    queue = iter(sessions)
    lock = threading.Lock()
    deadline = time.perf_counter() + max_seconds
    done = [0]

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        while time.perf_counter() < deadline:
            with lock:
                session = next(queue, None)
            if session is None:
                return
            try:
                iteration(port, slug, session, rng, samples)
            except (OSError, http.client.HTTPException) as error:
                samples.fail("connection", repr(error))
            with lock:
                done[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, done[0], time.perf_counter() - started


# ------------------------------------------------------------------ server


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex((HOST, port)) != 0


def candor_command(*args: str) -> list[str]:
    """``candor ARGS`` as .venv/bin/candor runs it, with the code PYTHONPATH selects."""
    return [str(VENV_BIN / "python"), "-m", "candor.cli", *args]


def prepare_source(source: str) -> tuple[Path, str]:
    """(directory whose candor/ package is measured, description with the commit)."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    if source == "worktree":
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "candor"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
        suffix = " with uncommitted changes" if dirty else ""
        return REPO, f"the working tree at commit {commit}{suffix}"
    if SNAPSHOT.exists():
        shutil.rmtree(SNAPSHOT)
    SNAPSHOT.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "HEAD", "candor"], cwd=REPO, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(SNAPSHOT)], input=archive, check=True)
    return SNAPSHOT, f"commit {commit} (committed code only)"


def start_server(port: int, env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    server = subprocess.Popen(
        candor_command("serve", "--port", str(port)),
        cwd=cwd,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, stopped as a whole at the end
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}; see {log}")
        try:
            _, status, _, _ = Client(port).request("GET", "/accounts/login/")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise RuntimeError(f"the server did not answer within 60 s; see {log}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)  # the group we started, by its id
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)


# ------------------------------------------------------------------ report


def percentiles(values: list[float]) -> tuple[float, float]:
    if not values:
        return float("nan"), float("nan")
    p50, p99 = np.percentile(np.asarray(values) * 1000, [50, 99])
    return float(p50), float(p99)


def ratio(value: float, baseline: float) -> str:
    times = value / baseline
    return f"{times:.1f}x" if times < 10 else f"{times:,.0f}x"


def phase_table(samples: Samples, steps: tuple[str, ...]) -> list[str]:
    base50, base99 = percentiles(samples.seconds["baseline"])
    lines = [
        "| step | samples | errors | p50 | p99 | p50 / baseline p50 | p99 / baseline p99 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for step in steps:
        values = samples.seconds.get(step, [])
        p50, p99 = percentiles(values)
        ratio50 = "1" if step == "baseline" else ratio(p50, base50)
        ratio99 = "1" if step == "baseline" else ratio(p99, base99)
        lines.append(
            f"| {STEP_LABELS[step]} | {len(values)} | {len(samples.errors.get(step, []))}"
            f" | {p50:,.1f} ms | {p99:,.1f} ms | {ratio50} | {ratio99} |"
        )
    return lines


def error_lines(samples: Samples) -> list[str]:
    lines = []
    for step, messages in samples.errors.items():
        if messages:
            common = max(set(messages), key=messages.count)
            lines.append(f"- {step}: {len(messages)} failed, e.g. {common}")
    return lines


def markdown(
    loaded: dict[str, object],
    phases: list[tuple[str, Samples, int, float]],
    logins: Samples,
    args: argparse.Namespace,
    command: str,
) -> str:
    lines = [
        f"## Web latency: posting a review on a book with {args.reviews:,} reviews",
        "",
        f"Measured {docs.today()} on {docs.machine_line()}.",
        "",
        "```sh",
        command,
        "```",
        "",
        f"One book with {loaded['reviews']:,} reviews ({loaded['votes']:,} helpful votes) in a"
        f" throw-away SQLite database; code: {loaded['source']}; `candor serve` (Django"
        " runserver, one process,"
        " threaded) with DEBUG off, on 127.0.0.1; each iteration a different signed-in"
        " user opens the form, posts a new review and reloads the book page. Loading took"
        f" {loaded['seconds']} s; the stored rating was built with"
        f" `{loaded['refreshed_with']}`. The first {WARMUP} iterations are not counted.",
        "",
    ]
    for title, samples, done, seconds in phases:
        lines += [
            f"### {title}: {done} iterations in {seconds:.0f} s",
            "",
            *phase_table(samples, STEPS),
            *(["", *error_lines(samples)] if error_lines(samples) else []),
            "",
        ]
    values = logins.seconds.get("login", [])
    if values or logins.errors:
        p50, p99 = percentiles(values)
        lines += [
            f"Signing in by password (POST /accounts/login/, {len(values)} users one after"
            f" another, {len(logins.errors.get('login', []))} errors): p50 {p50:,.0f} ms,"
            f" p99 {p99:,.0f} ms; Django's password hasher is slow on purpose.",
            "",
        ]
    lines.append("How it is measured: the docstring of `bench/web_latency.py`.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--logins", type=int, default=10)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--max-seconds", type=float, default=600.0, help="per phase")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--source",
        choices=("head", "worktree"),
        default="head",
        help="measure the committed HEAD (default) or the working tree as it is",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    sub = parser.add_subparsers(dest="command")
    loader = sub.add_parser("load", help="(internal) fill the database; needs Django settings")
    loader.add_argument("--reviews", type=int, required=True)
    loader.add_argument("--posters", type=int, required=True)
    loader.add_argument("--logins", type=int, required=True)
    loader.add_argument("--seed", type=int, default=1)
    loader.add_argument("--out", type=Path, required=True)
    arguments = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(arguments)
    if args.command == "load":
        load(args.reviews, args.posters, args.logins, args.out, args.seed)
        return
    if not port_is_free(args.port):
        parser.error(f"something already listens on {HOST}:{args.port}; pick another --port")
    if min(args.reviews, args.iterations, args.concurrency) < 1 or args.logins < 0:
        parser.error("--reviews, --iterations and --concurrency must be >= 1")

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
    source_dir, source_text = prepare_source(args.source)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "candor.settings",
        "DATABASE_URL": f"sqlite:///{DB_PATH}",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + secrets.token_hex(24),
        "ALLOWED_HOSTS": HOST,
        # The measured candor/ first, then this repository for bench/.
        "PYTHONPATH": os.pathsep.join(
            dict.fromkeys(filter(None, [str(source_dir), str(REPO), os.environ.get("PYTHONPATH")]))
        ),
    }
    print(f"measuring {source_text}; migrating {DB_PATH}", flush=True)
    subprocess.run(candor_command("migrate", "-v", "0"), cwd=source_dir, env=env, check=True)
    posters = WARMUP + 2 * args.iterations
    info = WORK_DIR / "web-load.json"
    print(f"loading {args.reviews:,} reviews", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.web_latency",
            "load",
            "--reviews",
            str(args.reviews),
            "--posters",
            str(posters),
            "--logins",
            str(args.logins),
            "--seed",
            str(args.seed),
            "--out",
            str(info),
        ],
        cwd=source_dir,
        env=env,
        check=True,
    )
    loaded = json.loads(info.read_text())
    loaded["source"] = source_text
    print(
        f"loaded in {loaded['seconds']} s: {loaded['reviews']:,} reviews, rating"
        f" {loaded['rating']} ({loaded['refreshed_with']})",
        flush=True,
    )
    sessions: list[str] = loaded["sessions"]
    log = WORK_DIR / "web-server.log"
    server = start_server(args.port, env, log, source_dir)
    try:
        warm, _, _ = run_phase(args.port, loaded["slug"], sessions[:WARMUP], 1, 300, args.seed)
        if warm.errors:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            sys.exit(
                f"warm-up failed, nothing measured: {dict(warm.errors)}\n"
                f"last lines of {log}:\n{tail}"
            )
        rest = sessions[WARMUP:]
        phases = []
        for title, chunk, threads in (
            ("Sequential (1 client)", rest[: args.iterations], 1),
            (f"{args.concurrency} concurrent clients", rest[args.iterations :], args.concurrency),
        ):
            print(f"{title}: {len(chunk)} iterations", flush=True)
            samples, done, seconds = run_phase(
                args.port, loaded["slug"], chunk, threads, args.max_seconds, args.seed
            )
            phases.append((title, samples, done, seconds))
        logins = Samples()
        for username in loaded["logins"]:
            sign_in(args.port, username, logins)
    finally:
        stop_server(server)
    command = ".venv/bin/python -m bench.web_latency " + shlex.join(arguments)
    text = markdown(loaded, phases, logins, args, command.strip())
    print(text)
    if not args.no_docs:
        docs.write_section("web-latency", text)
        print(f"\n(section 'web-latency' written to {docs.BENCHMARKS_MD})")


if __name__ == "__main__":
    main()
