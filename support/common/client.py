"""The client's address, as the API's throttles and the login lockout both count it.

Behind ``NUM_PROXIES`` reverse proxies, the address is the one the nearest of them
appended to ``X-Forwarded-For``; with none (the default), it is the socket's peer and the
header is ignored, since a client can write anything into it.
"""

from typing import Any

from rest_framework.throttling import BaseThrottle


def client_address(request: Any) -> str | None:
    """DRF's rule, with its NUM_PROXIES setting; None when the request has no peer address
    (one built in code, as a test client's ``force_login`` does)."""
    ident = BaseThrottle().get_ident(request)
    return str(ident) if ident else None
