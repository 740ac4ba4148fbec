from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from candor.exports.backup import export_all


class Command(BaseCommand):
    help = (
        "Write the whole catalogue, all reviews (with trust, weights and moderation state), "
        "orders, votes, reports and users to PATH: PATH.jsonl (one file), PATH.parquet "
        "(a folder of Parquet files) or a folder of JSONL files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="where to write the backup")
        parser.add_argument(
            "--with-password-hashes",
            action="store_true",
            help="include users' password hashes (else restored users reset their password)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = export_all(options["path"], with_passwords=options["with_password_hashes"])
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} rows")
        self.stdout.write(f"Exported {sum(counts.values())} rows to {options['path']}")
