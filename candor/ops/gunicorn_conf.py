"""gunicorn's settings for production (`gunicorn -c python:candor.ops.gunicorn_conf`, as bin/prod).

Only logging: gunicorn's own messages (booting, worker restarts, timeouts) become JSON lines on
stdout like the app's. Its access log is dropped: candor.request already writes one line per
request, with the duration measured inside the app.
"""

import os

from candor.ops.logging import json_logging

_level = os.environ.get("LOG_LEVEL", "INFO").upper()
logconfig_dict = json_logging(_level)
logconfig_dict["loggers"].update(
    {
        "gunicorn.error": {"handlers": ["stdout"], "level": _level, "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    }
)
