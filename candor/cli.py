"""The `candor` command: Candor's stable command-line interface.

Subcommands that need the web database run as Django management commands
(`candor demo`, `candor import`, and any other management command such as
`candor migrate` or `candor createsuperuser`); `candor serve` wraps runserver.
"""

import argparse
import os
import sys

USAGE = """usage: candor COMMAND [ARGS]

commands:
  demo                      migrate the database and load the demo catalogue
  serve [--port N]          serve the site on http://127.0.0.1:N (default 8000)
  import KIND PATH          import a file (kinds: amazon, books, goodreads, storygraph,
                            orders); see `candor import --help`
  export PATH               back up the whole site (.jsonl, .parquet or a folder)
  restore PATH              load a backup into an empty database
  score INPUT --out DIR     score a corpus of reviews without the web database;
                            see `candor score --help`
  link-editions FILE        link editions into works from lines of ISBNs (one work
                            per line); a bad line stores nothing (docs/editions.md)
  trust                     run every trust signal over the site's reviews and re-rate
                            the books they change (schedule it, e.g. nightly)
  covers [--limit N]        fetch book covers (from import addresses, else Open Library
                            by ISBN); needs internet; see `candor covers --help`
  essays import FOLDER      import review essays (Markdown or HTML with front matter)
  evaluate [--json]         trust analysis against the labelled datasets in ../shared/data
  manage ARGS...            any Django management command (same as `candor ARGS...`)
"""


# Commands spelt with a hyphen on the command line, as Django names them.
COMMAND_NAMES = {"link-editions": "link_editions"}


def run_django(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["candor", *argv])


def serve(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="candor serve", description="Serve Candor locally.")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    parser.add_argument("--reload", action="store_true", help="restart when code changes")
    args = parser.parse_args(argv)
    if not 1 <= args.port <= 65535:
        parser.error(f"--port must be between 1 and 65535, got {args.port}")
    extra = [] if args.reload else ["--noreload"]
    # --insecure: static files are served with DEBUG off too (bin/run turns it off so that a
    # visitor sees Candor's error pages, not Django's debug page).
    run_django(["runserver", f"127.0.0.1:{args.port}", "--insecure", *extra])


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return
    command, rest = args[0], args[1:]
    if command == "score":
        # Before (and without) Django: scoring needs no web database.
        from candor.pipeline.cli import main as score

        sys.exit(score(rest))
    if command == "evaluate":
        from research.evaluate import main as evaluate

        sys.exit(evaluate(rest))
    if command == "serve":
        serve(rest)
    elif command == "manage":
        run_django(rest)
    else:
        run_django([COMMAND_NAMES.get(command, command), *rest])


if __name__ == "__main__":
    main()
