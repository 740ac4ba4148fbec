"""The trust-on-the-engine benchmark: both paths run, in pairs, and write the same files."""

import sys

import pytest

from bench import trust_engine
from candor.pipeline.stages import engine_signals
from candor.trust.score import ALL_SIGNALS


def test_both_paths_score_the_same_and_the_report_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench.trust_engine", "--reviews", "2000", "--pairs", "2", "--no-docs"]
    monkeypatch.setattr(sys, "argv", argv)
    trust_engine.main()
    report = capsys.readouterr().out
    assert "byte for\nbyte: **yes**" in report
    on_engine = " and ".join(engine_signals(ALL_SIGNALS))
    assert on_engine == (
        "new_accounts and behaviour and bursts and lockstep and changepoint and relevance and text"
    )
    assert f"where the engine runs\n{on_engine}, then combines" in report
    assert report.count("| 1 |") == 1 and report.count("| 2 |") == 1
    assert "trust: 2,000 reviews analysed" in report
