"""``GET /health/``: whether this process can serve, for load balancers and monitors.

200 ``{"status": "ok", "checks": {...}}`` when the database answers and the cache does;
503 with the failing check named otherwise. Redis for the channel layer and the job broker is
not checked: without it requests still succeed (docs/operations.md)."""

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe


@require_safe
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check(_database), "cache": _check(_cache)}
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "failing", "checks": checks}, status=200 if ok else 503
    )


def _check(probe: Callable[[], None]) -> str:
    try:
        probe()
    except Exception as error:
        return f"failing: {type(error).__name__}"
    return "ok"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    cache.set("health:probe", 1, 10)
    if cache.get("health:probe") != 1:
        raise RuntimeError("the cache did not keep a value")
