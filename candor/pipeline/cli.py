"""`candor score INPUT --out DIR`: score a whole corpus without the web database.

A stable interface other tools call. Exit status: 0 done (rejected rows, if any, are
reported and skipped); 1 stopped by --strict at a bad row; 2 bad arguments or input.
"""

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

DESCRIPTION = """Score a corpus of reviews: INPUT is a file or folder of JSON Lines (.jsonl,
optionally .gz), CSV or Parquet, in Candor's schema or the Amazon Reviews 2023 format
(detected from the columns). Writes DIR/products.jsonl (one rating per product),
DIR/reviews.jsonl (each review's trust, weight and reasons) and DIR/rejects.jsonl (rows
that could not be scored, with file, line and reason); with --format parquet, the same
as products.parquet, reviews.parquet and rejects.parquet. Trust analysis (every signal of
candor.trust, over the whole corpus) is on unless --no-trust."""


def parse_now(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date or time: {text!r}") from error
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(prog="candor score", description=DESCRIPTION)
    result.add_argument("input", type=Path, metavar="INPUT", help="file or folder to score")
    result.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder for the output files (with --format parquet, any path the engine's "
        "writer accepts, e.g. s3a://bucket/run on Spark)",
    )
    result.add_argument(
        "--format",
        choices=("jsonl", "parquet"),
        default="jsonl",
        help="output format: JSON Lines (default), or Parquet written by the engine",
    )
    result.add_argument(
        "--now",
        type=parse_now,
        help="today, ISO 8601 (a time without an offset is UTC): a review dated later "
        "counts as posted then (default: the newest review's time; ratings do not "
        "otherwise depend on it)",
    )
    result.add_argument(
        "--engine", choices=("duckdb", "spark"), default="duckdb", help="default: duckdb"
    )
    result.add_argument(
        "--master",
        metavar="URL",
        help="Spark master URL for --engine spark (default: the one spark-submit or the "
        "Spark configuration gives, else local[N], N = CPU cores)",
    )
    result.add_argument(
        "--partitions",
        type=int,
        metavar="N",
        help="Spark shuffle partitions for --engine spark (default: one per million "
        "reviews, at least one per core)",
    )
    result.add_argument("--threads", type=int, metavar="N", help="threads or local Spark cores")
    result.add_argument(
        "--strict", action="store_true", help="stop at the first bad row (exit status 1)"
    )
    result.add_argument(
        "--count-verified",
        action="store_true",
        help="let the input's verified-purchase flags weigh (only for a file from a shop "
        "whose orders you trust; by default they weigh nothing, as whoever made the file "
        "can set them)",
    )
    result.add_argument(
        "--no-trust",
        action="store_true",
        help="skip trust analysis: every review has trust 1 and no reasons (faster)",
    )
    return result


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.master and args.engine != "spark":
        parser().error("--master needs --engine spark")
    if args.partitions is not None and (args.engine != "spark" or args.partitions < 1):
        parser().error("--partitions needs --engine spark and a number of at least 1")
    from candor.pipeline.engines import EngineUnavailable, require

    try:
        require(args.engine)
    except EngineUnavailable as error:
        print(f"candor score: {error}", file=sys.stderr)
        return 2
    from candor.pipeline.run import InputError, Options, StrictStop, score_corpus
    from candor.pipeline.trust import CorpusTrust

    options = Options(
        input=args.input,
        out=args.out,
        engine=args.engine,
        master=args.master,
        partitions=args.partitions,
        now=args.now,
        strict=args.strict,
        threads=args.threads,
        trust=None if args.no_trust else CorpusTrust(),
        progress=sys.stderr.isatty(),
        count_verified=args.count_verified,
        format=args.format,
    )
    try:
        summary = score_corpus(options)
    except InputError as error:
        print(f"candor score: {error}", file=sys.stderr)
        return 2
    except StrictStop as stop:
        print(f"candor score: stopped at a bad row (--strict): {stop.rejection}", file=sys.stderr)
        return 1
    print(summary.text(), file=sys.stderr)
    return 0
