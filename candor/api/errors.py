"""One error shape for the whole API: {"error": {"code", "message", "fields"}}.

Every failure a client can cause maps to a status code and a stable code string:
ninja's own validation and parsing errors, Django's 404s, model validation, and
(through the middleware below) unknown routes and methods under /api/.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as ModelValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
}


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, str]


class ErrorOut(Schema):
    error: ErrorDetail


# What each kind of operation may answer besides success (documented in the schema).
READ_ERRORS: dict[int, type[ErrorOut]] = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[ErrorOut]] = {
    status: ErrorOut for status in (400, 401, 403, 404, 409, 413, 422, 429)
}


class ApiError(HttpError):
    """A refusal with a status, a stable code and optional per-field reasons."""

    def __init__(
        self, status: int, message: str, code: str = "", fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, message)
        self.code = code or CODES.get(status, "error")
        self.fields = fields or {}


def error_body(status: int, message: str, code: str = "", fields: Any = None) -> dict[str, Any]:
    return {
        "error": {
            "code": code or CODES.get(status, "error"),
            "message": message,
            "fields": fields or {},
        }
    }


def field_name(location: Any) -> str:
    """'body.rating' -> 'rating', 'query.limit' -> 'limit' (the part a client sent)."""
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in {"data", "payload", "filters"}:
        parts = parts[1:]
    return ".".join(parts) or "request"


def install(api: NinjaAPI) -> None:
    """Register the handlers that give every error the one shape."""

    def respond(
        request: HttpRequest, status: int, message: str, code: str = "", fields: Any = None
    ) -> HttpResponse:
        return api.create_response(
            request, error_body(status, message, code, fields), status=status
        )

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status_code, exc.message, exc.code, exc.fields)

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = max(1, int(getattr(exc, "wait", None) or 1))
        response = respond(request, 429, f"Too many writes: try again in {wait} seconds.")
        response["Retry-After"] = str(wait)
        return response

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(request, 401, "Send a valid API token: Authorization: Bearer <token>.")
        response["WWW-Authenticate"] = 'Bearer realm="candor"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, str(exc))

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        # Django refuses the body from its Content-Length, before reading any of it.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return respond(request, 413, f"The request body is over the {limit} bytes allowed.")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, "No such resource.")

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, str] = {}
        for problem in exc.errors:
            fields.setdefault(field_name(problem.get("loc", ())), str(problem.get("msg", "")))
        return respond(request, 422, "The request is not valid.", fields=fields)

    @api.exception_handler(ModelValidationError)
    def model_invalid(request: HttpRequest, exc: ModelValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            fields = {
                name: " ".join(message for error in errors for message in error.messages)
                for name, errors in exc.error_dict.items()
            }
        else:
            fields = {"request": " ".join(exc.messages)}
        return respond(request, 422, "The request is not valid.", fields=fields)


class JsonErrorsUnderApi:
    """Unknown routes and methods, and server errors, under /api/ answer in the API's error
    shape instead of an HTML page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_json = response.get("Content-Type", "").startswith("application/json")
        if not request.path.startswith("/api/") or is_json:
            return response
        if response.status_code == 404:
            return self.replace(response, 404, f"No API route {request.path}.")
        if response.status_code == 500 and not settings.DEBUG:  # DEBUG keeps the traceback
            return self.replace(response, 500, "Something went wrong on our side; it was logged.")
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            replaced = self.replace(response, 405, f"Method not allowed; use {allowed}.")
            replaced["Allow"] = allowed
            return replaced
        return response

    @staticmethod
    def replace(response: HttpResponse, status: int, message: str) -> HttpResponse:
        return JsonResponse(error_body(status, message), status=status)
