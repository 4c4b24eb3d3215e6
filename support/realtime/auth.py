"""Who is on the other end of a socket. Browsers cannot set headers on a WebSocket, so the
credentials come in the query string (``?token=``) or, for the console, the session."""

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from support.agents.models import AgentToken
from support.common import tokens
from support.conversations.actors import Actor
from support.conversations.models import SupportConversation


def query_token(scope: dict[str, Any]) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("token")
    return values[0] if values else None


@database_sync_to_async
def customer_actor(token: str) -> Actor | None:
    row = (
        SupportConversation.objects.filter(access_token_digest=tokens.digest(token))
        .values("conversation_id", "user_id")
        .first()
    )
    if row is None:
        return None
    return Actor.customer(conversation_id=row["conversation_id"], user_id=row["user_id"])


@database_sync_to_async
def staff_actor(scope: dict[str, Any]) -> Actor | None:
    token = query_token(scope)
    if token:
        found = (
            AgentToken.objects.select_related("user", "user__agent")
            .filter(key_digest=tokens.digest(token))
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        return Actor.for_user(found.user)
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        # Resolve the lazy user and its agent profile here, off the event loop.
        return Actor.for_user(user)
    return None
