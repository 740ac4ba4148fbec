"""Fill a throw-away PostgreSQL database with a catalogue and 1 million reviews, fast.

    python -m bench.seed_load [--reviews 1000000] [--books 1000] [--hot 100000]
                              [--database candor_load] [--server postgres://postgres@127.0.0.1:5432]
                              [--posters 200] [--out /tmp/candor-load/seed.json] [--seed 7]

For the load test (bench/load.py). What it does, against 127.0.0.1 only:

1. Drops and re-creates the database ``--database`` (its name must start with
   ``candor_load``: the script refuses any other, so it can never wipe real data),
   then runs ``candor migrate`` on it.
2. Creates ``--books`` books (each with an author) with the ORM. One book, the "hot"
   one, gets ``--hot`` reviews; the rest share the remaining reviews along a Zipf-like
   curve, so there are big, middling and small books as in a real shop.
3. Writes users, reviews and helpful votes with PostgreSQL's COPY (psycopg's
   ``cursor.copy``), which loads a million rows in well under a minute where
   ``bulk_create`` would take several. Stars are J-shaped, dates spread over six
   years, 60 % verified, a tenth of the reviews have 1-3 helpful votes (real
   HelpfulVote rows, so ``helpful_count`` matches), texts from ``bench.text``.
4. Computes the catalogue prior and every book's stored rating with the app's own
   rating store (``store.rebuild``, what ``candor rebuild_ratings`` runs), so pages
   show what the app itself would compute.
5. Creates ``--posters`` users with no reviews and a session each (made directly in
   the database) for the load test's posting clients, and writes what the load test
   needs (slugs, session keys) to ``--out`` as JSON.

The catalogue prior cache and everything else is left to the app.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_OUT = Path("/tmp/candor-load/seed.json")
STAR_SHARES = [0.08, 0.05, 0.1, 0.2, 0.57]
TEXT_POOL = 4000  # distinct texts per star; reviews pick from them


def log(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:7.1f}s] {message}", file=sys.stderr, flush=True)


def recreate_database(server: str, name: str) -> None:
    if not name.startswith("candor_load"):
        raise SystemExit(
            f"refusing to drop {name!r}: the database name must start with candor_load"
        )
    if "127.0.0.1" not in server and "localhost" not in server:
        raise SystemExit(f"refusing {server!r}: the load database must be on 127.0.0.1")
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", f"{server}/postgres", "-qc", sql], check=True)


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": "x" * 60}
    subprocess.run(
        [str(REPO / ".venv" / "bin" / "python"), "-m", "candor.cli", "migrate", "-v", "0"],
        check=True,
        env=env,
        cwd=REPO,
    )


def reviews_per_book(total: int, books: int, hot: int) -> list[int]:
    """The hot book first, then a Zipf-like share of the rest (every book at least 1)."""
    rest = total - hot
    weights = 1.0 / np.arange(1, books) ** 0.9
    counts = np.maximum(1, np.floor(weights / weights.sum() * rest)).astype(int)
    counts[0] += rest - int(counts.sum())  # rounding leftovers go to the biggest
    return [hot, *(int(c) for c in counts)]


def copy_rows(table: str, columns: list[str], rows: object) -> int:
    """COPY rows (an iterable of tuples) into table; returns how many were written."""
    from django.db import connection

    n = 0
    with connection.cursor() as cursor:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:  # type: ignore[attr-defined]
                copy.write_row(row)
                n += 1
    return n


def reset_sequence(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def text_pools(rng: np.random.Generator) -> dict[int, tuple[list[str], list[str]]]:
    from bench import text

    return {
        stars: (
            [text.honest_title(rng, stars) for _ in range(TEXT_POOL)],
            [text.honest_text(rng, stars) for _ in range(TEXT_POOL)],
        )
        for stars in range(1, 6)
    }


def make_books(count: int) -> list[tuple[int, str]]:
    from candor.catalog.models import Book, Contribution, Person

    people = Person.objects.bulk_create(
        Person(name=f"Load Author {i}", slug=f"load-author-{i}") for i in range(count)
    )
    books = Book.objects.bulk_create(
        Book(
            title=f"Load Test Book {i}",
            subtitle="A book for the load test",
            slug=f"load-book-{i}",
            isbn13=isbn13(i),
            year=1990 + i % 35,
            pages=200 + i % 400,
            description="A book that exists to be read and reviewed under load.",
        )
        for i in range(count)
    )
    Contribution.objects.bulk_create(
        Contribution(book=book, person=person) for book, person in zip(books, people, strict=True)
    )
    return [(book.pk, book.slug) for book in books]


def isbn13(i: int) -> str:
    body = f"979{i:09d}"
    total = sum(int(d) * (1 if k % 2 == 0 else 3) for k, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def poster_sessions(first_poster: int) -> list[str]:
    """A signed-in session for each poster account (users from id first_poster on).

    The sessions are signed with the SECRET_KEY in the environment, which the seed file
    records: the load test serves with the same key, or Django would sign them out."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    sessions = []
    for user in User.objects.filter(id__gte=first_poster).order_by("id"):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    return sessions


def seed(args: argparse.Namespace, started: float) -> dict[str, object]:
    import django

    django.setup()
    from django.db import connection, transaction

    from candor.reviews import store

    rng = np.random.default_rng(args.seed)
    now = datetime.now(UTC)
    counts = reviews_per_book(args.reviews, args.books, args.hot)
    readers = max(counts) * 2  # enough that no book needs a reader twice
    pools = text_pools(rng)
    books = make_books(args.books)
    log(f"{len(books)} books", started)

    with transaction.atomic():
        first_user = 1_000_000  # far above anything migrate made
        n = copy_rows(
            "auth_user",
            [
                "id",
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            (
                (first_user + i, "!unusable", False, f"reader{i}", "", "", "", False, True, now)
                for i in range(readers + args.posters)
            ),
        )
        reset_sequence("auth_user")
    log(f"{n:,} users", started)

    review_rows = []
    next_id = 1
    for (book_id, _), count in zip(books, counts, strict=True):
        offset = int(rng.integers(readers))
        stars = rng.choice(np.arange(1, 6), size=count, p=STAR_SHARES)
        ages = rng.uniform(0, 6 * 365.25, size=count)
        verified = rng.random(count) < 0.6
        picks = rng.integers(TEXT_POOL, size=count)
        for k in range(count):
            user = first_user + (offset + k) % readers
            review_rows.append(
                (next_id, book_id, user, int(stars[k]), ages[k], bool(verified[k]), picks[k])
            )
            next_id += 1
    votes: dict[int, list[int]] = {}
    for row in review_rows:
        if rng.random() < 0.1:
            votes[row[0]] = [first_user + (row[2] - first_user + j) % readers for j in range(1, 4)][
                : int(rng.integers(1, 4))
            ]
    log(f"{len(review_rows):,} reviews generated", started)

    def reviews() -> object:
        for rid, book_id, user, stars, age, verified, pick in review_rows:
            when = now - timedelta(days=float(age))
            title, text = pools[stars][0][pick], pools[stars][1][pick]
            helpful = len(votes.get(rid, ()))
            yield (
                rid,
                book_id,
                user,
                stars,
                title,
                text,
                when,
                when,
                verified,
                helpful,
                False,
                "",
                1.0,
                "[]",
                "",
            )

    with transaction.atomic():
        n = copy_rows(
            "reviews_review",
            [
                "id",
                "book_id",
                "user_id",
                "rating",
                "title",
                "text",
                "created_at",
                "updated_at",
                "verified_purchase",
                "helpful_count",
                "hidden",
                "hidden_reason",
                "trust",
                "trust_reasons",
                "trust_override_note",
            ],
            reviews(),
        )
        reset_sequence("reviews_review")
        authors = {row[0]: row[2] for row in review_rows}
        v = copy_rows(
            "reviews_helpfulvote",
            ["review_id", "voter_id", "review_author_id", "created_at"],
            ((rid, voter, authors[rid], now) for rid, voters in votes.items() for voter in voters),
        )
    log(f"{n:,} reviews and {v:,} helpful votes copied", started)
    with connection.cursor() as cursor:
        # As autovacuum would in time: statistics, and the visibility map that lets
        # counts of one star be answered from the index alone.
        cursor.execute("VACUUM ANALYZE")

    store.rebuild()
    log("ratings stored", started)

    sessions = poster_sessions(first_user + readers)
    hot_slug = books[0][1]
    return {
        "database": args.database,
        "reviews": n,
        "votes": v,
        "books": [slug for _, slug in books],
        "hot": hot_slug,
        "hot_reviews": counts[0],
        "sessions": sessions,
        "first_poster": first_user + readers,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--books", type=int, default=1000)
    parser.add_argument("--hot", type=int, default=100_000, help="reviews on the biggest book")
    parser.add_argument("--posters", type=int, default=200, help="accounts that post in the test")
    parser.add_argument("--database", default="candor_load")
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.hot > args.reviews or args.books < 2:
        parser.error("--hot must be at most --reviews, and --books at least 2")
    started = time.perf_counter()
    url = f"{args.server}/{args.database}"
    recreate_database(args.server, args.database)
    migrate(url)
    log(f"migrated {url}", started)
    os.environ["DATABASE_URL"] = url
    os.environ["SECRET_KEY"] = secret = secrets.token_urlsafe(50)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
    result = seed(args, started)
    result["url"] = url
    result["secret_key"] = secret
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result))
    log(f"done; load-test data in {args.out}", started)


if __name__ == "__main__":
    main()
