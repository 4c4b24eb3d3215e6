"""Realtime fan-out, always after commit.

``publish_on_commit`` (``publish_all_on_commit`` for a fan-out) is the only way domain code
emits realtime events. Events go to small channel-layer groups (one conversation, one agent,
the staff queue), so no fan-out is large; clients that miss one catch up from the API with
``?after=``.

With Redis the channel layer is channels_redis's pub/sub layer: a group is a Redis channel,
and the socket processes subscribe to the groups their sockets joined. Publishing an event
is then one ``PUBLISH`` per group, which the web process sends itself, synchronously, on a
connection pool of its own (``_RedisGroups``): no event loop, no thread, about 0.1 ms of CPU
per event. All the ``PUBLISH``es of one call go in one pipeline, one round trip. The
in-memory layer (one process, ``make run``) is reached through ``async_to_sync``; so is any
other layer, more slowly.
"""

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from time import monotonic
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from channels_redis.utils import _consistent_hash, decode_hosts
from django.db import transaction
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# A publish waits at most this long for Redis. A connection error (a pooled connection gone
# stale) is retried once at once; a timeout is not (the event may have been sent, and a second
# wait would double the request's). redis-py's default retries with backoff took 3.5 s per
# publish while Redis refused connections, and every request that changes something publishes.
PUBLISH_TIMEOUT_SECONDS = 1.0
PUBLISH_RETRIES = 1
# After a failed publish, events are dropped without trying Redis for this long, so a Redis
# that does not answer costs a request thread one timeout per pause, not one per event (an
# escalation tells up to 200 waiting customers their new place in the queue).
PAUSE_AFTER_FAILURE_SECONDS = 5.0


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
    publish_all([event])


def publish_all(events: Sequence[Event]) -> None:
    """Send ``events`` in order. On Redis they go in one round trip, however many groups."""
    for event in events:
        for listener in list(_listeners):
            listener(event)
    layer = get_channel_layer()
    if layer is None or not events:
        return
    sends = [
        (group, message)
        for event in events
        for message in (_message(event),)
        for group in event.groups
    ]
    try:
        publisher = _redis_groups(layer) if isinstance(layer, RedisPubSubChannelLayer) else None
        if publisher is not None:
            publisher.send(sends)
        else:
            async_to_sync(_send)(layer, sends)
    except Exception:
        # The change is committed; a lost realtime push is repaired by ?after= catch-up.
        logger.exception("could not publish %s", _described(events))


def _message(event: Event) -> dict[str, Any]:
    return {"type": "support.event", "event": event.as_message()}


def _described(events: Sequence[Event]) -> str:
    if len(events) == 1:
        return f"{events[0].type} to {', '.join(events[0].groups)}"
    return f"{len(events)} events ({', '.join(sorted({e.type for e in events}))})"


async def _send(layer: BaseChannelLayer, sends: Iterable[tuple[str, dict[str, Any]]]) -> None:
    for group, message in sends:
        await layer.group_send(group, message)


class _RedisGroups:
    """Sends to the groups of a ``RedisPubSubChannelLayer`` as its own ``group_send`` does (the
    same channel names, shards and serializer), with redis-py's synchronous client."""

    def __init__(self, layer: RedisPubSubChannelLayer) -> None:
        config = layer._kwargs  # the layer's CONFIG, as channels_redis passes it on
        self.layer = layer
        self.prefix = config.get("prefix", "asgi")
        self.shards = [_client(host) for host in decode_hosts(config.get("hosts"))]
        self.paused_until = 0.0
        self.dropped = 0  # while paused (counted without a lock: a figure for the log)

    def channel(self, group: str) -> str:
        return f"{self.prefix}__group__{group}"  # RedisPubSubLoopLayer._get_group_channel_name

    def send(self, sends: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """One ``PUBLISH`` per (group, message), in one pipeline per shard. Raises what redis-py
        raises, and then drops events for PAUSE_AFTER_FAILURE_SECONDS."""
        if monotonic() < self.paused_until:
            self.dropped += 1
            return
        pipelines: dict[int, Any] = {}
        payloads: dict[int, bytes] = {}  # an event sent to several groups is serialized once
        for group, message in sends:
            channel = self.channel(group)
            shard = _consistent_hash(channel, len(self.shards))
            if shard not in pipelines:
                pipelines[shard] = self.shards[shard].pipeline(transaction=False)
            if id(message) not in payloads:
                payloads[id(message)] = self.layer.serialize(message)
            pipelines[shard].publish(channel, payloads[id(message)])
        try:
            for pipeline in pipelines.values():
                pipeline.execute()
        except Exception:
            self.paused_until = monotonic() + PAUSE_AFTER_FAILURE_SECONDS
            raise
        if self.dropped:
            logger.warning(
                "realtime events are sent again; %d were dropped while Redis failed; "
                "clients catch up",
                self.dropped,
            )
            self.dropped = 0


_TIMEOUTS = {
    "socket_timeout": PUBLISH_TIMEOUT_SECONDS,
    "socket_connect_timeout": PUBLISH_TIMEOUT_SECONDS,
}


def _client(host: dict[str, Any]) -> redis.Redis:
    options = {**host, "retry": Retry(NoBackoff(), PUBLISH_RETRIES, (redis.ConnectionError,))}
    if "address" in options:
        client = redis.Redis.from_url(options.pop("address"), **options)
    else:
        client = redis.Redis(**options)
    # Options in the URL (?socket_timeout=30) win over keyword arguments in from_url: the
    # publish's own limits are set last.
    client.connection_pool.connection_kwargs.update(_TIMEOUTS)
    return client


def _publishes_directly(host: dict[str, Any]) -> bool:
    """A Redis URL or host and port. Sentinel setups go through the layer's own group_send."""
    return "master_name" not in host and "sentinels" not in host


# id(layer) -> (the layer, its publisher or None)
_publishers: dict[int, tuple[RedisPubSubChannelLayer, _RedisGroups | None]] = {}


def _redis_groups(layer: RedisPubSubChannelLayer) -> _RedisGroups | None:
    """One publisher per layer object (the layer is made once per process), or None when the
    layer's hosts are not ones it publishes to directly. redis-py's pool is thread-safe and
    opens new connections after a fork."""
    known = _publishers.get(id(layer))
    if known is None or known[0] is not layer:
        hosts = decode_hosts(layer._kwargs.get("hosts"))
        direct = all(_publishes_directly(host) for host in hosts)
        known = _publishers[id(layer)] = (layer, _RedisGroups(layer) if direct else None)
    return known[1]


def publish_on_commit(event: Event) -> None:
    transaction.on_commit(lambda: publish(event), robust=True)


def publish_all_on_commit(events: Sequence[Event]) -> None:
    """Many events at once (a fan-out): one round trip to Redis instead of one per event."""
    transaction.on_commit(lambda: publish_all(events), robust=True)
