"""Which engine runs and where: pyspark optional, the Spark master, shuffle partitions."""

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from pipeline_helpers import run_score

from candor.pipeline import cli
from candor.pipeline.engines import pick_master, shuffle_partitions
from research.synthetic import write


@pytest.fixture
def no_pyspark(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyspark not installed: importing it raises ImportError (as without the extra)."""
    for name in list(sys.modules):
        if name == "pyspark" or name.startswith("pyspark."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)


def test_spark_without_pyspark_fails_with_one_line_naming_the_install(
    tmp_path: Path, corpus: pa.Table, no_pyspark: None, capsys: pytest.CaptureFixture[str]
):
    data = write(corpus, tmp_path / "in.parquet")
    status = cli.main([str(data), "--out", str(tmp_path / "out"), "--engine", "spark"])
    error = capsys.readouterr().err
    assert status == 2
    assert error.count("\n") == 1
    assert "pyspark" in error and "pip install -e '.[spark]'" in error
    assert not (tmp_path / "out").exists()  # failed before reading or writing anything


def test_duckdb_scores_without_pyspark(tmp_path: Path, corpus: pa.Table, no_pyspark: None):
    data = write(corpus, tmp_path / "in.parquet")
    scored = run_score(data, tmp_path / "out")
    assert len(scored.reviews) == corpus.num_rows
    assert scored.products


def test_master_given_wins_over_the_configured_one():
    assert pick_master("spark://head:7077", "yarn", 8) == "spark://head:7077"


def test_configured_master_is_kept():
    # spark-submit --master yarn: the session keeps yarn (None: set no master).
    assert pick_master(None, "yarn", 8) is None
    assert pick_master(None, "local[3]", 8) is None


def test_local_mode_only_when_nothing_is_configured():
    assert pick_master(None, None, 6) == "local[6]"
    assert pick_master(None, "", 0) == "local[1]"
    # What Spark's launcher sets when no --master was given: --threads (or every core).
    assert pick_master(None, "local[*]", 2) == "local[2]"


def test_shuffle_partitions_follow_the_corpus_or_the_flag():
    assert shuffle_partitions(rows=50_000, given=None, parallelism=2) == 2
    assert shuffle_partitions(rows=29_000_000, given=None, parallelism=2) == 29
    assert shuffle_partitions(rows=29_000_000, given=None, parallelism=64) == 64
    assert shuffle_partitions(rows=10**12, given=None, parallelism=2) == 10_000
    assert shuffle_partitions(rows=29_000_000, given=7, parallelism=64) == 7


SHOW_SESSION = """
from candor.pipeline.engines import connect
engine = connect("spark", *{args})
engine.set_partitions(3_500_000, None)
print(engine.session.sparkContext.master)
print(engine.session.conf.get("spark.sql.shuffle.partitions"))
engine.close()
"""


def _session(args: tuple[object, ...], env: dict[str, str]) -> list[str]:
    import os

    done = subprocess.run(
        [sys.executable, "-c", SHOW_SESSION.format(args=repr(args))],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.spark
def test_spark_keeps_the_master_spark_submit_configured():
    # spark-submit hands its options to the JVM as PYSPARK_SUBMIT_ARGS does here.
    submitted = {"PYSPARK_SUBMIT_ARGS": "--master local[1] pyspark-shell"}
    assert _session((None, 2), submitted) == ["local[1]", "4"]
    assert _session(("local[2]", 2), submitted) == ["local[2]", "4"]
    assert _session((None, 2), {"PYSPARK_SUBMIT_ARGS": "pyspark-shell"}) == ["local[2]", "4"]
