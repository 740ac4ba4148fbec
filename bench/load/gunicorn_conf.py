"""gunicorn settings for the load test: warm each worker up before it takes requests.

Two things are loaded lazily, once per process, and are slow the first time: the
trust text model that scores every posted review (a few seconds), and the catalogue
prior (a count of all visible reviews by star: a scan of a million rows). Without this
hook the first post and the first page each worker serves pay for them, and with sync
workers every request queued behind that worker waits too. Production deployments
want the same (the report of issue 7 suggests it for bin/prod).
"""

import contextlib
from typing import Any

# bin/prod's settings (JSON logs, gunicorn's own lines included); this file adds the warm-up.
from candor.ops.gunicorn_conf import logconfig_dict  # noqa: F401


def post_worker_init(worker: Any) -> None:
    from django.db import DatabaseError, connections

    from candor.reviews.rating import catalogue_prior
    from candor.reviews.services import ReviewDraft, live_trust

    live_trust(ReviewDraft(4, "Warm-up", "Loads the text model before the first request."))
    # A worker (re)started while the database is away must still boot: the first
    # request computes the prior instead (tests/faults/test_postgres_restart.py).
    with contextlib.suppress(DatabaseError):
        catalogue_prior()
    connections.close_all()
    worker.log.info("candor worker warm")  # bench/load.py waits for one per worker
