import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.importers import IMPORTERS
from candor.importers.base import RowError, StrictStop

# Rejections printed to stderr; the rejects file has them all.
PRINTED_REJECTIONS = 20


class Command(BaseCommand):
    help = f"Import a file into Candor: candor import KIND PATH (kinds: {', '.join(IMPORTERS)})."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(IMPORTERS), help="what the file holds")
        parser.add_argument("path", type=Path, help="the file to import (.gz accepted)")
        parser.add_argument(
            "--strict", action="store_true", help="stop at the first bad row and save nothing"
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="load a large file as one transaction; on PostgreSQL the review tables' "
            "indexes and foreign keys are rebuilt after the load, and other sessions "
            "wait for it (for a first load or a quiet site)",
        )
        parser.add_argument(
            "--count-verified",
            action="store_true",
            help="amazon: the file's verified-purchase flags make reviews verified purchases "
            "(only for a file from a shop whose orders you trust; by default a review is "
            "verified only by orders recorded in Candor)",
        )
        parser.add_argument(
            "--user",
            help="goodreads, storygraph: the username the export's ratings and reviews belong to",
        )
        parser.add_argument(
            "--rejects",
            type=Path,
            help="where to write the rejected rows as JSON lines (default PATH.rejects.jsonl)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            importer = IMPORTERS[options["kind"]](
                user=options["user"], bulk=options["bulk"], count_verified=options["count_verified"]
            )
            report = importer.run(
                path,
                strict=options["strict"],
                rejects=options["rejects"],
                progress=sys.stderr.isatty(),
            )
        except StrictStop as stop:
            raise CommandError(f"{stop.rejection} (strict: nothing imported)") from None
        except RowError as error:
            where = f"{path}:{error.line}" if error.line is not None else str(path)
            raise CommandError(f"{where}: {error.field}: {error.reason}") from None
        for rejection in report.rejections[:PRINTED_REJECTIONS]:
            self.stderr.write(f"rejected {rejection}")
        if report.rejected > PRINTED_REJECTIONS:
            self.stderr.write(f"... and {report.rejected - PRINTED_REJECTIONS} more rejected rows")
        self.stdout.write(report.summary())
        if report.cut is not None:
            raise CommandError(f"{report.cut} (the good rows before it were imported)")
        if report.rejected and report.rejected == report.rows:
            first = report.rejections[0]
            raise CommandError(f"nothing imported: every row was rejected (first: {first})")
