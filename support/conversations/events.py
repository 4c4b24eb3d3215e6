"""Realtime events of conversations and the groups that receive them.

Groups: ``conversation.<id>`` (the customer and staff watching it; never private notes),
``conversation.<id>.staff`` (staff watching it: private notes), ``agent.<agent_id>``
(one agent) and ``queue`` (every agent's queue view).
"""

from typing import Any

from support.common.bus import Event, publish_on_commit

from .models import SupportConversation, SupportMessage

QUEUE_GROUP = "queue"


def conversation_group(conversation_id: object) -> str:
    return f"conversation.{conversation_id}"


def conversation_staff_group(conversation_id: object) -> str:
    return f"conversation.{conversation_id}.staff"


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
