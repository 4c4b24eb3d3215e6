"""The Redis channel layer keeps an idle socket's consumer alive (django/channels_redis#422:
with redis-py 8 a read that waits longer than 5 s timed out and the socket was closed)."""

import asyncio

import pytest
from channels.layers import get_channel_layer
from django.conf import settings


@pytest.mark.skipif(
    "redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"].lower(),
    reason="needs the Redis channel layer: set REDIS_URL",
)
def test_a_receive_outlasts_an_idle_layer():
    layer = get_channel_layer()

    async def wait_then_receive():
        channel = await layer.new_channel()
        waiting = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(layer.brpop_timeout + 2)  # idle longer than one blocking wait
        assert not waiting.done(), waiting.exception() if waiting.done() else None
        await layer.send(channel, {"type": "ping"})
        return await asyncio.wait_for(waiting, timeout=5)

    assert asyncio.run(wait_then_receive()) == {"type": "ping"}
