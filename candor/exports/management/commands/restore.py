from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candor.exports.backup import restore_all
from candor.exports.formats import BackupError


class Command(BaseCommand):
    help = (
        "Load a backup written by `candor export` into an EMPTY database (migrated, "
        "no rows), then rebuild every book's rating state."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the backup (.jsonl, .parquet or folder)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = restore_all(options["path"], say=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored {sum(counts.values())} rows from {options['path']}")
