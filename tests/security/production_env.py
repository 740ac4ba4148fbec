"""Environment for running Candor in production mode in a subprocess or a fresh settings load."""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# 64 random-looking characters; only ever used by tests.
TEST_SECRET_KEY = "t3st-only-Zq8wX2pL9vR4mN7kJ1hG6fD3sA0yU5iO8eW2qT7rY4uP1oI9lK6jH3gF"


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The process environment with every production variable set; overrides win.

    The database is the suite's own (DATABASE_URL) or a SQLite file in tmp_path.
    """
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process (Playwright's
    # event loop); a production server never has it.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CANDOR_", "SECURE_")) and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        CANDOR_MODE="production",
        SECRET_KEY=TEST_SECRET_KEY,
        ALLOWED_HOSTS="candor.example.com,127.0.0.1",
        DATABASE_URL=os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        DEBUG="",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}
