"""Service levels: nobody waits forgotten.

A periodic sweep (``sla.sweep``, every SLA_SWEEP_SECONDS) alerts supervisors, live on their
console socket and through the outbox (webhooks ``sla.waiting_unassigned`` and
``sla.no_agent_reply``), when

- an escalated conversation has waited unassigned longer than SLA_WAITING_SECONDS, counted
  from when it began waiting (its escalation, or its last unassignment), or
- an assigned conversation has had no public reply from its agent SLA_FIRST_REPLY_SECONDS
  after the assignment. With SLA_REASSIGN_NO_REPLY it then goes back to the queue, and
  routing never gives it back to the agent it left.

Times count from the escalation or the assignment, never from the conversation's start: the
assistant's part is not the agents' time. Each breach alerts once (SlaAlert's unique
constraint, checked under the conversation's row lock), however often and wherever the
sweep runs.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from support.agents.models import Agent, Role
from support.common.bus import Event, publish_on_commit
from support.conversations import events
from support.conversations.actors import SYSTEM
from support.conversations.assignment import do_unassign_conversation
from support.conversations.models import ConversationEvent, SupportConversation, SupportMessage
from support.conversations.states import Sender, Status

from . import outbox
from .models import SlaAlert

logger = logging.getLogger(__name__)

SWEEP = "sla.sweep"
WAITING_UNASSIGNED = "sla.waiting_unassigned"
NO_AGENT_REPLY = "sla.no_agent_reply"
REALTIME_EVENT = "sla.breached"


@dataclass(frozen=True)
class Breach:
    conversation_id: UUID
    kind: SlaAlert.Kind
    started_at: datetime
    agent_id: str = ""


def waiting_since() -> Greatest:
    """When an escalated conversation began waiting: its escalation or last unassignment."""
    last_unassigned = (
        ConversationEvent.objects.filter(
            conversation=OuterRef("pk"), kind=ConversationEvent.Kind.UNASSIGNED
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return Greatest(F("escalated_at"), Coalesce(Subquery(last_unassigned), F("escalated_at")))


def _waiting_too_long(now: datetime) -> QuerySet[SupportConversation]:
    limit = now - timedelta(seconds=settings.SLA_WAITING_SECONDS)
    return (
        SupportConversation.objects.filter(status=Status.ESCALATED)
        .annotate(waiting_since=waiting_since())
        .filter(waiting_since__lte=limit)
    )


def _agent_replied_since_assignment() -> Exists:
    return Exists(
        SupportMessage.objects.filter(
            conversation=OuterRef("pk"),
            sender=Sender.AGENT,
            is_private=False,
            agent=OuterRef("assigned_agent"),
            created_at__gte=OuterRef("assigned_at"),
        )
    )


def _silent_too_long(now: datetime) -> QuerySet[SupportConversation]:
    limit = now - timedelta(seconds=settings.SLA_FIRST_REPLY_SECONDS)
    return SupportConversation.objects.filter(
        status=Status.ASSIGNED, assigned_at__lte=limit
    ).filter(~_agent_replied_since_assignment())


def breaches(*, now: datetime) -> list[Breach]:
    """The conversations missing a service level now (not yet checked for earlier alerts)."""
    found: list[Breach] = []
    if settings.SLA_WAITING_SECONDS > 0:
        # (django-stubs does not see annotations in lookups: hence the ignores below.)
        for conversation_id, since in _waiting_too_long(now).values_list(  # type: ignore[misc]
            "conversation_id", "waiting_since"
        ):
            found.append(Breach(conversation_id, SlaAlert.Kind.WAITING, since))
    if settings.SLA_FIRST_REPLY_SECONDS > 0:
        for conversation_id, since, agent_id in _silent_too_long(now).values_list(
            "conversation_id", "assigned_at", "assigned_agent__agent_id"
        ):
            assert since is not None  # assigned: the database guarantees it
            found.append(Breach(conversation_id, SlaAlert.Kind.NO_REPLY, since, agent_id))
    already = set(
        SlaAlert.objects.filter(conversation_id__in={b.conversation_id for b in found}).values_list(
            "conversation_id", "kind", "started_at"
        )
    )
    return [b for b in found if (b.conversation_id, b.kind, b.started_at) not in already]


def sweep(*, now: datetime | None = None) -> list[SlaAlert]:
    """Alert every new breach once. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    alerts = []
    for breach in breaches(now=now):
        alert = _alert(breach, now=now)
        if alert is not None:
            alerts.append(alert)
    return alerts


def _still_breached(conversation: SupportConversation, breach: Breach, now: datetime) -> bool:
    """Re-checked under the row lock: the conversation may have been assigned or answered
    since the sweep read it."""
    if breach.kind == SlaAlert.Kind.WAITING:
        return (
            _waiting_too_long(now)
            .filter(pk=conversation.pk, waiting_since=breach.started_at)  # type: ignore[misc]
            .exists()
        )
    return _silent_too_long(now).filter(pk=conversation.pk, assigned_at=breach.started_at).exists()


def _alert(breach: Breach, *, now: datetime) -> SlaAlert | None:
    with transaction.atomic():
        conversation = (
            SupportConversation.objects.select_for_update()
            .filter(pk=breach.conversation_id)
            .first()
        )
        if conversation is None or not _still_breached(conversation, breach, now):
            return None
        alert, created = SlaAlert.objects.get_or_create(
            conversation=conversation,
            kind=breach.kind,
            started_at=breach.started_at,
            defaults={
                "agent_id": breach.agent_id,
                "waited_seconds": int((now - breach.started_at).total_seconds()),
                "created_at": now,
            },
        )
        if not created:
            return None
        reassign = breach.kind == SlaAlert.Kind.NO_REPLY and settings.SLA_REASSIGN_NO_REPLY
        data = {
            "sla": {
                "kind": breach.kind.value,
                "since": breach.started_at,
                "waited_seconds": alert.waited_seconds,
                "limit_seconds": _limit(breach.kind),
                "agent": breach.agent_id or None,
                "reassigned": reassign,
            }
        }
        kind = WAITING_UNASSIGNED if breach.kind == SlaAlert.Kind.WAITING else NO_AGENT_REPLY
        outbox.record(kind, conversation=conversation, data=data, actor=SYSTEM)
        publish_on_commit(
            Event(
                type=REALTIME_EVENT,
                conversation_id=str(conversation.conversation_id),
                data={**data["sla"], "since": breach.started_at.isoformat()},
                groups=_supervisor_groups(),
            )
        )
        if reassign:
            do_unassign_conversation(
                actor=SYSTEM,
                conversation_id=conversation.conversation_id,
                reason=f"No reply within {_limit(breach.kind) // 60} minutes of the assignment.",
            )
            alert.reassigned = True
            alert.save(update_fields=["reassigned"])
    logger.warning(
        "SLA missed: %s for %s (%s s)", breach.kind, breach.conversation_id, alert.waited_seconds
    )
    return alert


def _limit(kind: str) -> int:
    if kind == SlaAlert.Kind.WAITING:
        return int(settings.SLA_WAITING_SECONDS)
    return int(settings.SLA_FIRST_REPLY_SECONDS)


def _supervisor_groups() -> tuple[str, ...]:
    supervisors = Agent.objects.filter(role=Role.SUPERVISOR, user__is_active=True)
    return tuple(events.agent_group(a) for a in supervisors.values_list("agent_id", flat=True))
