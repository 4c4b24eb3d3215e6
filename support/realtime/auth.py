"""Who is on the other end of a socket.

Browsers cannot set headers on a WebSocket, so a token travels as a subprotocol: the
client offers ``["ks.support", "ks.token.<token>"]`` and the server accepts ``ks.support``.
Unlike a query string, a subprotocol is not written to access logs. ``?token=`` is still
read, for clients that cannot offer subprotocols; the console uses its session instead.
"""

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from support.agents.services import user_for_token
from support.conversations.actors import Actor
from support.conversations.selectors import customer_for_token

SUBPROTOCOL = "ks.support"
TOKEN_PREFIX = "ks.token."  # noqa: S105 - a prefix, not a secret


def socket_token(scope: dict[str, Any]) -> str | None:
    for offered in scope.get("subprotocols") or ():
        if offered.startswith(TOKEN_PREFIX) and len(offered) > len(TOKEN_PREFIX):
            return str(offered[len(TOKEN_PREFIX) :])
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("token")
    return values[0] if values else None


def accepted_subprotocol(scope: dict[str, Any]) -> str | None:
    """The subprotocol to answer with: a browser that offered some fails the connection
    unless the server picks one of them."""
    return SUBPROTOCOL if SUBPROTOCOL in (scope.get("subprotocols") or ()) else None


@database_sync_to_async
def customer_actor(token: str) -> Actor | None:
    return customer_for_token(token)


@database_sync_to_async
def staff_actor(scope: dict[str, Any]) -> Actor | None:
    token = socket_token(scope)
    if token:
        user = user_for_token(token)
        return Actor.for_user(user) if user is not None else None
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        # Resolve the lazy user and its agent profile here, off the event loop.
        return Actor.for_user(user)
    return None
