"""Realtime fan-out, always after commit.

``publish_on_commit`` is the only way domain code emits a realtime event. Events go to small
channel-layer groups (one conversation, one agent, the staff queue), so no fan-out is large;
clients that miss one catch up from the API with ``?after=``.
"""

import asyncio
import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
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
    if isinstance(layer, InMemoryChannelLayer):
        # Its queues belong to the consumers' event loop: under ASGI async_to_sync runs
        # the send there.
        async_to_sync(_send)(layer, event, message)
    else:
        _publisher.run(_send(layer, event, message))


async def _send(layer: BaseChannelLayer, event: Event, message: dict[str, Any]) -> None:
    for group in event.groups:
        try:
            await layer.group_send(group, message)
        except Exception:
            # The change is committed; a lost realtime push is repaired by ?after= catch-up.
            logger.exception("could not publish %s to %s", event.type, group)


class _PublisherLoop:
    """One event loop per process, in a daemon thread, that sends to a network channel layer.

    Called outside an event loop (a WSGI worker, a command), ``async_to_sync`` starts a new
    thread and event loop for every call, and channels_redis keeps its connections per
    event loop: every publish paid a thread, a loop and a new Redis connection. Reusing
    one loop reuses the connection.
    """

    TIMEOUT_SECONDS = 10.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():  # none yet, or forked
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="realtime-publisher", daemon=True
                ).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def run(self, coroutine: Any) -> None:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._running_loop())
        try:
            future.result(timeout=self.TIMEOUT_SECONDS)
        except Exception:
            future.cancel()
            logger.exception("could not publish a realtime event")


_publisher = _PublisherLoop()


def publish_on_commit(event: Event) -> None:
    transaction.on_commit(lambda: publish(event), robust=True)
