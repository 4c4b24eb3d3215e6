"""The Redis channel layer keeps an idle socket's consumer alive. redis-py 8 gives a read 5 s
by default; channels_redis's first layer blocked longer than that on an idle channel, timed
out and dropped the socket (django/channels_redis#422). The pub/sub layer must not."""

import asyncio

import pytest
from channels.layers import get_channel_layer
from django.conf import settings

REDIS_PY_READ_TIMEOUT = 5  # seconds, redis-py 8's default socket_timeout


@pytest.mark.skipif(
    "redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"].lower(),
    reason="needs the Redis channel layer: set REDIS_URL",
)
def test_a_receive_outlasts_an_idle_layer():
    layer = get_channel_layer()

    async def wait_then_receive():
        channel = await layer.new_channel()
        waiting = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(REDIS_PY_READ_TIMEOUT + 2)
        assert not waiting.done(), waiting.exception() if waiting.done() else None
        await layer.send(channel, {"type": "ping"})
        return await asyncio.wait_for(waiting, timeout=5)

    assert asyncio.run(wait_then_receive()) == {"type": "ping"}
