"""Lifecycle actions of assignment: claim, unassign, and automatic assignment.

They follow the rules of actions.py (its helpers lock, audit and notify): one transaction,
the row locked, the access module asked under the lock, only changed fields saved, one
ConversationEvent per change, realtime events after commit.

Capacity is kept by locking the agent's row first (support.agents.selectors.lock_agent) and
counting the agent's load under that lock; a conversation is taken only while it is still
`escalated` (compare-and-set under its row lock). However many claims and routing workers
race, a conversation is assigned once and no agent goes above ``max_concurrent``.
"""

from enum import StrEnum
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from support.agents.models import Agent, Availability
from support.agents.selectors import load_of, lock_agent
from support.common.errors import Conflict, Forbidden

from . import events
from .access import Action, authorize
from .actions import _add_message, _audit, _lock, _route_after_commit, _system_notice
from .actors import ROUTING, Actor
from .models import ConversationEvent, SupportConversation
from .notices import unassigned_notice
from .states import Sender, Status, Transition, target_status


class AutoAssignment(StrEnum):
    """What an attempt of automatic assignment came to."""

    ASSIGNED = "assigned"
    TAKEN = "taken"  # the conversation no longer waits: claimed, assigned or resolved
    AGENT_UNAVAILABLE = "agent_unavailable"  # not online any more, or at capacity by now


def do_claim_conversation(*, actor: Actor, conversation_id: UUID) -> SupportConversation:
    """An agent or supervisor takes a waiting conversation: escalated → assigned to them.

    Locks the claimer's agent row, then the conversation. Compare-and-set: of two agents
    claiming at once exactly one wins; the other gets 409 already_assigned. 409
    agent_at_capacity when the claimer already holds ``max_concurrent`` conversations.
    Writes a `claimed` event and an "X has joined" notice; emits message.created and
    conversation.assigned.
    """
    with transaction.atomic():
        agent = lock_agent(actor.agent_id)
        conversation = _lock(conversation_id)
        authorize(actor, conversation, Action.CLAIM)
        if agent is None:  # a superuser without an agent profile
            raise Forbidden("Only agents and supervisors with an agent profile claim.")
        load = load_of(agent)
        if load >= agent.max_concurrent:
            raise Conflict(
                f"You are at your limit of conversations at once ({agent.max_concurrent}); "
                "resolve or unassign one first.",
                code="agent_at_capacity",
            )
        _take(conversation, agent, actor=actor, kind=ConversationEvent.Kind.CLAIMED)
    return conversation


def do_auto_assign_conversation(*, conversation_id: UUID, agent_id: str) -> AutoAssignment:
    """Routing's assignment of a waiting conversation to an online agent with room.

    Locks the agent and counts its load under the lock, then locks the conversation and
    assigns it only if it still waits. Writes an `assigned` event whose actor is the system
    (``routing``), an "X has joined" notice; emits message.created and conversation.assigned.
    """
    with transaction.atomic():
        agent = lock_agent(agent_id)
        if (
            agent is None
            or agent.availability != Availability.ONLINE
            or load_of(agent) >= agent.max_concurrent
        ):
            return AutoAssignment.AGENT_UNAVAILABLE
        conversation = (
            SupportConversation.objects.select_for_update().filter(pk=conversation_id).first()
        )
        if conversation is None or conversation.status != Status.ESCALATED:
            return AutoAssignment.TAKEN
        authorize(ROUTING, conversation, Action.CLAIM)
        _take(conversation, agent, actor=ROUTING, kind=ConversationEvent.Kind.ASSIGNED)
    return AutoAssignment.ASSIGNED


def _take(
    conversation: SupportConversation,
    agent: Agent,
    *,
    actor: Actor,
    kind: ConversationEvent.Kind,
) -> None:
    from_status = conversation.status
    now = timezone.now()
    conversation.status = target_status(Transition.CLAIM, from_status) or from_status
    conversation.assigned_agent = agent
    conversation.assigned_at = now
    conversation.save(update_fields=["status", "assigned_agent", "assigned_at"])
    Agent.objects.filter(pk=agent.pk).update(last_assigned_at=now)
    _audit(
        conversation,
        kind=kind,
        from_status=from_status,
        actor=actor,
        data={"from_agent": None, "to_agent": agent.agent_id},
    )
    _system_notice(conversation, "assigned", name=agent.display_name)
    events.conversation_changed(
        conversation,
        "conversation.assigned",
        extra_groups=(events.agent_group(agent.agent_id),),
    )
    events.queue_changed(from_status, conversation.status)


def do_unassign_conversation(
    *, actor: Actor, conversation_id: UUID, reason: str = ""
) -> SupportConversation:
    """Give an assigned conversation back to the queue: assigned → escalated, never `open`,
    so the assistant stays silent.

    The assigned agent or a supervisor. Locks the conversation; 409 unless assigned. Writes
    an `unassigned` event (with the agent who held it) and a notice to the customer; emits
    message.created and conversation.unassigned (to the queue and to that agent). Routing
    runs after commit, and never hands the conversation back to an agent it left.
    """
    with transaction.atomic():
        conversation = _lock(conversation_id)
        authorize(actor, conversation, Action.UNASSIGN)
        previous = conversation.assigned_agent
        assert previous is not None  # assigned: the database guarantees it
        from_status = conversation.status
        conversation.status = target_status(Transition.UNASSIGN, from_status) or from_status
        conversation.assigned_agent = None
        conversation.assigned_at = None
        conversation.save(update_fields=["status", "assigned_agent", "assigned_at"])
        _audit(
            conversation,
            kind=ConversationEvent.Kind.UNASSIGNED,
            from_status=from_status,
            actor=actor,
            reason=reason.strip(),
            data={"from_agent": previous.agent_id},
        )
        _add_message(
            conversation, sender=Sender.SYSTEM, text=unassigned_notice(conversation, agent=previous)
        )
        events.conversation_changed(
            conversation,
            "conversation.unassigned",
            extra_groups=(events.agent_group(previous.agent_id),),
        )
        _route_after_commit()
        events.queue_changed(from_status, conversation.status)
    return conversation


def agents_who_left(conversation_id: UUID) -> set[str]:
    """The agents this conversation was unassigned from: routing does not offer it to them
    again (they may still claim it)."""
    rows = ConversationEvent.objects.filter(
        conversation_id=conversation_id, kind=ConversationEvent.Kind.UNASSIGNED
    ).values_list("data", flat=True)
    return {str(data["from_agent"]) for data in rows if data.get("from_agent")}
