"""Running Candor in production: health check, request logs, sign-in throttling.

Nothing here is imported by the settings module except `logging.json_logging`, which is plain
Python, so the settings can build the logging configuration before Django is set up.
"""
