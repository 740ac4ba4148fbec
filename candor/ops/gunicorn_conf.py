"""gunicorn's settings for production (`gunicorn -c python:candor.ops.gunicorn_conf`, as bin/prod).

Logging: gunicorn's own messages (booting, worker restarts, timeouts) become JSON lines on
stdout like the app's. Its access log is dropped: candor.request already writes one line per
request, with the duration measured inside the app.

Warm-up: each worker loads, before its first request, what is otherwise loaded lazily and
slowly the first time: the trust text model that scores every posted review (seconds) and
the catalogue prior (a count of all visible reviews by star). Without it the first post a
worker serves waits for the model, and with sync workers so does every request queued
behind it (measured in the load test, docs/benchmarks.md).
"""

import os
from typing import Any

from candor.ops.logging import json_logging

_level = os.environ.get("LOG_LEVEL", "INFO").upper()
logconfig_dict = json_logging(_level)
logconfig_dict["loggers"].update(
    {
        "gunicorn.error": {"handlers": ["stdout"], "level": _level, "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    }
)


def post_worker_init(worker: Any) -> None:
    from django.db import connections

    from candor.reviews.services import ReviewDraft, live_trust

    live_trust(ReviewDraft(4, "Warm-up", "Loads the text model before the first request."))
    connections.close_all()
    worker.log.info("candor worker warm")
