"""Realtime fan-out, always after commit.

``publish_on_commit`` is the only way domain code emits a realtime event. Events go to small
channel-layer groups (one conversation, one agent, the staff queue), so no fan-out is large;
clients that miss one catch up from the API with ``?after=``.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """A typed realtime event: ``{type, conversation_id, data, event_id, occurred_at}``."""

    type: str
    conversation_id: str
    data: dict[str, Any]
    groups: tuple[str, ...]
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=timezone.now)

    def as_message(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "conversation_id": self.conversation_id,
            "data": self.data,
            "event_id": self.event_id,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
        }


Listener = Callable[[Event], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call ``listener`` with every event published from now on; returns the unsubscriber.
    Used by tests to capture events and by in-process background work."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def publish(event: Event) -> None:
    for listener in list(_listeners):
        listener(event)
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "support.event", "event": event.as_message()}
    for group in event.groups:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:
            # The change is committed; a lost realtime push is repaired by ?after= catch-up.
            logger.exception("could not publish %s to %s", event.type, group)


def publish_on_commit(event: Event) -> None:
    transaction.on_commit(lambda: publish(event), robust=True)
