"""Realtime events of conversations and the groups that receive them.

Groups: ``conversation.<id>`` (the customer and staff watching it; never private notes),
``conversation.<id>.staff`` (staff watching it: private notes), ``agent.<agent_id>``
(one agent) and ``queue`` (every agent's queue view).
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from support.common.bus import Event, publish_all_on_commit, publish_on_commit

from . import waiting
from .models import SupportConversation, SupportMessage
from .states import Status

QUEUE_GROUP = "queue"
# Waiting customers told of a change at most; the ones after them read their place when
# their page (re)connects. The queue is short: routing empties it while agents have room.
QUEUE_FANOUT_LIMIT = 200


def conversation_group(conversation_id: object) -> str:
    return f"conversation.{conversation_id}"


def conversation_staff_group(conversation_id: object) -> str:
    return f"conversation.{conversation_id}.staff"


def user_group(user_id: object) -> str:
    """Every staff socket of one Django user (closed when the user signs out)."""
    return f"user.{user_id}"


def agent_group(agent_id: str) -> str:
    return f"agent.{agent_id}"


def message_data(message: SupportMessage) -> dict[str, Any]:
    return {
        "message_id": message.pk,
        "sender": message.sender,
        "message": message.text,
        "detected_intent": message.detected_intent or None,
        "agent_id": message.agent_id,
        "agent_name": message.agent.display_name if message.agent else None,
        "is_private": message.is_private,
        "created_at": message.created_at.isoformat().replace("+00:00", "Z"),
    }


def conversation_data(conversation: SupportConversation) -> dict[str, Any]:
    def stamp(value: Any) -> str | None:
        return value.isoformat().replace("+00:00", "Z") if value else None

    return {
        "status": conversation.status,
        "language": conversation.language,
        "escalated": conversation.escalated,
        "escalation_source": conversation.escalation_source or None,
        "escalated_at": stamp(conversation.escalated_at),
        "assigned_agent": conversation.assigned_agent_id,
        "assigned_agent_name": (
            conversation.assigned_agent.display_name if conversation.assigned_agent else None
        ),
        "resolved_at": stamp(conversation.resolved_at),
        "message_count": conversation.message_count,
    }


def message_created(message: SupportMessage) -> None:
    conversation_id = message.conversation_id
    groups = (
        (conversation_staff_group(conversation_id),)
        if message.is_private
        else (conversation_group(conversation_id),)
    )
    publish_on_commit(
        Event(
            type="message.created",
            conversation_id=str(conversation_id),
            data=message_data(message),
            groups=groups,
        )
    )


def conversation_changed(
    conversation: SupportConversation, type_: str, *, extra_groups: tuple[str, ...] = ()
) -> None:
    """``conversation.escalated|assigned|resolved|updated`` to its watchers and the queue."""
    publish_on_commit(
        Event(
            type=type_,
            conversation_id=str(conversation.conversation_id),
            data=conversation_data(conversation),
            groups=(conversation_group(conversation.conversation_id), QUEUE_GROUP, *extra_groups),
        )
    )


def queue_changed(from_status: str, to_status: str) -> None:
    """When a change moves a conversation into or out of the queue (escalate, unassign;
    assign, claim, resolve a waiting one), schedule ``publish_queue`` for after the commit."""
    if (from_status == Status.ESCALATED) != (to_status == Status.ESCALATED):
        transaction.on_commit(publish_queue, robust=True)


def publish_queue(*, now: datetime | None = None) -> None:
    """``queue.updated`` to each waiting conversation's customer: its place and estimate
    (waiting.QueueStatus), read once for the whole queue. ``occurred_at`` is when it was
    read, so a client keeps the latest of two reads that cross."""
    now = now or timezone.now()
    publish_all_on_commit(
        [
            Event(
                type="queue.updated",
                conversation_id=str(conversation_id),
                data=status.as_data(),
                groups=(conversation_group(conversation_id),),
                occurred_at=now,
            )
            for conversation_id, status in waiting.queue_statuses(limit=QUEUE_FANOUT_LIMIT, now=now)
        ]
    )
