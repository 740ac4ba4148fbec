"""Does `candor score` stay close to each book's own readers? On real Amazon samples.

    python -m bench.faithfulness [--datasets NAME ...] [--before-tree PATH] [--no-docs]

For each sample (`bench.real_data`), the reviews are written in Candor's file format
and scored by `candor score` (with trust, "now" = the newest review, as an operator
would run it); over products with at least 10 reviews, the table gives the median and
the 90th percentile of |Candor's rating - the plain average of the product's reviews|.

``--before-tree PATH`` also scores them with the Candor checked out at PATH (for
example ``git worktree add /tmp/candor-221796d 221796d``, the method before the rating
issue) and reports both, "before" and "now".
"""

import argparse
import csv
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench import docs
from bench.real_data import Corpus, load

DATASETS = ("amazon_books", "amazon_fashion", "amazon_electronics")
MIN_REVIEWS = 10
COLUMNS = (
    "review_id",
    "product_id",
    "reviewer_id",
    "rating",
    "created_at",
    "verified_purchase",
    "helpful_votes",
    "title",
    "text",
)


@dataclass
class Gaps:
    dataset: str
    products: int
    median: float
    p90: float


def write_corpus(corpus: Corpus, path: Path) -> None:
    """The sample as a Candor review file (the title and text in one text column)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(len(corpus)):
            created = datetime.fromtimestamp(float(corpus.seconds[i]), tz=UTC).isoformat()
            writer.writerow(
                [
                    f"r{i}",
                    f"p{corpus.product[i]}",
                    f"u{corpus.reviewer[i]}",
                    int(corpus.stars[i]),
                    created,
                    bool(corpus.verified[i]),
                    int(corpus.helpful[i]),
                    "",
                    corpus.text[i] if corpus.text is not None else "",
                ]
            )


def score(path: Path, out: Path, tree: Path | None, *options: str) -> dict[str, float]:
    """`candor score` of the file (from ``tree`` when given) with ``options``: the rating
    of each product id."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    command = [sys.executable, "-m", "candor.cli", "score", str(path), "--out", str(out), *options]
    subprocess.run(command, check=True, env=env, capture_output=True, cwd=tree or None)
    ratings = {}
    with (out / "products.jsonl").open() as handle:
        for line in handle:
            row = json.loads(line)
            ratings[row["product_id"]] = row["rating"]
    return ratings


def gaps(corpus: Corpus, ratings: dict[str, float]) -> Gaps:
    counts = np.bincount(corpus.product)
    sums = np.bincount(corpus.product, corpus.stars)
    chosen = np.flatnonzero(counts >= MIN_REVIEWS)
    found = [
        abs(ratings[f"p{p}"] - sums[p] / counts[p])
        for p in chosen.tolist()
        if ratings.get(f"p{p}") is not None
    ]
    return Gaps(corpus.name, len(found), float(np.median(found)), float(np.quantile(found, 0.9)))


def measure(names: list[str], tree: Path | None) -> list[Gaps]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            corpus = load(name)
            path = Path(folder) / f"{name}.csv"
            write_corpus(corpus, path)
            results.append(gaps(corpus, score(path, Path(folder) / f"{name}-out", tree)))
    return results


def markdown(now: list[Gaps], before: list[Gaps] | None, command: str, seconds: float) -> str:
    lines = [
        "## Faithfulness: `candor score` against each book's own readers",
        "",
        f"Measured {docs.today()} on {docs.machine_line()}.",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Over products with at least {MIN_REVIEWS} reviews: |Candor's rating - the plain "
        "average of the product's reviews|, in stars (`candor score` with trust; the "
        "issue's bounds: median at most 0.10, 90th percentile at most 0.30). Definitions: "
        "the docstring of `bench/faithfulness.py`.",
        "",
    ]
    if before is None:
        lines += ["| sample | products | median | 90th percentile |", "|---|---:|---:|---:|"]
        lines += [f"| {g.dataset} | {g.products} | {g.median:.3f} | {g.p90:.3f} |" for g in now]
    else:
        lines += [
            "| sample | products | median, before | median, now | 90th pct, before | 90th pct, now |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {g.dataset} | {g.products} | {b.median:.3f} | {g.median:.3f} | "
            f"{b.p90:.3f} | {g.p90:.3f} |"
            for g, b in zip(now, before, strict=True)
        ]
    lines += ["", f"Run time: {seconds:.0f} s."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--before-tree", type=Path, help="also score with the Candor at PATH")
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    now = measure(args.datasets, None)
    before = measure(args.datasets, args.before_tree) if args.before_tree else None
    command = ".venv/bin/python -m bench.faithfulness " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    text = markdown(now, before, command.strip(), time.perf_counter() - started)
    print(text)
    if not args.no_docs:
        docs.write_section("faithfulness", text)


if __name__ == "__main__":
    main()
