"""Fixtures for the `candor score` tests."""

import pyarrow as pa
import pytest

from research.synthetic import candor_table


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "spark: runs PySpark in local mode (a minute or two each); part of the default"
        " suite, run once by .ci/run (in its SQLite pass)",
    )


@pytest.fixture(scope="session")
def corpus() -> pa.Table:
    """600 reviews of 40 products in Candor's schema (seeded)."""
    return candor_table(600, 40, seed=7)
