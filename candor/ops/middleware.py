import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

request_log = logging.getLogger("candor.request")


class RequestLogMiddleware:
    """One log record per request: method, path, status and duration in milliseconds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )


class RefuseNullCharacters:
    """A 400 for addresses carrying a NUL character (%00) in the path or the query.

    No page or API field accepts one, and PostgreSQL cannot store or even compare text
    containing it, so such a request would otherwise end in a database error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = (value for values in request.GET.lists() for value in [values[0], *values[1]])
        if "\x00" in request.path or any("\x00" in value for value in query):
            return null_character_refusal(request)
        return self.get_response(request)


def null_character_refusal(request: HttpRequest) -> HttpResponse:
    message = "The address contains a null character (%00), which is never valid here."
    if request.path.startswith("/api/"):
        error = {"code": "bad_request", "message": message, "fields": {}}
        return JsonResponse({"error": error}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
