"""The smallest useful write endpoint: parse a JSON body, insert one row, answer JSON.

It runs behind the same middleware, server and database as the API, so the benchmark can
say how much the message endpoint costs beyond "one insert through Django".
"""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import BaselineRow


@csrf_exempt  # like the API's DRF views, which are CSRF-exempt unless session-authenticated
@require_POST
def insert_one(request: HttpRequest) -> HttpResponse:
    try:
        text = str(json.loads(request.body)["message"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": 'Send {"message": "..."}.'}, status=400)
    row = BaselineRow.objects.create(text=text)
    return JsonResponse(
        {"id": row.pk, "message": row.text, "created_at": row.created_at.isoformat()},
        status=201,
    )


@require_GET
def ping(request: HttpRequest) -> HttpResponse:
    """No database: bench/run.py polls it to know the server is up and idle."""
    return HttpResponse(status=204)
