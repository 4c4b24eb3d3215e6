"""Reads of conversations and messages."""

from uuid import UUID

from django.db.models import QuerySet

from support.common import tokens

from .actors import Actor
from .models import SupportConversation, SupportMessage


def customer_for_token(secret: str) -> Actor | None:
    """The customer whose conversation token this is, or None."""
    row = (
        SupportConversation.objects.filter(access_token_digest=tokens.digest(secret))
        .values("conversation_id", "user_id")
        .first()
    )
    if row is None:
        return None
    return Actor.customer(conversation_id=row["conversation_id"], user_id=row["user_id"])


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
    return conversations.order_by("escalated_at", "started_at", "conversation_id")


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


def recent_messages(conversation_id: UUID, *, limit: int = 10) -> list[SupportMessage]:
    """The last public messages, oldest first: the context the assistant reads."""
    latest = SupportMessage.objects.filter(
        conversation_id=conversation_id, is_private=False
    ).order_by("-id")[:limit]
    return list(reversed(latest))
