"""``/chat/``: the customer's chat page. Server-rendered once; chat.js does the rest through
the public API (/api/v1/) and the customer WebSocket (/ws/conversations/<id>/)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import (
    xframe_options_exempt,
    xframe_options_sameorigin,
)
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

from .framing import content_security_policy, frame_ancestors
from .strings import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, STRINGS, language_from


def _page(request: HttpRequest) -> HttpResponse:
    requested = language_from(request.GET.get("lang"))
    language = requested or DEFAULT_LANGUAGE
    embed = request.GET.get("embed") == "1"
    config = {
        # The shop's hint; chat.js prefers the customer's own earlier pick from the picker.
        "lang": requested,
        "languages": list(LANGUAGES),
        "strings": STRINGS,
        "api_root": reverse("conversations"),
        "socket_root": "/ws/conversations/",
        "max_length": settings.MESSAGE_MAX_LENGTH,
        # The queue's "agents are back …" is said in the business's own time zone.
        "business_timezone": settings.BUSINESS_TIMEZONE,
        "embed": embed,
        # chat.js reads the cookie (the brief's rule); the token is the fallback when the
        # cookie is HttpOnly or CSRF_USE_SESSIONS is on.
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        "csrf_token": get_token(request),
    }
    context = {
        "lang": language,
        "s": STRINGS[language],
        "embed": embed,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "config": config,
    }
    return render(request, "widget/chat.html", context)


@require_safe
@ensure_csrf_cookie
def chat(request: HttpRequest) -> HttpResponse:
    """The page, framable by this origin and the WIDGET_FRAME_ANCESTORS origins."""
    origins = frame_ancestors()
    # X-Frame-Options cannot name other origins, so with origins configured it must go and
    # the CSP frame-ancestors directive below is the rule. Without them, SAMEORIGIN (the
    # project-wide default is DENY) lets this site frame its own page, like the CSP says.
    view = xframe_options_exempt(_page) if origins else xframe_options_sameorigin(_page)
    response = view(request)
    response["Content-Security-Policy"] = content_security_policy(request, origins)
    return response
