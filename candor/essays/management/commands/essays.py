from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.essays.importer import import_folder


class Command(BaseCommand):
    help = "Review essays. `essays import FOLDER`: load essays from Markdown or HTML files."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser(
            "import",
            help="import a folder of essays (Markdown or HTML with front matter); "
            "essays already there are left as they are",
        )
        load.add_argument("folder", type=Path)
        load.add_argument(
            "--update",
            action="store_true",
            help="overwrite essays that already exist with the content of their files",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["folder"]
        try:
            report = import_folder(folder, update=options["update"])
        except FileNotFoundError as error:
            raise CommandError(str(error)) from error
        for name in report.created:
            self.stdout.write(f"created: {name}")
        for name in report.updated:
            self.stdout.write(f"updated: {name}")
        for name, reason in report.rejected:
            self.stderr.write(f"{name}: {reason}")
        self.stdout.write(f"Essays: {report.summary()}.")
