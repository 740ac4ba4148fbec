"""`candor score` as other tools call it: the installed command, in a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from pipeline_helpers import assert_rows_close

from research.synthetic import write

CANDOR = Path(sys.executable).with_name("candor")
BAD_ROW = "r-bad,p1,u1,9,2024-05-01,true,0,,\n"


def candor(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CANDOR), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_score_writes_the_three_files_and_a_summary(tmp_path: Path, corpus: pa.Table):
    data = write(corpus, tmp_path / "in.csv")
    with data.open("a") as out:
        out.write(BAD_ROW)
    # A Django settings module that cannot be imported: scoring must not need it.
    done = candor(
        "score", data, "--out", tmp_path / "out", env={"DJANGO_SETTINGS_MODULE": "nowhere"}
    )
    assert done.returncode == 0, done.stderr
    assert f"rejected: {data}:{corpus.num_rows + 2}: rating: not a whole number" in done.stderr
    assert f"{corpus.num_rows + 1:,} rows read from 1 file(s)" in done.stderr
    assert f"{corpus.num_rows:,} reviews scored, 1 rejected" in done.stderr
    assert "\x1b[" not in done.stderr  # no progress bar when stderr is not a terminal
    assert len(lines(tmp_path / "out/reviews.jsonl")) == corpus.num_rows
    assert len(lines(tmp_path / "out/rejects.jsonl")) == 1
    assert lines(tmp_path / "out/products.jsonl")


def test_now_option_makes_runs_identical(tmp_path: Path, corpus: pa.Table):
    data = write(corpus, tmp_path / "in.parquet")
    for name in ("a", "b"):
        done = candor("score", data, "--out", tmp_path / name, "--now", "2025-02-01T00:00:00Z")
        assert done.returncode == 0, done.stderr
        assert "now = 2025-02-01T00:00:00+00:00" in done.stderr
    for name in ("products.jsonl", "reviews.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_strict_exits_non_zero_and_bad_input_exits_2(tmp_path: Path, corpus: pa.Table):
    data = write(corpus.slice(0, 20), tmp_path / "in.csv")
    with data.open("a") as out:
        out.write(BAD_ROW)
    done = candor("score", data, "--out", tmp_path / "out", "--strict")
    assert done.returncode == 1
    assert f"stopped at a bad row (--strict): {data}:22: rating" in done.stderr
    assert not (tmp_path / "out/products.jsonl").exists()
    missing = candor("score", tmp_path / "nothing.csv", "--out", tmp_path / "out")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    bad_now = candor("score", data, "--out", tmp_path / "out", "--now", "soon")
    assert bad_now.returncode == 2 and "--now" in bad_now.stderr


def test_scoring_imports_no_django(tmp_path: Path, corpus: pa.Table):
    data = write(corpus.slice(0, 50), tmp_path / "in.parquet")
    code = (
        "import sys\n"
        "from candor.cli import main\n"
        f"try:\n    main(['score', {str(data)!r}, '--out', {str(tmp_path / 'out')!r}])\n"
        "except SystemExit as stop:\n    assert stop.code == 0, stop.code\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.spark
def test_spark_and_duckdb_give_the_same_files(tmp_path: Path, corpus: pa.Table):
    """The same Ibis pipeline on both engines, on a folder of mixed files with a bad row,
    trust analysis included."""
    folder = tmp_path / "in"
    folder.mkdir()
    write(corpus.slice(0, 250), folder / "a.parquet")
    bad = write(corpus.slice(250, 200), folder / "b.csv")
    with bad.open("a") as out:
        out.write(BAD_ROW)
    write(corpus.slice(450), folder / "c.jsonl.gz")
    results = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine
        done = candor("score", folder, "--out", out, "--engine", engine, "--threads", "2")
        assert done.returncode == 0, done.stderr[-3000:]
        results[engine] = {
            name: lines(out / f"{name}.jsonl") for name in ("products", "reviews", "rejects")
        }
    duckdb, spark = results["duckdb"], results["spark"]
    assert len(duckdb["reviews"]) == corpus.num_rows
    assert duckdb["rejects"] == spark["rejects"] and len(spark["rejects"]) == 1
    # Trust analysis is on by default: it ran, and changed weights and ratings.
    assert any(row["trust"] < 1.0 and row["reasons"] for row in spark["reviews"])
    assert any(
        f["code"] == "trust" and f["delta"] for p in spark["products"] for f in p["explanation"]
    )
    assert_rows_close(duckdb["products"], spark["products"])
    assert_rows_close(duckdb["reviews"], spark["reviews"])


@pytest.mark.spark
def test_spark_and_duckdb_find_the_same_now_in_parquet_files(tmp_path: Path, corpus: pa.Table):
    """Without --now, from Parquet files only: all rows valid (now from the date column's
    maximum) and with a bad row (now from a pass over the valid rows)."""
    clean = tmp_path / "clean"
    clean.mkdir()
    write(corpus.slice(0, 300), clean / "a.parquet")
    write(corpus.slice(300), clean / "b.parquet")
    dirty = tmp_path / "dirty"
    dirty.mkdir()
    write(corpus.slice(0, 300), dirty / "a.parquet")
    ratings = corpus["rating"].to_pylist()
    ratings[305] = 9
    rating = corpus.schema.get_field_index("rating")
    write(corpus.set_column(rating, "rating", pa.array(ratings)).slice(300), dirty / "b.parquet")
    for folder, rejected in ((clean, 0), (dirty, 1)):
        results = {}
        for engine in ("duckdb", "spark"):
            out = tmp_path / f"{folder.name}-{engine}"
            done = candor("score", folder, "--out", out, "--engine", engine, "--threads", "2")
            assert done.returncode == 0, done.stderr[-3000:]
            assert "now = " in done.stderr
            now = done.stderr.split("now = ")[1].split(";")[0]
            results[engine] = (
                now,
                {name: lines(out / f"{name}.jsonl") for name in ("products", "reviews", "rejects")},
            )
        (duckdb_now, duckdb), (spark_now, spark) = results["duckdb"], results["spark"]
        assert duckdb_now == spark_now
        assert len(duckdb["rejects"]) == len(spark["rejects"]) == rejected
        assert_rows_close(duckdb["products"], spark["products"])
        assert_rows_close(duckdb["reviews"], spark["reviews"])
