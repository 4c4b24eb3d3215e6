"""Who is on the other end of a socket.

Browsers cannot set headers on a WebSocket, so a token travels as a subprotocol: the
client offers ``["ks.support", "ks.token.<token>"]`` and the server accepts ``ks.support``.
Unlike a query string, a subprotocol is not written to access logs, so a token in the URL
(``?token=``) is not read. The console uses its session instead.
"""

from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model

from support.agents.services import user_for_token
from support.conversations.actors import Actor
from support.conversations.selectors import customer_for_token

SUBPROTOCOL = "ks.support"
TOKEN_PREFIX = "ks.token."  # noqa: S105 - a prefix, not a secret


def socket_token(scope: dict[str, Any]) -> str | None:
    for offered in scope.get("subprotocols") or ():
        if offered.startswith(TOKEN_PREFIX) and len(offered) > len(TOKEN_PREFIX):
            return str(offered[len(TOKEN_PREFIX) :])
    return None


def accepted_subprotocol(scope: dict[str, Any]) -> str | None:
    """The subprotocol to answer with: a browser that offered some fails the connection
    unless the server picks one of them."""
    return SUBPROTOCOL if SUBPROTOCOL in (scope.get("subprotocols") or ()) else None


@database_sync_to_async
def customer_actor(token: str) -> Actor | None:
    return customer_for_token(token)


@database_sync_to_async
def staff_actor(scope: dict[str, Any]) -> tuple[Actor, Any] | None:
    """The staff actor on the socket and its user's primary key, or None."""
    token = socket_token(scope)
    user = user_for_token(token) if token else scope.get("user")
    if user is None or not user.is_authenticated:
        return None
    # Resolve the lazy user and its agent profile here, off the event loop.
    actor = Actor.for_user(user)
    return (actor, user.pk) if actor is not None else None


@database_sync_to_async
def staff_still_signed_in(scope: dict[str, Any], user_id: Any) -> bool:
    """Whether the credentials the socket opened with still hold: the API token still
    exists and its user is active, or the session still exists (no logout since) for the
    same active user. Read afresh from the database, not from the socket's own copies."""
    token = socket_token(scope)
    if token:
        user = user_for_token(token)
        return user is not None and user.pk == user_id
    session_key = getattr(scope.get("session"), "session_key", None)
    if not session_key:
        return False
    fresh = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    if str(fresh.get(SESSION_KEY)) != str(user_id):
        return False
    return get_user_model().objects.filter(pk=user_id, is_active=True).exists()
