"""Who is on the other end of a socket. Browsers cannot set headers on a WebSocket, so the
credentials come in the query string (``?token=``) or, for the console, the session."""

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from support.agents.services import user_for_token
from support.conversations.actors import Actor
from support.conversations.selectors import customer_for_token


def query_token(scope: dict[str, Any]) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("token")
    return values[0] if values else None


@database_sync_to_async
def customer_actor(token: str) -> Actor | None:
    return customer_for_token(token)


@database_sync_to_async
def staff_actor(scope: dict[str, Any]) -> Actor | None:
    token = query_token(scope)
    if token:
        user = user_for_token(token)
        return Actor.for_user(user) if user is not None else None
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        # Resolve the lazy user and its agent profile here, off the event loop.
        return Actor.for_user(user)
    return None
