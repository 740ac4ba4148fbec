"""`candor evaluate` prints one row per dataset, as a table or as JSON with fixed keys."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from research import evaluate, evaluate_text, evaluate_yelp

ROW = {
    "dataset": "op_spam_v1.4 positive",
    "protocol": "the 5 given folds",
    "metric": "accuracy",
    "value": 0.915,
    "published": 0.898,
    "source": "Ott et al. 2011",
    "extra": "not part of the contract",
}


@pytest.fixture
def stub_evaluators(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluate_yelp, "available", lambda root=None: True)
    result = evaluate_yelp.Evaluation(
        rows=[dict(ROW, dataset="YelpChi")],
        timing_rows=[dict(ROW, dataset="YelpChi", metric="reviews per second")],
        seconds=1.0,
    )
    monkeypatch.setattr(evaluate_yelp, "evaluate", lambda quick=False, root=None, log=None: result)
    monkeypatch.setattr(
        evaluate_text, "text_rows", lambda data_dir=None, workers=2, verbose=False: [ROW]
    )


def test_json_rows_have_exactly_the_documented_keys(stub_evaluators, capsys) -> None:
    assert evaluate.main(["--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["dataset"] for row in rows] == ["YelpChi", "YelpChi", "op_spam_v1.4 positive"]
    assert all(
        list(row) == ["dataset", "protocol", "metric", "value", "published", "source"]
        for row in rows
    )


def test_table_has_a_row_per_dataset(stub_evaluators, capsys) -> None:
    assert evaluate.main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "| dataset | protocol | metric | value | published | source |"
    assert (
        "| op_spam_v1.4 positive | the 5 given folds | accuracy | 0.915 | 0.898 | Ott et al. 2011 |"
        in out
    )


def test_the_candor_command_finds_the_evaluation_from_any_directory(tmp_path: Path) -> None:
    # research/ is an installed package: the command must not depend on the checkout as cwd.
    result = subprocess.run(
        [sys.executable, "-m", "candor.cli", "evaluate", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: candor evaluate" in result.stdout
