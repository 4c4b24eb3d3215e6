"""Realtime fan-out, always after commit.

``publish_on_commit`` is the only way domain code emits a realtime event. Events go to small
channel-layer groups (one conversation, one agent, the staff queue), so no fan-out is large;
clients that miss one catch up from the API with ``?after=``.
"""

import asyncio
import atexit
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

    The request does not wait for Redis: events are queued and one task sends them in the
    order they were published, so a conversation's events arrive in order. The change is
    committed before its event is queued, and a client that misses an event (a crash before
    the queue drained, or a queue full under overload) catches up with ``?after=``.
    """

    MAX_QUEUED = 10_000
    FLUSH_SECONDS = 5.0
    LOG_EVERY = 1000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[Any] | None = None
        self._pid = 0
        self.dropped = 0

    def _running_loop(self) -> tuple[asyncio.AbstractEventLoop, "asyncio.Queue[Any]"]:
        with self._lock:
            if self._loop is None or self._queue is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                queue: asyncio.Queue[Any] = asyncio.Queue()
                threading.Thread(
                    target=loop.run_forever, name="realtime-publisher", daemon=True
                ).start()
                asyncio.run_coroutine_threadsafe(self._drain(queue), loop)
                self._loop, self._queue, self._pid = loop, queue, os.getpid()
            return self._loop, self._queue

    @staticmethod
    async def _drain(queue: "asyncio.Queue[Any]") -> None:
        while True:
            coroutine = await queue.get()
            try:
                await coroutine
            except Exception:
                logger.exception("could not publish a realtime event")
            finally:
                queue.task_done()

    def run(self, coroutine: Any) -> None:
        loop, queue = self._running_loop()
        if queue.qsize() >= self.MAX_QUEUED:
            coroutine.close()
            self.dropped += 1
            # A burst drops thousands: one line for the first and one per thousand after.
            if self.dropped % self.LOG_EVERY == 1 or self.LOG_EVERY == 1:
                logger.warning(
                    "realtime queue full; events dropped so far: %d; clients catch up",
                    self.dropped,
                )
            return
        loop.call_soon_threadsafe(queue.put_nowait, coroutine)

    def flush(self, timeout: float = FLUSH_SECONDS) -> bool:
        """Wait until every queued event is sent (True), or ``timeout`` passes (False)."""
        with self._lock:
            loop, queue = self._loop, self._queue
            if loop is None or queue is None or self._pid != os.getpid():
                return True
        future = asyncio.run_coroutine_threadsafe(queue.join(), loop)
        try:
            future.result(timeout=timeout)
        except TimeoutError:
            future.cancel()
            return False
        return True


_publisher = _PublisherLoop()
# A command (seed_demo, a Celery task run) exits right after its work: send what it queued.
atexit.register(_publisher.flush)


def flush(timeout: float = _PublisherLoop.FLUSH_SECONDS) -> bool:
    """Wait until the events queued so far are sent to the channel layer."""
    return _publisher.flush(timeout)


def publish_on_commit(event: Event) -> None:
    transaction.on_commit(lambda: publish(event), robust=True)
