"""`candor evaluate`: trust analysis against the labelled datasets in ../shared/data.

One row per dataset and protocol: ``dataset, protocol, metric, value, published, source``.
The simple baselines are measured in the same run and reported as rows of their own,
so the table shows both. Text classifiers: `evaluate_text`; review metadata (behaviour,
bursts, graph) on Yelp: `evaluate_yelp`.
"""

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

FIELDS = ("dataset", "protocol", "metric", "value", "published", "source")


def all_rows(quick: bool, log: Callable[[str], None]) -> list[dict[str, Any]]:
    from research import evaluate_text, evaluate_yelp

    rows: list[Mapping[str, Any]] = []
    if evaluate_yelp.available():
        log("Yelp metadata: behaviour, bursts and lockstep signals ...")
        yelp = evaluate_yelp.evaluate(quick=quick, log=log)
        rows += yelp.rows + yelp.timing_rows
    else:
        log("Yelp metadata not found: skipped (set CANDOR_SHARED_DATA)")
    log("Text: deceptive and computer-generated review classifiers ...")
    rows += evaluate_text.text_rows(verbose=False)
    return [{field: row.get(field) for field in FIELDS} for row in rows]


def format_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "" if value is None else str(value)


def table(rows: Sequence[Mapping[str, Any]]) -> str:
    cells = [[format_value(row[field]) for field in FIELDS] for row in rows]
    lines = ["| " + " | ".join(FIELDS) + " |", "|" + "---|" * len(FIELDS)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in cells]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="candor evaluate",
        description="Evaluate trust analysis on the labelled datasets in ../shared/data.",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list of row objects")
    parser.add_argument("--quick", action="store_true", help="subsample for a fast smoke test")
    args = parser.parse_args(argv)
    rows = all_rows(args.quick, log=lambda message: print(message, file=sys.stderr))
    if not rows:
        print("no labelled datasets found", file=sys.stderr)
        return 2
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    return 0
