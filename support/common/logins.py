"""The answer to a login refused for too many failures (django-axes' lockout callable):
JSON in the API's error shape under /api/, the console's page elsewhere (console and admin)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

STATUS = 429


def lockout_detail() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        "Too many failed logins: logging in from this address is paused for up to "
        f"{minutes} minutes."
    )


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": lockout_detail(), "code": "login_locked"}, status=STATUS)
    context = {"detail": lockout_detail(), "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "console/locked_out.html", context, status=STATUS)
