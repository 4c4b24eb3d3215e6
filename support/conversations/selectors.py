"""Reads of conversations and messages."""

import functools
from uuid import UUID

from django.db.models import QuerySet

from support.common import tokens

from . import statements
from .actors import Actor
from .models import SupportConversation, SupportMessage
from .states import AI_STATUSES


def customer_for_token(secret: str) -> Actor | None:
    """The customer whose conversation token this is, or None."""
    try:
        conversation_id, user_id = _customer_of_digest(tokens.digest(secret))
    except LookupError:
        return None
    return Actor.customer(conversation_id=conversation_id, user_id=user_id)


@functools.lru_cache(maxsize=50_000)
def _customer_of_digest(digest: str) -> tuple[UUID, str]:
    """A token never changes hands: its conversation and customer are fixed at creation, so
    each process remembers them and a customer's request needs no query to authenticate.
    Unknown digests raise, and so are not remembered. (A deleted conversation's token then
    still authenticates here, and the conversation's own lookup answers 404.)"""
    row = (
        SupportConversation.objects.filter(access_token_digest=digest)
        .values_list("conversation_id", "user_id")
        .first()
    )
    if row is None:
        raise LookupError(digest)
    return row


# The staff queue's order: oldest escalation first (waiting.py numbers places in it).
QUEUE_ORDER = ("escalated_at", "started_at", "conversation_id")


def queue(
    *, status: str | None = None, assigned_agent: str | None = None, language: str | None = None
) -> QuerySet[SupportConversation]:
    """The staff queue, oldest waiting first: escalated time, then start time."""
    conversations = SupportConversation.objects.select_related("assigned_agent")
    if status:
        conversations = conversations.filter(status=status)
    if assigned_agent:
        conversations = conversations.filter(assigned_agent__agent_id=assigned_agent)
    if language:
        conversations = conversations.filter(language=language)
    return conversations.order_by(*QUEUE_ORDER)


def messages_for(
    actor: Actor, conversation: SupportConversation, *, after: int | None = None, limit: int = 100
) -> list[SupportMessage]:
    """Messages in id order after ``after``; customers never see private notes."""
    messages = SupportMessage.objects.filter(conversation=conversation)
    if not actor.is_staff:
        messages = messages.filter(is_private=False)
    if after is not None:
        messages = messages.filter(id__gt=after)
    return list(messages.select_related("agent").order_by("id")[:limit])


def assistant_history(conversation_id: UUID, *, limit: int = 10) -> list[tuple[str, str]] | None:
    """The last public messages as (sender, text), oldest first: the context the assistant
    reads. None when the conversation has left the statuses the assistant answers in; the
    status is read in the same query, so this is also the assistant's check just before it
    answers."""
    if statements.available():
        latest = statements.latest_public_messages(conversation_id, limit=limit)
    else:
        latest = list(
            SupportMessage.objects.filter(conversation_id=conversation_id, is_private=False)
            .order_by("-id")
            .values_list("sender", "text", "conversation__status")[:limit]
        )
    if not latest or latest[0][2] not in AI_STATUSES:
        return None
    return [(sender, text) for sender, text, _ in reversed(latest)]
