"""How long the fuzz tests run: a short budget in CI, a long one on request.

    CANDOR_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/fuzz -q

Each fuzz test tries CANDOR_FUZZ_EXAMPLES inputs (default 40, which keeps the whole
folder well under a minute). Hypothesis keeps the failing inputs it finds in its
example database and tries them first next time.
"""

import os

from hypothesis import HealthCheck, settings


def examples(default: int = 40) -> int:
    raw = os.environ.get("CANDOR_FUZZ_EXAMPLES", "")
    return int(raw) if raw.strip() else default


def fuzz_settings(default: int = 40) -> settings:
    return settings(
        max_examples=examples(default),
        deadline=None,  # database round trips vary; only crashes matter here
        # The database fixture is per test, not per example: examples share it, which is
        # what an importer meets anyway (a catalogue that earlier imports filled).
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
