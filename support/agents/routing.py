"""Automatic assignment: waiting conversations go to online agents who have room.

Entry points are plain functions, so a background job can call them:

- ``assign_waiting(now=...)`` drains the queue, oldest waiting first. It runs after every
  escalation, whenever an agent comes online or has room again (``route_after_commit``
  enqueues it as the background job ``agents.assign_waiting``, or runs it right away where
  no worker runs), and periodically in the job ``agents.sweep`` (support.agents.tasks):
  the language fallback begins when a wait runs out, not when something happens.
- ``route_conversation(conversation_id, now=...)`` routes one conversation.

Choosing an agent: online agents whose load (conversations assigned now, counted from the
database) is below their ``max_concurrent`` and who speak the conversation's language
(Malayalam and Manglish are one language here). A conversation that has waited
``ROUTING_LANGUAGE_FALLBACK_SECONDS`` goes to any such agent when no speaker has room. The
least loaded first, then the one idle longest (assigned least recently; never, first).
Agents a conversation was unassigned from are not offered it again.

The choice is made from a snapshot and may be stale by the time it is acted on; the
assignment itself (conversations.assignment.do_auto_assign_conversation) locks the agent,
counts its load again and takes the conversation only while it still waits.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from support import jobs
from support.conversations.assignment import (
    AutoAssignment,
    agents_who_left,
    do_auto_assign_conversation,
)
from support.conversations.models import SupportConversation
from support.conversations.states import Language, Status

from .models import Agent, Availability
from .selectors import load_count

logger = logging.getLogger(__name__)

# Conversations looked at per run, oldest first; a longer queue drains over several runs.
BATCH = 500

# Background jobs (support.agents.tasks).
ASSIGN_WAITING = "agents.assign_waiting"
SWEEP = "agents.sweep"

# Languages an agent must speak to take a conversation: Manglish is Malayalam.
_ROUTING_LANGUAGE = {Language.MANGLISH.value: Language.MALAYALAM.value}


def routing_language(code: str) -> str:
    return _ROUTING_LANGUAGE.get(code, code)


@dataclass(frozen=True)
class Assignment:
    conversation_id: UUID
    agent_id: str


@dataclass
class _Candidate:
    agent_id: str
    languages: frozenset[str]
    load: int
    max_concurrent: int
    last_assigned_at: datetime | None

    @property
    def has_room(self) -> bool:
        return self.load < self.max_concurrent

    def rank(self) -> tuple[int, datetime, str]:
        idle_since = self.last_assigned_at or datetime.min.replace(tzinfo=UTC)
        return (self.load, idle_since, self.agent_id)


def route_after_commit() -> None:
    """Run ``assign_waiting`` once the current transaction commits: in a background worker
    when one runs (Celery, or the server's in-process worker), else right here."""
    if settings.AUTO_ASSIGN:
        transaction.on_commit(_assign_waiting_soon, robust=True)


def _assign_waiting_soon() -> None:
    if not jobs.enqueue(ASSIGN_WAITING):
        assign_waiting()


def assign_waiting(*, now: datetime | None = None) -> list[Assignment]:
    """Assign waiting conversations, oldest first, while agents have room. Returns what it
    assigned. Idempotent and safe to run in many workers at once."""
    if not settings.AUTO_ASSIGN:
        return []
    from .availability import sweep_offline_agents  # it schedules this module's runs

    now = now or timezone.now()
    sweep_offline_agents(now=now)
    agents = _online_agents()
    if not any(agent.has_room for agent in agents):
        return []
    assignments: list[Assignment] = []
    waiting = SupportConversation.objects.filter(status=Status.ESCALATED).order_by(
        "escalated_at", "started_at", "conversation_id"
    )
    for conversation in waiting.only("conversation_id", "language", "escalated_at")[:BATCH]:
        if not any(agent.has_room for agent in agents):
            break
        assignment = _route(conversation, agents, now)
        if assignment is not None:
            assignments.append(assignment)
    return assignments


def route_conversation(conversation_id: UUID, *, now: datetime | None = None) -> Assignment | None:
    """Assign one waiting conversation, if an agent is available for it."""
    if not settings.AUTO_ASSIGN:
        return None
    conversation = (
        SupportConversation.objects.filter(pk=conversation_id, status=Status.ESCALATED)
        .only("conversation_id", "language", "escalated_at")
        .first()
    )
    if conversation is None:
        return None
    return _route(conversation, _online_agents(), now or timezone.now())


def _online_agents() -> list[_Candidate]:
    rows = (
        Agent.objects.filter(availability=Availability.ONLINE)
        .annotate(load=load_count())
        .values_list("agent_id", "languages", "load", "max_concurrent", "last_assigned_at")
    )
    return [
        _Candidate(
            agent_id=agent_id,
            languages=frozenset(routing_language(code) for code in languages or []),
            load=load,
            max_concurrent=max_concurrent,
            last_assigned_at=last_assigned_at,
        )
        for agent_id, languages, load, max_concurrent, last_assigned_at in rows
    ]


def candidates(
    conversation: SupportConversation,
    agents: list[_Candidate],
    *,
    now: datetime,
    excluded: frozenset[str] = frozenset(),
) -> list[_Candidate]:
    """The agents to offer ``conversation`` to, best first."""
    with_room = [a for a in agents if a.has_room and a.agent_id not in excluded]
    language = routing_language(conversation.language)
    speakers = [a for a in with_room if language in a.languages]
    waited = now - (conversation.escalated_at or now)
    fallback = timedelta(seconds=settings.ROUTING_LANGUAGE_FALLBACK_SECONDS)
    chosen = speakers if speakers or waited < fallback else with_room
    return sorted(chosen, key=_Candidate.rank)


def _route(
    conversation: SupportConversation, agents: list[_Candidate], now: datetime
) -> Assignment | None:
    if not candidates(conversation, agents, now=now):
        return None
    excluded = frozenset(agents_who_left(conversation.conversation_id))
    for agent in candidates(conversation, agents, now=now, excluded=excluded):
        outcome = do_auto_assign_conversation(
            conversation_id=conversation.conversation_id, agent_id=agent.agent_id
        )
        if outcome == AutoAssignment.ASSIGNED:
            agent.load += 1
            logger.info("assigned %s to %s", conversation.conversation_id, agent.agent_id)
            return Assignment(conversation.conversation_id, agent.agent_id)
        if outcome == AutoAssignment.TAKEN:
            return None
        agent.load = agent.max_concurrent  # full or gone by now: not offered again this run
    return None
