"""The install sets (docs/development.md): production gets no test, benchmark or Spark
packages; the development set, which bin/test and CI install, gets pyspark."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def locked(name: str) -> set[str]:
    text = (ROOT / name).read_text()
    return {match.lower() for match in re.findall(r"^([A-Za-z0-9_.\-]+)==", text, re.M)}


def extra(name: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["optional-dependencies"][name]
    return {re.match(r"[A-Za-z0-9_.\-]+", req).group(0).lower() for req in requirements}


def test_runtime_lock_has_no_dev_load_or_spark_package():
    runtime = locked("requirements.lock")
    for name in ("dev", "load", "spark"):
        assert not extra(name) & runtime, name
    assert {"pyspark", "pypdf", "playwright", "schemathesis", "locust", "pytest"}.isdisjoint(
        runtime
    )
    assert {"django", "ibis-framework", "duckdb", "gunicorn", "typst"} <= runtime


def test_dev_set_has_spark_and_the_spark_set_no_dev_tools():
    assert extra("spark") | extra("dev") <= locked("requirements-dev.lock")
    spark = locked("requirements-spark.lock")
    assert "pyspark" in spark and not extra("dev") & spark


def test_production_and_the_demo_install_the_runtime_set():
    assert "bin/setup runtime\n" in (ROOT / "bin/prod").read_text()
    # bin/run keeps a developer's set; a fresh clone gets the runtime set.
    assert "bin/setup current\n" in (ROOT / "bin/run").read_text()
    assert "bin/setup dev\n" in (ROOT / "bin/test").read_text()
