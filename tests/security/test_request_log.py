"""Structured logs: one JSON line per request with method, path, status and duration."""

import json
import logging
import sys

import pytest

from candor.ops.logging import JsonFormatter

pytestmark = pytest.mark.django_db


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "candor.request"]


def test_each_request_is_logged_once_with_its_fields(client, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="candor.request"):
        client.get("/healthz")
        client.get("/no-such-page/")
    first, second = request_records(caplog)
    assert (first.method, first.path, first.status) == ("GET", "/healthz", 200)
    assert (second.path, second.status) == ("/no-such-page/", 404)
    assert isinstance(first.duration_ms, float) and first.duration_ms >= 0


def test_formatter_writes_one_parseable_json_line(client, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="candor.request"):
        client.get("/search/", {"q": 'line\nbreak "quoted"'})
    (record,) = request_records(caplog)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["method"] == "GET" and entry["path"] == "/search/" and entry["status"] == 200
    assert entry["level"] == "INFO" and entry["logger"] == "candor.request"
    assert set(entry) >= {"time", "message", "duration_ms"}


def test_formatter_keeps_the_traceback_of_an_error() -> None:
    try:
        raise ValueError("broken")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.makeLogRecord(
        {"name": "candor.test", "levelname": "ERROR", "msg": "failed", "exc_info": exc_info}
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "ERROR" and "ValueError: broken" in entry["exception"]
