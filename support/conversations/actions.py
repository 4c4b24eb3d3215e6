"""The only code that changes a conversation.

Every action runs in one transaction: it locks the conversation row, asks the access module
whether the actor may act in the current status, saves only the fields it changes, writes a
ConversationEvent for a status change, and schedules realtime events for after the commit.
Messages are written under the same lock, so message ids grow in commit order within a
conversation and ``?after=<id>`` catch-up never skips one.
"""

import logging
from dataclasses import dataclass
from uuid import UUID

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from support.agents.models import Agent
from support.agents.selectors import lock_agent
from support.common import tokens
from support.common.errors import Conflict, InvalidInput, NotFound
from support.notifications import outbox

from . import events, idempotency, statements
from .access import Action, authorize
from .actors import ASSISTANT, SYSTEM, Actor
from .brief import build_brief
from .models import ConversationEvent, IdempotencyRecord, SupportConversation, SupportMessage
from .notices import escalation_notice, notice
from .states import (
    AI_STATUSES,
    CUSTOMER_STATUSES,
    ActorKind,
    EscalationSource,
    Language,
    Sender,
    Status,
    Transition,
    target_status,
)

logger = logging.getLogger(__name__)

# The outbox kind of each audited change that is announced to webhooks and supervisors.
_NOTIFICATIONS = {
    "escalated": outbox.ESCALATED,
    "assigned": outbox.ASSIGNED,
    "transferred": outbox.ASSIGNED,
    "claimed": outbox.ASSIGNED,
    "unassigned": outbox.UNASSIGNED,
    "resolved": outbox.RESOLVED,
}
# Messages that count in `message_count`: what the customer and the staff said.
COUNTED_SENDERS = frozenset({Sender.USER, Sender.AI, Sender.AGENT})


@dataclass(frozen=True)
class EscalationRequest:
    source: EscalationSource
    reason: str


@dataclass(frozen=True)
class PostedMessage:
    message: SupportMessage
    conversation: SupportConversation
    idempotency_record: IdempotencyRecord | None = None


def _lock(conversation_id: UUID) -> SupportConversation:
    conversation = (
        SupportConversation.objects.select_for_update()
        .filter(conversation_id=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound("Conversation not found.", code="conversation_not_found")
    return conversation


def _audit(
    conversation: SupportConversation,
    *,
    kind: ConversationEvent.Kind,
    from_status: str,
    actor: Actor,
    reason: str = "",
    data: dict[str, object] | None = None,
) -> ConversationEvent:
    """The audit row of a status change and, in the same transaction, the outbox row that
    tells webhook receivers and supervisors (support.notifications). Call it after the
    conversation's changed fields are saved: the notification carries its state now."""
    data = data or {}
    event = ConversationEvent.objects.create(
        conversation=conversation,
        kind=kind,
        from_status=from_status,
        to_status=conversation.status,
        actor_kind=actor.kind,
        actor_id=actor.actor_id,
        reason=reason,
        data=data,
    )
    notification = _NOTIFICATIONS.get(kind)
    if notification is not None:
        # The agent who held the conversation before this change, if any.
        previous = data.get("from_agent", data.get("assigned_agent"))
        outbox.record(
            notification,
            conversation=conversation,
            data={"change": str(kind), "previous_agent": previous},
            actor=actor,
        )
    return event


def _add_message(
    conversation: SupportConversation,
    *,
    sender: Sender,
    text: str,
    agent: Agent | None = None,
    is_private: bool = False,
    detected_intent: str = "",
    intent_confidence: float | None = None,
    in_reply_to: SupportMessage | None = None,
) -> SupportMessage:
    message = SupportMessage.objects.create(
        conversation=conversation,
        sender=sender,
        text=text,
        agent=agent,
        is_private=is_private,
        detected_intent=detected_intent,
        intent_confidence=intent_confidence,
        in_reply_to=in_reply_to,
    )
    if sender in COUNTED_SENDERS and not is_private:
        SupportConversation.objects.filter(pk=conversation.pk).update(
            message_count=F("message_count") + 1
        )
        conversation.message_count += 1
    events.message_created(message)
    return message


def _store_in_one_statement(
    message: SupportMessage,
    *,
    conversation_id: UUID,
    statuses: frozenset[str],
    language: str | None = None,
    reset_fallbacks: bool = False,
) -> SupportMessage | None:
    """Store a counted message with ``statements.store_message`` where the database allows
    it. None means: take the general path, which also raises the precise refusal."""
    if not statements.available():
        return None
    stored = statements.store_message(
        message,
        conversation_id=conversation_id,
        statuses=statuses,
        language=language,
        reset_fallbacks=reset_fallbacks,
    )
    if stored is None:
        return None
    events.message_created(stored[1])
    return stored[1]


def _system_notice(conversation: SupportConversation, which: str, **values: str) -> SupportMessage:
    return _add_message(
        conversation,
        sender=Sender.SYSTEM,
        text=notice(which, conversation.language, **values),
    )


def do_create_conversation(
    *, user_id: str, language: str = Language.ENGLISH, customer_verified: bool = False
) -> tuple[SupportConversation, str]:
    """Create an open conversation. Returns it with its access token, the only readable copy.

    ``customer_verified``: the shop vouched for ``user_id`` (identity.verify_customer); it
    never changes afterwards. Writes a `created` event. Emits nothing: nobody is watching a
    conversation yet.
    """
    secret = tokens.new_secret()
    with transaction.atomic():
        conversation = SupportConversation.objects.create(
            user_id=user_id,
            language=language,
            customer_verified=customer_verified,
            access_token_digest=tokens.digest(secret),
        )
        _audit(
            conversation,
            kind=ConversationEvent.Kind.CREATED,
            from_status="",
            actor=Actor.customer(conversation_id=conversation.conversation_id, user_id=user_id),
            data={"customer_verified": customer_verified},
        )
    return conversation, secret


def do_post_user_message(
    *,
    actor: Actor,
    conversation_id: UUID,
    text: str,
    detected_intent: str = "",
    intent_confidence: float | None = None,
    language: str | None = None,
    escalation: EscalationRequest | None = None,
    idempotency_key: idempotency.IdempotencyKey | None = None,
) -> PostedMessage:
    """Store the customer's message; escalate in the same transaction when ``escalation``
    is given and the conversation is still open (the message is stored first, so the
    agent sees what triggered the handoff).

    Locks the conversation. Raises idempotency.Replay for a retried Idempotency-Key.
    Emits message.created, and conversation.escalated when it escalates.
    """
    if idempotency_key is None and actor.owns(conversation_id):
        # The common case, in one statement where the database allows it. A possible
        # escalation needs the general path, so then only a status that ignores it matches.
        statuses = CUSTOMER_STATUSES - AI_STATUSES if escalation is not None else CUSTOMER_STATUSES
        stored = _store_in_one_statement(
            SupportMessage(
                sender=Sender.USER,
                text=text,
                detected_intent=detected_intent,
                intent_confidence=intent_confidence,
            ),
            conversation_id=conversation_id,
            statuses=statuses,
            language=language,
        )
        if stored is not None:
            return PostedMessage(message=stored, conversation=stored.conversation)
    with transaction.atomic():
        conversation = _lock(conversation_id)
        authorize(actor, conversation, Action.POST_USER_MESSAGE)
        record = idempotency.claim(conversation, idempotency_key)
        if language and language != conversation.language:
            conversation.language = language
            conversation.save(update_fields=["language"])
        message = _add_message(
            conversation,
            sender=Sender.USER,
            text=text,
            detected_intent=detected_intent,
            intent_confidence=intent_confidence,
        )
        if record is not None:
            record.message = message
            record.save(update_fields=["message"])
        if escalation is not None and conversation.status == Status.OPEN:
            _escalate(conversation, actor=actor, source=escalation.source, reason=escalation.reason)
    return PostedMessage(message=message, conversation=conversation, idempotency_record=record)


def do_escalate_conversation(
    *,
    actor: Actor,
    conversation_id: UUID,
    reason: str = "",
    source: EscalationSource | None = None,
) -> SupportConversation:
    """Hand the conversation to humans: open → escalated. The assistant is silent from now on.

    Locks the conversation; 409 unless it is open. Writes an `escalated` event and a system
    notice; emits message.created and conversation.escalated (to the queue as well).
    """
    with transaction.atomic():
        conversation = _lock(conversation_id)
        authorize(actor, conversation, Action.ESCALATE)
        _escalate(
            conversation,
            actor=actor,
            source=source or _default_source(actor),
            reason=reason.strip() or _default_reason(actor),
        )
    return conversation


def _default_source(actor: Actor) -> EscalationSource:
    return {
        ActorKind.CUSTOMER: EscalationSource.CUSTOMER_REQUEST,
        ActorKind.AGENT: EscalationSource.AGENT,
        ActorKind.SUPERVISOR: EscalationSource.SUPERVISOR,
    }.get(ActorKind(actor.kind), EscalationSource.RULE)


def _default_reason(actor: Actor) -> str:
    if actor.is_customer:
        return "Customer asked to talk to a human."
    return f"Escalated by {actor.display_name}."


def _escalate(
    conversation: SupportConversation, *, actor: Actor, source: EscalationSource, reason: str
) -> None:
    from_status = conversation.status
    to_status = target_status(Transition.ESCALATE, from_status)
    if to_status is None:  # the caller checked; this guards the table itself
        raise Conflict("This conversation is already escalated.", code="invalid_transition")
    conversation.status = to_status
    conversation.escalated = True
    conversation.escalated_at = timezone.now()
    conversation.escalation_reason = reason
    conversation.escalation_source = source
    conversation.handoff_brief = build_brief(
        conversation, actor=actor, source=source, reason=reason
    )
    conversation.save(
        update_fields=[
            "status",
            "escalated",
            "escalated_at",
            "escalation_reason",
            "escalation_source",
            "handoff_brief",
        ]
    )
    _audit(
        conversation,
        kind=ConversationEvent.Kind.ESCALATED,
        from_status=from_status,
        actor=actor,
        reason=reason,
        data={"source": source},
    )
    _add_message(conversation, sender=Sender.SYSTEM, text=escalation_notice(conversation))
    events.conversation_changed(conversation, "conversation.escalated")
    _route_after_commit()
    events.queue_changed(from_status, conversation.status)


def do_assign_conversation(
    *, actor: Actor, conversation_id: UUID, agent_id: str
) -> SupportConversation:
    """Give the conversation to ``agent_id``: escalated → assigned, or transfer an assigned
    one to another agent.

    Locks the agent, then the conversation (the lock order of claims and routing); 409
    unless escalated or assigned, or when it is already with that agent. A supervisor's
    choice: the agent's capacity and availability are not checked. Writes an `assigned` or
    `transferred` event and an "X has joined" notice; emits message.created and
    conversation.assigned (to the queue and to both agents). After a transfer, routing runs:
    the previous agent has room again.
    """
    with transaction.atomic():
        agent = lock_agent(agent_id)
        conversation = _lock(conversation_id)
        authorize(actor, conversation, Action.ASSIGN)
        if agent is None:
            raise InvalidInput(f"There is no agent {agent_id}.", code="unknown_agent")
        previous = conversation.assigned_agent_id
        if previous == agent.agent_id:
            raise Conflict(
                f"This conversation is already assigned to {agent.agent_id}.",
                code="already_assigned",
            )
        from_status = conversation.status
        transition = Transition.TRANSFER if previous else Transition.ASSIGN
        conversation.status = target_status(transition, from_status) or from_status
        conversation.assigned_agent = agent
        conversation.assigned_at = timezone.now()
        conversation.save(update_fields=["status", "assigned_agent", "assigned_at"])
        Agent.objects.filter(pk=agent.pk).update(last_assigned_at=conversation.assigned_at)
        if previous:
            _route_after_commit()
        _audit(
            conversation,
            kind=(
                ConversationEvent.Kind.TRANSFERRED if previous else ConversationEvent.Kind.ASSIGNED
            ),
            from_status=from_status,
            actor=actor,
            data={"from_agent": previous, "to_agent": agent.agent_id},
        )
        _system_notice(conversation, "assigned", name=agent.display_name)
        agent_groups = tuple(
            events.agent_group(a) for a in dict.fromkeys([agent.agent_id, previous]) if a
        )
        events.conversation_changed(
            conversation, "conversation.assigned", extra_groups=agent_groups
        )
        events.queue_changed(from_status, conversation.status)
    return conversation


def do_post_agent_message(
    *,
    actor: Actor,
    conversation_id: UUID,
    text: str,
    private: bool = False,
    idempotency_key: idempotency.IdempotencyKey | None = None,
) -> PostedMessage:
    """An agent's reply to the customer, or a private note (``private``) for staff only.

    Locks the conversation; 409 unless escalated or assigned; agents must be the assigned
    agent. Stamps first_agent_reply_at on the first reply. Emits message.created (notes only
    to the staff group).
    """
    with transaction.atomic():
        conversation = _lock(conversation_id)
        authorize(actor, conversation, Action.ADD_NOTE if private else Action.REPLY)
        record = idempotency.claim(conversation, idempotency_key)
        message = _add_message(
            conversation, sender=Sender.AGENT, text=text, agent=actor.agent, is_private=private
        )
        if record is not None:
            record.message = message
            record.save(update_fields=["message"])
        if not private and conversation.first_agent_reply_at is None:
            conversation.first_agent_reply_at = message.created_at
            conversation.save(update_fields=["first_agent_reply_at"])
    return PostedMessage(message=message, conversation=conversation, idempotency_record=record)


def do_resolve_conversation(
    *, actor: Actor, conversation_id: UUID, reason: str = ""
) -> SupportConversation:
    """Close the conversation for good: any status but resolved → resolved.

    Locks the conversation; 409 when already resolved; agents only where assigned. Clears
    the assignment (the event keeps who held it), stamps resolved_at and ended_at, writes a
    `resolved` event and a notice; emits message.created and conversation.resolved. When an
    agent held it, routing runs after commit: that agent has room again.
    """
    with transaction.atomic():
        conversation = _lock(conversation_id)
        authorize(actor, conversation, Action.RESOLVE)
        from_status = conversation.status
        previous_agent = conversation.assigned_agent_id
        now = timezone.now()
        conversation.status = Status.RESOLVED
        conversation.assigned_agent = None
        conversation.resolved_at = now
        conversation.ended_at = now
        conversation.resolved_by = actor.actor_id
        conversation.save(
            update_fields=["status", "assigned_agent", "resolved_at", "ended_at", "resolved_by"]
        )
        _audit(
            conversation,
            kind=ConversationEvent.Kind.RESOLVED,
            from_status=from_status,
            actor=actor,
            reason=reason.strip(),
            data={"assigned_agent": previous_agent},
        )
        _system_notice(conversation, "resolved")
        extra = (events.agent_group(previous_agent),) if previous_agent else ()
        events.conversation_changed(conversation, "conversation.resolved", extra_groups=extra)
        events.queue_changed(from_status, conversation.status)
        if previous_agent:
            _route_after_commit()
    return conversation


def do_post_ai_reply(
    *,
    conversation_id: UUID,
    in_reply_to_id: int,
    text: str,
    detected_intent: str = "",
    fallback: bool = False,
    fallback_limit: int | None = None,
) -> SupportMessage | None:
    """Store the assistant's reply, unless the conversation left `open` while the reply was
    being generated: then the reply is dropped and None is returned (DESIGN.md section 1).

    ``fallback`` marks a reply that could not help. When it would be the ``fallback_limit``-th
    such reply in a row, the conversation is escalated (source repeated_fallback) instead,
    and None is returned.

    Locks the conversation. Emits message.created when stored. Never call a provider while
    this lock is held.
    """
    if not fallback:
        # The common case in one statement: it stores the reply only while the status is
        # still one the assistant may answer in, checked under the row lock.
        stored = _store_in_one_statement(
            SupportMessage(
                sender=Sender.AI,
                text=text,
                detected_intent=detected_intent,
                in_reply_to_id=in_reply_to_id,
            ),
            conversation_id=conversation_id,
            statuses=AI_STATUSES,
            reset_fallbacks=True,
        )
        if stored is not None:
            return stored
    with transaction.atomic():
        conversation = _lock(conversation_id)
        if conversation.status not in AI_STATUSES:
            logger.info(
                "dropped an assistant reply to %s: it is %s now",
                conversation_id,
                conversation.status,
            )
            return None
        fallbacks = conversation.assistant_fallbacks + 1 if fallback else 0
        if fallbacks != conversation.assistant_fallbacks:
            conversation.assistant_fallbacks = fallbacks
            conversation.save(update_fields=["assistant_fallbacks"])
        if fallback_limit is not None and fallbacks >= fallback_limit:
            _escalate(
                conversation,
                actor=ASSISTANT,
                source=EscalationSource.REPEATED_FALLBACK,
                reason=f"The assistant could not help {fallbacks} times in a row.",
            )
            return None
        in_reply_to = SupportMessage.objects.filter(
            pk=in_reply_to_id, conversation=conversation
        ).first()
        return _add_message(
            conversation,
            sender=Sender.AI,
            text=text,
            detected_intent=detected_intent,
            in_reply_to=in_reply_to,
        )


def _route_after_commit() -> None:
    """Automatic assignment once this transaction commits: a conversation is waiting, or an
    agent has room again (support.agents.routing, which assigns through this package)."""
    from support.agents.routing import route_after_commit

    route_after_commit()


__all__ = [
    "ASSISTANT",
    "SYSTEM",
    "EscalationRequest",
    "PostedMessage",
    "do_assign_conversation",
    "do_create_conversation",
    "do_escalate_conversation",
    "do_post_agent_message",
    "do_post_ai_reply",
    "do_post_user_message",
    "do_resolve_conversation",
]
