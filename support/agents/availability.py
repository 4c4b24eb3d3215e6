"""Agents' availability, capacity and languages, and their presence on sockets.

The only code that changes them. Each change locks the agent's row, asks the access module,
writes an AgentEvent (who, old value, new value) and publishes ``agent.updated`` after commit.
Going online, more capacity or more languages run routing after commit.

Presence: every open agent socket is an AgentSocket row, so every worker process sees it.
``sweep_offline_agents`` sets offline the agents whose last socket closed more than
``AGENT_OFFLINE_GRACE_SECONDS`` ago; a background job must call it periodically (routing
also calls it before it chooses agents).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from support.common.bus import Event, publish_on_commit
from support.common.errors import NotFound
from support.conversations.access import authorize_agent_change
from support.conversations.actors import SYSTEM, Actor
from support.conversations.events import QUEUE_GROUP, agent_group

from .models import Agent, AgentEvent, AgentSocket, Availability
from .selectors import load_of, lock_agent
from .services import clean_languages

# A socket that has not refreshed its row for this many heartbeats is gone (its worker died).
STALE_HEARTBEATS = 3


@dataclass(frozen=True)
class AgentChanges:
    """What to change; None leaves a field as it is."""

    availability: Availability | None = None
    max_concurrent: int | None = None
    languages: list[str] | None = None

    def fields(self) -> list[str]:
        return [name for name, value in vars(self).items() if value is not None]


def do_update_agent(
    *,
    actor: Actor,
    agent_id: str,
    changes: AgentChanges,
    reason: str = "",
    now: datetime | None = None,
) -> Agent:
    """Change an agent's availability, capacity or languages.

    Agents change their own availability; supervisors anything of anyone
    (access.authorize_agent_change). Locks the agent; 404 agent_not_found. Writes one
    AgentEvent per changed field and publishes agent.updated; nothing when nothing changes.
    """
    with transaction.atomic():
        agent = lock_agent(agent_id)
        if agent is None:
            raise NotFound(f"There is no agent {agent_id}.", code="agent_not_found")
        now = now or timezone.now()  # under the lock: after any assignment that held it
        authorize_agent_change(actor, agent, changes.fields())
        new: dict[str, Any] = {
            "availability": changes.availability,
            "max_concurrent": changes.max_concurrent,
            "languages": clean_languages(changes.languages) if changes.languages else None,
        }
        changed = {
            field: value
            for field, value in new.items()
            if value is not None and value != getattr(agent, field)
        }
        if not changed:
            return agent
        kinds = {
            "availability": AgentEvent.Kind.AVAILABILITY,
            "max_concurrent": AgentEvent.Kind.CAPACITY,
            "languages": AgentEvent.Kind.LANGUAGES,
        }
        for field, value in changed.items():
            AgentEvent.objects.create(
                agent=agent,
                kind=kinds[field],
                old_value=getattr(agent, field),
                new_value=value,
                actor_kind=actor.kind,
                actor_id=actor.actor_id,
                reason=reason,
            )
            setattr(agent, field, value)
        if "availability" in changed:
            agent.availability_changed_at = now
            changed["availability_changed_at"] = now
        agent.save(update_fields=list(changed))
        _publish(agent)
        if _may_take_more(changed):
            from .routing import route_after_commit  # routing imports this module

            route_after_commit()
    return agent


def do_set_availability(
    *, actor: Actor, agent_id: str, availability: Availability, reason: str = ""
) -> Agent:
    """Set an agent online, away or offline (see do_update_agent). Online agents receive
    waiting conversations automatically; away and offline ones keep what they hold."""
    return do_update_agent(
        actor=actor,
        agent_id=agent_id,
        changes=AgentChanges(availability=availability),
        reason=reason,
    )


def _may_take_more(changed: dict[str, Any]) -> bool:
    return changed.get("availability") == Availability.ONLINE or bool(
        {"max_concurrent", "languages"} & set(changed)
    )


def agent_data(agent: Agent) -> dict[str, Any]:
    return {
        "agent_id": agent.agent_id,
        "display_name": agent.display_name,
        "availability": agent.availability,
        "max_concurrent": agent.max_concurrent,
        "languages": agent.languages,
        "load": load_of(agent),
    }


def _publish(agent: Agent) -> None:
    """``agent.updated`` to the agent's own sockets and to every queue view."""
    publish_on_commit(
        Event(
            type="agent.updated",
            conversation_id="",
            data=agent_data(agent),
            groups=(agent_group(agent.agent_id), QUEUE_GROUP),
        )
    )


# Presence.


def socket_opened(*, agent_id: str, channel_name: str, now: datetime | None = None) -> None:
    """An agent's socket is open. Called by the agent socket consumer on connect."""
    now = now or timezone.now()
    agent = Agent.objects.filter(agent_id=agent_id).only("pk").first()
    if agent is not None:
        AgentSocket.objects.update_or_create(
            channel_name=channel_name, defaults={"agent": agent, "opened_at": now, "seen_at": now}
        )


def socket_seen(*, channel_name: str, now: datetime | None = None) -> None:
    """An open socket's heartbeat: it is still there."""
    AgentSocket.objects.filter(channel_name=channel_name).update(seen_at=now or timezone.now())


def socket_closed(*, agent_id: str, channel_name: str, now: datetime | None = None) -> None:
    """An agent's socket closed. The time is kept even while other sockets stay open: when
    the last one closes, it is the time of that last close, with no lock or count to race."""
    now = now or timezone.now()
    AgentSocket.objects.filter(channel_name=channel_name).delete()
    Agent.objects.filter(agent_id=agent_id).update(last_socket_closed_at=now)


def sweep_offline_agents(*, now: datetime | None = None) -> list[str]:
    """Set offline the online or away agents whose last socket closed more than
    ``AGENT_OFFLINE_GRACE_SECONDS`` ago (after they chose their availability: an agent who
    went online through the API, without a socket, stays online). Sockets that stopped
    refreshing their row count as closed when they were last seen. Returns the agent ids
    set offline. Idempotent; run it periodically."""
    now = now or timezone.now()
    _forget_stale_sockets(now)
    grace = timedelta(seconds=settings.AGENT_OFFLINE_GRACE_SECONDS)
    due = Agent.objects.filter(
        _gone_since(now - grace), availability__in=[Availability.ONLINE, Availability.AWAY]
    ).values_list("agent_id", flat=True)
    swept = []
    for agent_id in due:
        with transaction.atomic():
            agent = lock_agent(agent_id)
            # Checked again under the lock: a socket may have opened since.
            gone = Agent.objects.filter(_gone_since(now - grace), pk=agent.pk) if agent else None
            if gone is None or not gone.exists():
                continue
            do_update_agent(
                actor=SYSTEM,
                agent_id=agent_id,
                changes=AgentChanges(availability=Availability.OFFLINE),
                reason=f"No open console for {settings.AGENT_OFFLINE_GRACE_SECONDS} seconds.",
                now=now,
            )
            swept.append(agent_id)
    return swept


def _gone_since(cutoff: datetime) -> Q:
    return Q(sockets__isnull=True, last_socket_closed_at__lte=cutoff) & (
        Q(availability_changed_at__isnull=True)
        | Q(last_socket_closed_at__gte=F("availability_changed_at"))
    )


def _forget_stale_sockets(now: datetime) -> None:
    stale_before = now - timedelta(
        seconds=settings.AGENT_SOCKET_HEARTBEAT_SECONDS * STALE_HEARTBEATS
    )
    stale = AgentSocket.objects.filter(seen_at__lt=stale_before)
    last_seen = stale.values("agent_id").annotate(seen=Max("seen_at"))
    for row in last_seen:
        Agent.objects.filter(pk=row["agent_id"]).filter(
            Q(last_socket_closed_at__isnull=True) | Q(last_socket_closed_at__lt=row["seen"])
        ).update(last_socket_closed_at=row["seen"])
    stale.delete()
