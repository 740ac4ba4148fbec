"""JSON-lines logs: one object per line on stdout, easy for any log collector to parse."""

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else was passed through `extra=` and is kept.
_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            # Which server process wrote it: gunicorn runs several workers.
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def json_logging(level: str) -> dict[str, Any]:
    """A LOGGING setting that sends every logger's records to stdout as JSON lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # Django's own handlers would print the same error again, unformatted.
            "django": {"handlers": ["stdout"], "level": level, "propagate": False},
            # Our request line replaces Django's per-request warnings for 4xx answers.
            "django.request": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
            "django.server": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
        },
    }
