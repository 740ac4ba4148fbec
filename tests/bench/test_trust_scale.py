"""The trust-at-scale benchmark: a whole `candor score` run in its own process, its
driver's peak memory, and the per-stage timings read off its summary line."""

import sys
from pathlib import Path

import pytest

from bench import trust_scale
from candor.pipeline.trust import TrustReport


def test_stage_seconds_reads_the_summary_line_candor_score_prints() -> None:
    report = TrustReport(reviews=10, signals=("text",), seconds=3.25)
    report.stages = {"collect and text": 2.0, "combine, influence and reasons": 0.04, "x": 11}
    assert trust_scale.stage_seconds(report.text()) == {
        "collect and text": 2.0,
        "combine, influence and reasons": 0.0,
        "x": 11.0,
    }


def test_a_run_reports_its_peak_memory_and_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench.trust_scale", "--reviews", "3000", "--data", str(tmp_path), "--no-docs"]
    monkeypatch.setattr(sys, "argv", argv)
    trust_scale.main()
    report = capsys.readouterr().out
    row = next(line for line in report.splitlines() if line.startswith("| duckdb | 3,000 | "))
    peak = row.split(" | ")[4]
    assert peak.endswith(" MiB") and int(peak.split()[0].replace(",", "")) > 50
    prefix = "Trust summary (duckdb, 3,000): `"
    summary = next(line for line in report.splitlines() if line.startswith(prefix))
    stages = trust_scale.stage_seconds(summary)
    assert stages and all(f"| duckdb | 3,000 | {name} | " in report for name in stages)
    assert (tmp_path / "out-duckdb-3000" / "products.jsonl").stat().st_size > 0
