"""Putting the cast to work: availability, capacity and languages set as a test needs them,
through the same action as the console and the API (routing runs after commit)."""

from datetime import datetime
from typing import Any

from django.test import TestCase

from support.agents.availability import AgentChanges, do_update_agent
from support.agents.models import Availability
from support.conversations.actors import SYSTEM


def set_agent(
    staff: Any,
    availability: str | None = None,
    *,
    capacity: int | None = None,
    languages: list[str] | None = None,
    now: datetime | None = None,
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        do_update_agent(
            actor=SYSTEM,
            agent_id=staff.agent_id,
            changes=AgentChanges(
                availability=Availability(availability) if availability else None,
                max_concurrent=capacity,
                languages=languages,
            ),
            now=now,
        )


def online(*staff: Any, capacity: int | None = None) -> None:
    for one in staff:
        set_agent(one, "online", capacity=capacity)
