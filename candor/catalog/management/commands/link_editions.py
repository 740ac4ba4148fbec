"""`candor link-editions FILE`: link editions into works from a list of ISBNs.

One line per work: the ISBNs of its editions, separated by spaces, commas or
semicolons; the first ISBN's work is the one the others join. Every line is checked
before anything is stored: a bad line prints FILE:LINE: reason, and nothing is linked.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.catalog.editions import Actor, IsbnListError, LinkError, link_isbn_list


class Command(BaseCommand):
    help = "Link editions into works from a file of ISBN lists (one line per work)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the file of ISBN lists")
        parser.add_argument(
            "--note",
            default="",
            help="why these editions belong together (recorded with each link; "
            "default: the file's name)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: cannot read it as UTF-8 text: {error}") from None
        note = options["note"] or f"ISBN list {path.name}"
        try:
            changes = link_isbn_list(lines, str(path), Actor(None, f"link-editions {path}", note))
        except IsbnListError as error:
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(error.problems)} bad line(s): nothing linked") from None
        except LinkError as error:
            raise CommandError(f"{path}: {error}") from None
        for change in changes:
            moved = ", ".join(change.isbns)
            self.stdout.write(f"{change.source}: {moved} joined “{change.work_title}”")
        self.stdout.write(f"Linked {len(changes)} work(s) from {path}.")
