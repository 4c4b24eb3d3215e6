"""Every API error is ``{"detail": "<sentence>", "code": "<machine code>"}``.

Validation errors add ``errors``: the messages per field.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from support.common.errors import SupportError

_CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "invalid_token",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
}


def _first_message(errors: Any, prefix: str = "") -> str:
    if isinstance(errors, dict):
        for field, value in errors.items():
            label = "" if field == "non_field_errors" else f"{prefix}{field}: "
            return _first_message(value, label)
    if isinstance(errors, list) and errors:
        return _first_message(errors[0], prefix)
    return f"{prefix}{errors}"


def support_error_answer(exc: SupportError) -> tuple[int, dict[str, str], dict[str, str]]:
    """A refusal of the domain as (status, body, headers): the API's one shape for it."""
    headers = {"WWW-Authenticate": "Token"} if exc.status == status.HTTP_401_UNAUTHORIZED else {}
    return exc.status, {"detail": exc.detail, "code": exc.code}, headers


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, SupportError):
        answer_status, body, headers = support_error_answer(exc)
        return Response(body, status=answer_status, headers=headers)
    if isinstance(exc, exceptions.ValidationError):
        first_code = _first_code(exc.get_codes())
        return Response(
            {
                "detail": _first_message(exc.detail),
                "code": first_code,
                "errors": exc.detail,
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {
                "detail": (
                    "The request body is too large: this API accepts at most "
                    f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."
                ),
                "code": "request_too_large",
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    handled = drf_exception_handler(exc, context)
    if handled is None or not isinstance(exc, exceptions.APIException):
        return handled
    response = handled
    detail = exc.detail if isinstance(exc.detail, str) else _first_message(exc.detail)
    if isinstance(exc, exceptions.ParseError):
        detail = f"The request body is not valid JSON: {detail}"
    code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), "error")
    response.data = {"detail": str(detail), "code": code}
    return response


def _first_code(codes: Any) -> str:
    if isinstance(codes, dict):
        return _first_code(next(iter(codes.values()), "invalid"))
    if isinstance(codes, list):
        return _first_code(codes[0]) if codes else "invalid"
    return str(codes) if codes and codes != "invalid" else "invalid"


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: a URL that matches no route (say, a malformed conversation id) answers
    the API's error shape under /api/, and Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)  # type: ignore[arg-type]


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the API's error shape under /api/ (the error itself is logged),
    Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "detail": "The server failed to answer; the error is logged.",
                "code": "server_error",
            },
            status=500,
        )
    return defaults.server_error(request)
