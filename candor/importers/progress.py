"""A rich progress bar for imports: rows read, rows per second and time remaining.

Completion is measured in bytes of the file (compressed bytes for .gz), the only
total known before reading it; the rate shown is rows per second. Quiet when
stderr is not a terminal (pipes, CI, tests).
"""

from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

# Refresh the bar every this many rows (reading a file position is cheap, rendering not).
UPDATE_EVERY = 2000


class RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        rows = task.fields.get("rows", 0)
        elapsed = task.elapsed or 0.0
        rate = rows / elapsed if elapsed > 0 else 0.0
        return Text(f"{rows:,} rows · {rate:,.0f} rows/s")


class ImportProgress:
    def __init__(self, path: Path, enabled: bool = True, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.enabled = enabled and self.console.is_terminal
        self.total = path.stat().st_size if path.exists() else 0
        self.rows = 0
        self.position: Callable[[], int] = lambda: 0
        self.progress = Progress(
            TextColumn(f"[bold]{path.name}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            RowsPerSecond(),
            TimeRemainingColumn(),
            console=self.console,
            disable=not self.enabled,
        )
        self.task = self.progress.add_task("import", total=self.total or None, rows=0)

    def follow(self, position: Callable[[], int]) -> None:
        """Measure completion with position() (bytes read from the file so far)."""
        self.position = position

    def advance(self) -> None:
        self.rows += 1
        if self.enabled and self.rows % UPDATE_EVERY == 0:
            self.progress.update(self.task, completed=self.position(), rows=self.rows)

    def __enter__(self) -> "ImportProgress":
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.progress.update(self.task, completed=self.total, rows=self.rows)
        self.progress.stop()
