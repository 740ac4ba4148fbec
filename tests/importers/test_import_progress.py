"""The import progress bar: rows per second and time remaining on a terminal, quiet elsewhere."""

import io
from pathlib import Path

from rich.console import Console

from candor.importers.progress import UPDATE_EVERY, ImportProgress


def run_bar(path: Path, console: Console) -> None:
    with ImportProgress(path, console=console) as bar:
        bar.follow(lambda: path.stat().st_size // 2)
        for _ in range(UPDATE_EVERY * 2):
            bar.advance()
        bar.progress.refresh()


def test_on_a_terminal_the_bar_shows_rows_per_second_and_time_remaining(tmp_path) -> None:
    path = tmp_path / "reviews.jsonl"
    path.write_text("{}\n" * 1000)
    out = io.StringIO()
    run_bar(path, Console(file=out, force_terminal=True, width=120))
    shown = out.getvalue()
    assert "reviews.jsonl" in shown
    assert f"{UPDATE_EVERY * 2:,} rows" in shown and "rows/s" in shown
    assert "50%" in shown or "100%" in shown
    assert "-:--:--" in shown or "0:00:0" in shown  # rich's time-remaining column


def test_without_a_terminal_nothing_is_drawn(tmp_path) -> None:
    path = tmp_path / "reviews.jsonl"
    path.write_text("{}\n")
    out = io.StringIO()
    run_bar(path, Console(file=out, force_terminal=False))
    assert out.getvalue() == ""
