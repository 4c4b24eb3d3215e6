"""What a waiting customer is told: their place in the queue and how long it may take.

Reads only. A conversation waits while it is `escalated` (escalated and not assigned).

**Position**: its place in the staff queue (``selectors.queue``: oldest escalation first),
among every waiting conversation, whatever its language; 1 is next. Routing takes them oldest
first too, but one that waits for a Malayalam speaker may be passed by a later one an
English-speaking agent can take: the place is the queue's order, not a promise of it.

**Estimate**: the queue's recent pace times the position. The pace is the business-hours
time during which someone was waiting over the last ``WINDOW``, divided by the conversations
agents took from the queue in it (assigned, claimed or routed): "while customers waited, an
agent took one every so many seconds". The estimate is when that much business time will
have passed (``hours.after_open_seconds``), so out of hours it counts from the next opening
and a wait that outlasts today's hours goes on at the next opening. No estimate (None), rather
than a guess: fewer than ``MIN_TAKEN`` conversations taken in the window, no agent online
during business hours, or no opening within a year. Conversations escalated before the
window and taken in it are not counted; at a day's length, few are.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from support.agents.models import Agent, Availability

from . import hours
from .models import ConversationEvent, SupportConversation
from .selectors import QUEUE_ORDER
from .states import Status

WINDOW = timedelta(hours=24)
MIN_TAKEN = 3


@dataclass(frozen=True)
class QueueStatus:
    """A waiting conversation's ``queue`` (the API field and the ``queue.updated`` data)."""

    position: int
    estimated_wait_seconds: int | None
    open_now: bool
    next_opening: datetime | None

    def as_data(self) -> dict[str, Any]:
        opening = self.next_opening
        return {
            "position": self.position,
            "estimated_wait_seconds": self.estimated_wait_seconds,
            "open_now": self.open_now,
            "next_opening": (
                opening.astimezone(UTC).isoformat().replace("+00:00", "Z") if opening else None
            ),
        }


def waiting() -> QuerySet[SupportConversation]:
    """Waiting conversations in queue order."""
    return SupportConversation.objects.filter(status=Status.ESCALATED).order_by(*QUEUE_ORDER)


def queue_status(
    conversation: SupportConversation, *, now: datetime | None = None
) -> QueueStatus | None:
    """The conversation's place and estimate while it waits; None otherwise."""
    if conversation.status != Status.ESCALATED or conversation.escalated_at is None:
        return None
    now = now or timezone.now()
    ahead = waiting().filter(_ahead_of(conversation)).count()
    return _Outlook.at(now).status(ahead + 1)


def queue_statuses(*, limit: int, now: datetime | None = None) -> list[tuple[UUID, QueueStatus]]:
    """The first ``limit`` waiting conversations with their place and estimate, read once."""
    now = now or timezone.now()
    ids = list(waiting().values_list("conversation_id", flat=True)[:limit])
    if not ids:
        return []
    outlook = _Outlook.at(now)
    return [(conversation_id, outlook.status(n)) for n, conversation_id in enumerate(ids, 1)]


def seconds_per_place(*, now: datetime) -> float | None:
    """The queue's pace: business-hours seconds with someone waiting, over the last
    ``WINDOW``, per conversation agents took from the queue. None below ``MIN_TAKEN``."""
    since = now - WINDOW
    recent = SupportConversation.objects.filter(
        Q(status=Status.ESCALATED)
        | Q(status__in=[Status.ASSIGNED, Status.RESOLVED], escalated_at__gte=since)
    )
    changes = (
        ConversationEvent.objects.filter(
            conversation__in=recent, created_at__gte=since, created_at__lte=now
        )
        .filter(Q(from_status=Status.ESCALATED) | Q(to_status=Status.ESCALATED))
        .exclude(from_status=F("to_status"))
        .order_by("created_at", "id")
        .values_list("conversation_id", "to_status", "created_at")
    )
    entered: dict[UUID, datetime] = {}
    spans: list[tuple[datetime, datetime]] = []
    taken = 0
    for conversation_id, to_status, at in changes:
        if to_status == Status.ESCALATED:
            entered[conversation_id] = at
            continue
        # Left the queue; it entered before the window when its entry is not in it.
        spans.append((entered.pop(conversation_id, since), at))
        if to_status == Status.ASSIGNED:
            taken += 1
    if taken < MIN_TAKEN:
        return None
    # Still waiting: since they entered, or since the window began.
    still_waiting = waiting().filter(escalated_at__lte=now).values_list("conversation_id")
    spans.extend((entered.get(conversation_id, since), now) for (conversation_id,) in still_waiting)
    return _busy_open_seconds(spans) / taken


def agents_online() -> int:
    return Agent.objects.filter(availability=Availability.ONLINE).count()


@dataclass(frozen=True)
class _Outlook:
    """What every waiting conversation's estimate shares at one moment."""

    now: datetime
    open_now: bool  # business hours, or an agent online outside them (a late shift)
    in_hours: bool
    next_opening: datetime | None
    pace: float | None
    agents_online: int

    @classmethod
    def at(cls, now: datetime) -> "_Outlook":
        in_hours = hours.is_open(now)
        online = agents_online()
        open_now = in_hours or online > 0
        return cls(
            now=now,
            open_now=open_now,
            in_hours=in_hours,
            next_opening=None if open_now else hours.next_opening(now),
            pace=seconds_per_place(now=now),
            agents_online=online,
        )

    def status(self, position: int) -> QueueStatus:
        return QueueStatus(
            position=position,
            estimated_wait_seconds=self._estimate(position),
            open_now=self.open_now,
            next_opening=self.next_opening,
        )

    def _estimate(self, position: int) -> int | None:
        if self.pace is None or (self.open_now and self.agents_online == 0):
            return None
        if not self.in_hours and self.agents_online:  # a late shift works now
            return math.ceil(position * self.pace)
        done = hours.after_open_seconds(self.now, position * self.pace)
        if done is None:
            return None
        return math.ceil((done - self.now).total_seconds())


def _ahead_of(conversation: SupportConversation) -> Q:
    """Waiting conversations before ``conversation`` in QUEUE_ORDER."""
    escalated_at, started_at = conversation.escalated_at, conversation.started_at
    return (
        Q(escalated_at__lt=escalated_at)
        | Q(escalated_at=escalated_at, started_at__lt=started_at)
        | Q(
            escalated_at=escalated_at,
            started_at=started_at,
            conversation_id__lt=conversation.conversation_id,
        )
    )


def _busy_open_seconds(spans: list[tuple[datetime, datetime]]) -> float:
    """Business-hours seconds covered by at least one span."""
    total = 0.0
    current: tuple[datetime, datetime] | None = None
    for start, end in sorted(spans):
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            total += hours.open_seconds(*current)
        current = (start, end)
    if current is not None:
        total += hours.open_seconds(*current)
    return total
