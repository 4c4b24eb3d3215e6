"""Who may frame the chat page, and the Content-Security-Policy that says so.

``WIDGET_FRAME_ANCESTORS`` lists the shop origins allowed to embed ``/chat/`` in an iframe
(``https://shop.example.com``, ``https://*.example.com``). Empty: same origin only, and
Django's X-Frame-Options stays on as well.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

# scheme://host[:port], the host possibly starting with "*." and the port possibly "*" (CSP
# host-source wildcards). Nothing
# else: no paths, quotes, spaces or semicolons, which could change the header's meaning.
_ORIGIN = re.compile(
    r"^https?://(\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::(?:\d{1,5}|\*))?$"
)


def is_valid_origin(origin: str) -> bool:
    return bool(_ORIGIN.match(origin))


def configured_origins() -> list[str]:
    return [str(origin).strip().rstrip("/") for origin in settings.WIDGET_FRAME_ANCESTORS]


def frame_ancestors() -> list[str]:
    """The configured origins that are well formed (the system check reports the others)."""
    return [origin for origin in configured_origins() if is_valid_origin(origin)]


def _static_origin() -> str:
    """The origin of STATIC_URL when static files come from another host (a CDN)."""
    parts = urlsplit(str(settings.STATIC_URL))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(request: HttpRequest, origins: list[str]) -> str:
    """The chat page's policy: its own script and stylesheet only, API and WebSocket calls to
    this host only, and framing by this origin plus ``origins``."""
    own = " ".join(filter(None, ["'self'", _static_origin()]))
    host = request.get_host()  # validated against ALLOWED_HOSTS
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {own}",
            f"style-src {own}",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src 'self' ws://{host} wss://{host}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors " + " ".join(["'self'", *origins]),
        ]
    )
