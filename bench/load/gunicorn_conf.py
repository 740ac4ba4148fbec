"""gunicorn settings for the load test: production's (`candor.ops.gunicorn_conf`: JSON logs
and a warm-up of each worker before it takes requests; bench/load.py waits for each
worker's "candor worker warm" line)."""

from candor.ops.gunicorn_conf import logconfig_dict, post_worker_init  # noqa: F401
