from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.importers import IMPORTERS
from candor.importers.base import RowError, StrictStop


class Command(BaseCommand):
    help = f"Import a file into Candor: candor import KIND PATH (kinds: {', '.join(IMPORTERS)})."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(IMPORTERS), help="what the file holds")
        parser.add_argument("path", type=Path, help="the file to import")
        parser.add_argument(
            "--strict", action="store_true", help="stop at the first bad row and save nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        importer = IMPORTERS[options["kind"]]()
        try:
            report = importer.run(path, strict=options["strict"])
        except StrictStop as stop:
            raise CommandError(f"{stop.rejection} (strict: nothing imported)") from None
        except RowError as error:
            raise CommandError(f"{path}: {error.field}: {error.reason}") from None
        for rejection in report.rejected:
            self.stderr.write(f"rejected {rejection}")
        self.stdout.write(report.summary())
