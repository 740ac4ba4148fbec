"""Spill: does a campaign on some books move the books that were not attacked?

    python -m bench.spill [--dataset NAME] [--attacked N] [--seed N] [--before-tree PATH] [--no-docs]

Takes a real review sample (`bench.real_data`, default the 112 Amazon books), picks
``--attacked`` books at random (seeded), and injects a campaign into each: as many
fake reviews as the book has real ones (at least 5), all 5 stars on half of the books
and all 1 star on the others, from accounts that review nothing else, posted over the
week after the sample's newest review, with short texts from a few templates. Then it
rates every book twice, without and with the campaigns, and reports for the books that
were **not** attacked the mean and the largest |change| of their rating, in stars:

- in `candor score` (trust included, as an operator runs it);
- in the web app: the same reviews loaded into a throw-away SQLite database, then
  `candor trust` (which records trust and recomputes the catalogue prior and every
  rating), the books' stored ratings read back.

The issue's bound: at most 0.02 stars on average. ``--before-tree PATH`` also runs
`candor score` from the Candor checked out at PATH (the method before the rating issue).
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import docs
from bench.faithfulness import score, write_corpus
from bench.real_data import Corpus, load

TEMPLATES = (
    "Amazing book, a must read!",
    "Loved every page. Highly recommended.",
    "Best book I have read this year.",
    "Terrible. Do not buy this book.",
    "Waste of money, boring and badly written.",
    "Awful, I could not finish it.",
)
DAY = 86_400.0


@dataclass
class Spill:
    where: str
    attacked: int
    others: int
    mean: float
    largest: float


def inject(corpus: Corpus, attacked: int, seed: int) -> tuple[Corpus, np.ndarray]:
    """The corpus with campaigns on ``attacked`` books, and which books were attacked."""
    rng = np.random.default_rng(seed)
    products = corpus.n_products
    counts = np.bincount(corpus.product, minlength=products)
    targets = rng.choice(products, size=attacked, replace=False)
    newest = float(corpus.seconds.max())
    next_reviewer = int(corpus.reviewer.max()) + 1
    rows: dict[str, list[object]] = {key: [] for key in ("product", "stars", "seconds", "text")}
    for n, target in enumerate(targets.tolist()):
        fakes = max(5, int(counts[target]))
        stars = 5 if n % 2 == 0 else 1
        templates = TEMPLATES[:3] if stars == 5 else TEMPLATES[3:]
        rows["product"] += [target] * fakes
        rows["stars"] += [stars] * fakes
        rows["seconds"] += (newest + rng.uniform(0, 7 * DAY, fakes)).tolist()
        rows["text"] += [templates[i % 3] for i in range(fakes)]
    size = len(rows["stars"])
    joined = Corpus(
        corpus.name,
        np.concatenate([corpus.product, np.asarray(rows["product"], dtype=np.int64)]),
        np.concatenate([corpus.reviewer, next_reviewer + np.arange(size)]),
        np.concatenate([corpus.stars, np.asarray(rows["stars"], dtype=np.int64)]),
        np.concatenate([corpus.seconds, np.asarray(rows["seconds"], dtype=np.float64)]),
        np.concatenate([corpus.verified, np.zeros(size, bool)]),
        np.concatenate([corpus.helpful, np.zeros(size, np.int64)]),
        np.concatenate([corpus.honest, np.zeros(size, bool)]),
        None if corpus.text is None else [*corpus.text, *[str(t) for t in rows["text"]]],
    )
    return joined, targets


def spill(
    name: str, before: dict[str, float], after: dict[str, float], targets: np.ndarray, products: int
) -> Spill:
    attacked = {f"p{t}" for t in targets.tolist()}
    moves = [
        abs(after[key] - before[key])
        for key in (f"p{p}" for p in range(products))
        if key not in attacked and before.get(key) is not None and after.get(key) is not None
    ]
    return Spill(name, len(attacked), len(moves), float(np.mean(moves)), float(np.max(moves)))


def score_both(
    original: Corpus, attacked: Corpus, tree: Path | None
) -> tuple[dict[str, float], dict[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        results = []
        for label, corpus in (("original", original), ("attacked", attacked)):
            path = Path(folder) / f"{label}.csv"
            write_corpus(corpus, path)
            results.append(score(path, Path(folder) / f"{label}-out", tree))
    return results[0], results[1]


def web_both(original: Corpus, attacked: Corpus) -> tuple[dict[str, float], dict[str, float]]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for label, corpus in (("original", original), ("attacked", attacked)):
            path = Path(folder) / f"{label}.csv"
            write_corpus(corpus, path)
            out = Path(folder) / f"{label}.json"
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/{label}.sqlite3"}
            command = [sys.executable, "-m", "bench.spill", "--web-child", str(path), str(out)]
            subprocess.run(command, check=True, env=env, capture_output=True)
            results.append(json.loads(out.read_text()))
    return results[0], results[1]


def web_child(path: Path, out: Path) -> None:
    """In a fresh database: load the review file, run `candor trust`, write the ratings."""
    import csv
    from datetime import datetime

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from candor.catalog.models import Book
    from candor.reviews.models import Review

    call_command("migrate", verbosity=0)
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    products = sorted({row["product_id"] for row in rows})
    books = Book.objects.bulk_create(
        Book(title=p, slug=p, isbn13=isbn13(i)) for i, p in enumerate(products)
    )
    book_of = {p: b.pk for p, b in zip(products, Book.objects.order_by("pk"), strict=True)}
    del books
    reviewers = sorted({row["reviewer_id"] for row in rows})
    User.objects.bulk_create(User(username=r, password="!") for r in reviewers)
    user_of = dict(User.objects.values_list("username", "pk"))
    Review.objects.bulk_create(
        (
            Review(
                book_id=book_of[row["product_id"]],
                user_id=user_of[row["reviewer_id"]],
                rating=int(row["rating"]),
                text=row["text"][:5000],
                created_at=datetime.fromisoformat(row["created_at"]),
                verified_purchase=row["verified_purchase"] == "True",
                helpful_count=int(row["helpful_votes"]),
            )
            for row in rows
        ),
        batch_size=2000,
        ignore_conflicts=True,  # a reader's second review of a book: one per reader
    )
    call_command("trust", verbosity=0)
    ratings = dict(Book.objects.values_list("slug", "rating"))
    out.write_text(json.dumps(ratings))


def isbn13(n: int) -> str:
    body = f"979{n:09d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def markdown(results: list[Spill], command: str, setup: str, seconds: float) -> str:
    lines = [
        "## Spill: campaigns on some books against the books not attacked",
        "",
        f"Measured {docs.today()} on {docs.machine_line()}.",
        "",
        "```sh",
        command,
        "```",
        "",
        setup,
        "",
        "| where | books attacked | books not attacked | mean move of those | largest move |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.where} | {r.attacked} | {r.others} | {r.mean:.4f} | {r.largest:.4f} |"
        for r in results
    ]
    lines += ["", "Target: at most 0.02 stars on average.", "", f"Run time: {seconds:.0f} s."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="amazon_books")
    parser.add_argument("--attacked", type=int, default=13)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--before-tree", type=Path)
    parser.add_argument("--no-web", action="store_true")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--web-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.web_child:
        web_child(*args.web_child)
        return
    started = time.perf_counter()
    original = load(args.dataset)
    attacked, targets = inject(original, args.attacked, args.seed)
    products = original.n_products
    results = []
    if args.before_tree:
        before = score_both(original, attacked, args.before_tree)
        results.append(spill("`candor score`, before", *before, targets, products))
    results.append(
        spill("`candor score`", *score_both(original, attacked, None), targets, products)
    )
    if not args.no_web:
        results.append(
            spill("web app (`candor trust`)", *web_both(original, attacked), targets, products)
        )
    fakes = len(attacked) - len(original)
    setup = (
        f"{args.dataset}: {len(original):,} real reviews of {products} products; {args.attacked} "
        f"products attacked (seed {args.seed}) with {fakes:,} fake reviews in all. Definitions: "
        "the docstring of `bench/spill.py`."
    )
    command = ".venv/bin/python -m bench.spill " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    text = markdown(results, command.strip(), setup, time.perf_counter() - started)
    print(text)
    if not args.no_docs:
        docs.write_section("spill", text)


if __name__ == "__main__":
    main()
