"""The WSGI application gunicorn serves in production (`gunicorn candor.wsgi`, see bin/prod)."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    # One readable line instead of a traceback per worker; exit code 3 tells gunicorn the
    # worker cannot boot, so it stops instead of restarting workers forever.
    print(f"candor: configuration error: {error}", file=sys.stderr, flush=True)
    sys.exit(3)
