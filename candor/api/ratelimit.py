"""Write limits per token and per client address, counted in Django's cache.

Fixed windows of API_RATE_WINDOW_SECONDS: each write adds one to a counter kept for
the window; past the limit the client waits until the window ends (Retry-After).
The counters live in the configured cache. Each count is one `cache.incr`, exact when
that is atomic: local memory (one process) and Redis (REDIS_URL: INCR, shared by every
worker and machine). Django's file and database caches read, add and write back in
separate steps, so concurrent writes there can pass a limit by a few.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.errors import Throttled


def client_address(request: HttpRequest) -> str:
    """The client's address; behind API_TRUSTED_PROXIES proxies, taken from X-Forwarded-For."""
    proxies = settings.API_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def seconds_to_wait(scope: str, ident: str, limit: int) -> int | None:
    """Count one write for ident; the seconds to wait when it is over limit, else None."""
    window = max(1, settings.API_RATE_WINDOW_SECONDS)
    now = time.time()
    start = int(now // window) * window
    hashed = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    key = f"candor:api-rate:{scope}:{hashed}:{start}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the counter expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count > limit:
        return max(1, math.ceil(start + window - now))
    return None


def count_write(scope: str, ident: str, limit: int) -> None:
    """Raise Throttled (429 with Retry-After) when ident is over its write limit."""
    wait = seconds_to_wait(scope, ident, limit)
    if wait is not None:
        raise Throttled(wait=wait)
