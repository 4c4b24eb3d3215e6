"""WebSockets: who may connect, what each side receives, and that private notes and
dropped AI replies never reach the customer."""

import contextlib
import logging
import threading
from socket import create_server

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from support.common import bus
from support.conversations import events

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]


def socket(path, token=None):
    """A socket as browsers open it: the token offered as a subprotocol."""
    offered = ["ks.support", f"ks.token.{token}"] if token is not None else None
    return WebsocketCommunicator(application, path, headers=ORIGIN, subprotocols=offered)


async def refusal(communicator):
    """The close code a refused socket gets. It is accepted first: a close before the
    handshake is answered reaches a browser as 1006, whatever the code."""
    connected, _ = await communicator.connect()
    assert connected
    message = await communicator.receive_output(timeout=3)
    assert message["type"] == "websocket.close"
    return message["code"]


def run(coroutine_function):
    return async_to_sync(coroutine_function)()


async def receive_types(communicator, count):
    return [(await communicator.receive_json_from(timeout=3))["type"] for _ in range(count)]


def test_a_customer_socket_needs_the_conversation_token(customer, other_customer):
    async def scenario():
        wrong = socket(f"/ws/conversations/{customer.conversation_id}/", other_customer.token)
        assert await refusal(wrong) == 4403
        missing = socket(f"/ws/conversations/{customer.conversation_id}/")
        assert await refusal(missing) == 4401
        right = socket(f"/ws/conversations/{customer.conversation_id}/", customer.token)
        connected, _ = await right.connect()
        assert connected
        await right.disconnect()

    run(scenario)


def test_a_token_offered_as_a_subprotocol_opens_the_socket_and_stays_out_of_the_url(
    customer, other_customer, anu
):
    """Browsers send the token as a subprotocol, so access logs, which record URLs, never
    hold it. The server answers with ``ks.support``, as a browser requires."""

    def offering(path, token):
        return WebsocketCommunicator(
            application, path, headers=ORIGIN, subprotocols=["ks.support", f"ks.token.{token}"]
        )

    async def scenario():
        path = f"/ws/conversations/{customer.conversation_id}/"
        assert await refusal(offering(path, other_customer.token)) == 4403
        assert await refusal(offering(path, "not-a-token")) == 4401
        right = offering(path, customer.token)
        assert (await right.connect()) == (True, "ks.support")
        await right.disconnect()
        agent = offering("/ws/agent/", anu.token)
        assert (await agent.connect()) == (True, "ks.support")
        await agent.disconnect()
        assert await refusal(offering("/ws/agent/", customer.token)) == 4401
        # A token in the URL is not read: access logs record URLs.
        in_the_url = WebsocketCommunicator(
            application, f"/ws/agent/?token={anu.token}", headers=ORIGIN
        )
        assert await refusal(in_the_url) == 4401

    run(scenario)


def test_an_agent_socket_needs_staff_credentials(anu, customer):
    async def scenario():
        anonymous = socket("/ws/agent/")
        assert await refusal(anonymous) == 4401
        customer_token = socket("/ws/agent/", customer.token)
        assert await refusal(customer_token) == 4401
        agent = socket("/ws/agent/", anu.token)
        connected, _ = await agent.connect()
        assert connected
        await agent.disconnect()

    run(scenario)


def test_the_customer_sees_the_whole_handoff_live(customer, supervisor, anu):
    async def scenario():
        ws = socket(f"/ws/conversations/{customer.conversation_id}/", customer.token)
        assert (await ws.connect())[0]
        client = customer.client()
        await sync_to_async(client.post)(
            customer.url("messages/"), {"message": "I want to talk to a human agent"}
        )
        assert await receive_types(ws, 4) == [
            "message.created",
            "message.created",
            "conversation.escalated",
            "queue.updated",
        ]
        await sync_to_async(supervisor.client().post)(
            customer.url("assign/"), {"agent_id": "agent_anu"}
        )
        assert await receive_types(ws, 2) == ["message.created", "conversation.assigned"]
        await sync_to_async(anu.client().post)(customer.url("notes/"), {"message": "secret"})
        await sync_to_async(anu.client().post)(
            customer.url("agent/messages/"), {"message": "Hello, I am Anu"}
        )
        reply = await ws.receive_json_from(timeout=3)
        assert (reply["type"], reply["data"]["message"]) == ("message.created", "Hello, I am Anu")
        assert reply["data"]["sender"] == "agent"
        assert await ws.receive_nothing(timeout=0.3)  # the note never arrives
        await ws.disconnect()

    run(scenario)


def test_agents_see_escalations_in_the_queue_and_notes_where_they_watch(customer, anu):
    async def scenario():
        agent = socket("/ws/agent/", anu.token)
        assert (await agent.connect())[0]
        await sync_to_async(customer.client().post)(customer.url("escalate/"), {})
        escalated = await agent.receive_json_from(timeout=3)
        assert escalated["type"] == "conversation.escalated"
        assert escalated["conversation_id"] == str(customer.conversation_id)
        assert escalated["data"]["status"] == "escalated"
        assert set(escalated) == {"type", "conversation_id", "data", "event_id", "occurred_at"}

        await agent.send_json_to(
            {"type": "watch", "conversation_id": str(customer.conversation_id)}
        )
        assert (await agent.receive_json_from(timeout=3))["type"] == "watching"
        await sync_to_async(customer.client().post)(customer.url("messages/"), {"message": "hi?"})
        message = await agent.receive_json_from(timeout=3)
        assert (message["type"], message["data"]["sender"]) == ("message.created", "user")
        await agent.disconnect()

    run(scenario)


def test_typing_reaches_the_other_side(make_customer, anu):
    customer = make_customer("assigned", agent=anu)

    async def scenario():
        ws = socket(f"/ws/conversations/{customer.conversation_id}/", customer.token)
        agent = socket("/ws/agent/", anu.token)
        assert (await ws.connect())[0] and (await agent.connect())[0]
        cid = str(customer.conversation_id)
        await agent.send_json_to({"type": "watch", "conversation_id": cid})
        await agent.receive_json_from(timeout=3)

        await agent.send_json_to({"type": "typing", "conversation_id": cid})
        typing = await ws.receive_json_from(timeout=3)
        assert (typing["type"], typing["data"]) == ("agent.typing", {"by": "Anu"})

        await ws.send_json_to({"type": "typing"})
        seen = await agent.receive_json_from(timeout=3)
        assert (seen["type"], seen["data"]) == ("customer.typing", {"by": "customer"})
        await ws.disconnect()
        await agent.disconnect()

    run(scenario)


def test_an_agent_cannot_watch_what_does_not_exist(anu):
    async def scenario():
        agent = socket("/ws/agent/", anu.token)
        assert (await agent.connect())[0]
        await agent.send_json_to(
            {"type": "watch", "conversation_id": "00000000-0000-0000-0000-000000000000"}
        )
        answer = await agent.receive_json_from(timeout=3)
        assert answer == {"type": "error", "data": {"detail": "Conversation not found."}}
        await agent.send_json_to({"type": "dance"})
        assert (await agent.receive_json_from(timeout=3))["data"]["detail"] == (
            "Unknown type 'dance'."
        )
        await agent.disconnect()

    run(scenario)


def test_when_redis_refuses_the_event_is_logged_and_the_message_is_still_stored(
    make_customer, settings, caplog
):
    customer = make_customer("escalated")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"], "prefix": "ks-down"},
        }
    }

    with caplog.at_level(logging.ERROR, logger="support.common.bus"):
        response = customer.client().post(
            customer.url("messages/"), {"message": "Still there?"}, format="json"
        )

    assert response.status_code == 201
    assert customer.conversation().messages.filter(text="Still there?").count() == 1
    assert [r.getMessage() for r in caplog.records] == [
        f"could not publish message.created to conversation.{customer.conversation_id}"
    ]
    assert "Connection refused" in caplog.text


def test_after_a_failed_publish_redis_is_left_alone_for_a_pause(
    make_customer, settings, caplog, monkeypatch
):
    customer = make_customer("escalated")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"], "prefix": "ks-down"},
        }
    }
    clock = [1000.0]
    monkeypatch.setattr(bus, "monotonic", lambda: clock[0])

    def say(text):
        response = customer.client().post(
            customer.url("messages/"), {"message": text}, format="json"
        )
        assert response.status_code == 201

    def logged():
        lines = [r.getMessage() for r in caplog.records]
        caplog.clear()
        return lines

    failed = f"could not publish message.created to conversation.{customer.conversation_id}"
    with caplog.at_level(logging.WARNING, logger="support.common.bus"):
        say("one")
        assert logged() == [failed]
        say("two")  # within the pause: not sent, not tried
        say("three")
        assert logged() == []
        clock[0] += bus.PAUSE_AFTER_FAILURE_SECONDS
        say("four")  # tried again, and Redis still refuses
        assert logged() == [failed]
        from channels.layers import get_channel_layer

        sent = []

        class Pipeline:  # Redis answers again
            def publish(self, *args):
                sent.append(args)

            def execute(self):
                return [0] * len(sent)

        publisher = bus._redis_groups(get_channel_layer())
        monkeypatch.setattr(publisher.shards[0], "pipeline", lambda transaction: Pipeline())
        say("five")  # still paused
        clock[0] += bus.PAUSE_AFTER_FAILURE_SECONDS
        say("six")  # Redis answers again

    assert [channel for channel, _ in sent] == [
        f"ks-down__group__conversation.{customer.conversation_id}"
    ]
    assert logged() == [
        "realtime events are sent again; 3 were dropped while Redis failed; clients catch up"
    ]
    assert customer.conversation().messages.filter(sender="user").count() == 6


def test_a_redis_that_does_not_answer_costs_one_timeout_and_no_retry(settings, caplog, monkeypatch):
    """A server that accepts connections and never answers. The publish's own timeout wins
    over one in the URL, and a timeout is not retried (one connection)."""
    server = create_server(("127.0.0.1", 0))
    accepted = []

    def accept():
        with contextlib.suppress(OSError):
            while True:
                accepted.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    monkeypatch.setattr(bus, "_TIMEOUTS", {"socket_timeout": 0.2, "socket_connect_timeout": 0.2})
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [f"redis://127.0.0.1:{server.getsockname()[1]}/0?socket_timeout=30"],
                "prefix": "ks-silent",
            },
        }
    }
    event = bus.Event(type="ping", conversation_id="c", data={}, groups=("somewhere",))
    publishing = threading.Thread(target=bus.publish, args=(event,))
    try:
        with caplog.at_level(logging.ERROR, logger="support.common.bus"):
            publishing.start()
            publishing.join(10)  # 0.2 s expected; 30 s if the URL's timeout applied
        assert not publishing.is_alive()
    finally:
        server.close()
        for connection in accepted:
            connection.close()

    assert len(accepted) == 1
    assert [r.getMessage() for r in caplog.records] == ["could not publish ping to somewhere"]
    assert "Timeout" in caplog.text


def test_a_sentinel_setup_publishes_through_the_layers_own_group_send(settings, monkeypatch):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"sentinels": [("127.0.0.1", 1)], "master_name": "support"}],
                "prefix": "ks-sentinel",
            },
        }
    }
    sent = []

    async def send(layer, sends):
        sent.extend((group, message["event"]["type"]) for group, message in sends)

    monkeypatch.setattr(bus, "_send", send)
    bus.publish(bus.Event(type="ping", conversation_id="c", data={}, groups=("a", "b")))

    assert sent == [("a", "ping"), ("b", "ping")]


def test_the_queue_fan_out_is_one_round_trip_to_redis(make_customer, settings, monkeypatch):
    waiting = [make_customer("escalated", user_id=f"waiting_{i}") for i in range(3)]
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"], "prefix": "ks-fanout"},
        }
    }
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    round_trips, sent = [], []

    class Pipeline:
        def publish(self, channel, payload):
            sent.append((channel, layer.deserialize(payload)["event"]))

        def execute(self):
            round_trips.append(len(sent))

    monkeypatch.setattr(
        bus._redis_groups(layer).shards[0], "pipeline", lambda transaction: Pipeline()
    )
    events.publish_queue()

    assert round_trips == [3]
    assert [(channel, event["type"], event["data"]["position"]) for channel, event in sent] == [
        (f"ks-fanout__group__conversation.{c.conversation_id}", "queue.updated", place)
        for place, c in enumerate(waiting, start=1)
    ]


def test_events_reach_a_subscribed_socket_process_in_the_order_they_were_published(settings):
    """The web process publishes with its own synchronous client; a layer in another event
    loop, as the socket process has, receives every event of the group, in order."""
    if "redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"].lower():
        pytest.skip("needs the Redis channel layer: set REDIS_URL")
    from channels.layers import get_channel_layer

    layer = get_channel_layer()

    def publish_fifty():
        for i in range(50):
            bus.publish(
                bus.Event(type="n", conversation_id="c", data={"i": i}, groups=("ordering-test",))
            )

    async def scenario():
        channel = await layer.new_channel()
        await layer.group_add("ordering-test", channel)
        try:
            await sync_to_async(publish_fifty, thread_sensitive=False)()
            return [(await layer.receive(channel))["event"]["data"]["i"] for _ in range(50)]
        finally:
            await layer.group_discard("ordering-test", channel)

    assert run(scenario) == list(range(50))


# Frames and paths that are not what a client sends, and credentials that stop holding.


def test_a_frame_that_is_not_a_json_object_gets_an_error_and_the_socket_stays(anu, customer):
    async def scenario():
        agent = socket("/ws/agent/", anu.token)
        ws = socket(f"/ws/conversations/{customer.conversation_id}/", customer.token)
        assert (await agent.connect())[0] and (await ws.connect())[0]

        for bad in ("hello", "[" * 100_000 + "]" * 100_000):
            await agent.send_to(text_data=bad)
            assert await agent.receive_json_from(timeout=3) == {
                "type": "error",
                "data": {"detail": "Send a JSON object."},
            }
        await agent.send_to(bytes_data=b"\x00\x01")
        assert (await agent.receive_json_from(timeout=3))["data"] == {
            "detail": "Send JSON text frames."
        }
        await ws.send_to(text_data="{not json")
        assert (await ws.receive_json_from(timeout=3))["type"] == "error"

        # Both still work.
        cid = str(customer.conversation_id)
        await agent.send_json_to({"type": "watch", "conversation_id": cid})
        assert await agent.receive_json_from(timeout=3) == {
            "type": "watching",
            "conversation_id": cid,
        }
        await ws.send_json_to({"type": "typing"})
        assert (await agent.receive_json_from(timeout=3))["type"] == "customer.typing"
        await agent.disconnect()
        await ws.disconnect()

    run(scenario)


def test_a_failure_on_a_frame_closes_the_socket_and_ends_the_presence(anu, monkeypatch):
    from support.agents.models import AgentSocket
    from support.realtime import consumers

    async def broken(actor, conversation_id):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(consumers, "_may_view", broken)

    async def scenario():
        agent = socket("/ws/agent/", anu.token)
        assert (await agent.connect())[0]
        assert await sync_to_async(AgentSocket.objects.count)() == 1
        await agent.send_json_to(
            {"type": "watch", "conversation_id": "00000000-0000-0000-0000-000000000000"}
        )
        assert await agent.receive_output(timeout=3) == {"type": "websocket.close", "code": 1011}
        await agent.disconnect()  # what the server does when the client's close comes back
        assert await sync_to_async(AgentSocket.objects.count)() == 0

    run(scenario)


@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/conversations/not-a-uuid/", "/other/"])
def test_a_socket_to_an_unknown_path_is_closed_with_4404(path, caplog):
    async def scenario():
        assert await refusal(socket(path)) == 4404

    run(scenario)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _session_cookie(user):
    from django.conf import settings
    from django.test import Client as DjangoClient

    browser = DjangoClient()
    browser.force_login(user)
    return browser, (
        b"cookie",
        f"{settings.SESSION_COOKIE_NAME}={browser.session.session_key}".encode(),
    )


def test_a_staff_socket_closes_when_its_user_logs_out(anu):
    browser, cookie = _session_cookie(anu.agent.user)

    async def scenario():
        agent = WebsocketCommunicator(application, "/ws/agent/", headers=[*ORIGIN, cookie])
        assert (await agent.connect())[0]
        await sync_to_async(browser.post)("/console/logout/")
        assert await agent.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}

    run(scenario)


def test_a_staff_socket_closes_when_its_token_is_revoked_or_its_user_deactivated(anu, biju):
    from support.agents.models import AgentToken

    async def scenario():
        revoked = socket("/ws/agent/", anu.token)
        deactivated = socket("/ws/agent/", biju.token)
        assert (await revoked.connect())[0] and (await deactivated.connect())[0]

        await sync_to_async(AgentToken.objects.filter(user=anu.agent.user).delete)()
        user = biju.agent.user
        user.is_active = False
        await sync_to_async(user.save)()

        for ws in (revoked, deactivated):
            assert await ws.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}

    run(scenario)


def test_without_the_signal_a_watch_or_the_heartbeat_finds_the_ended_session(
    anu, biju, make_customer, settings
):
    """The close message can be lost (a channel layer restart): the next watch, or the next
    heartbeat, checks the credentials again."""
    from django.contrib.sessions.models import Session

    from support.agents.models import AgentToken

    customer = make_customer("escalated")
    _, cookie = _session_cookie(anu.agent.user)
    settings.AGENT_SOCKET_HEARTBEAT_SECONDS = 0.2

    async def scenario():
        watching = WebsocketCommunicator(application, "/ws/agent/", headers=[*ORIGIN, cookie])
        beating = socket("/ws/agent/", biju.token)
        assert (await watching.connect())[0] and (await beating.connect())[0]
        # Behind the signals' back: a session removed, a token removed by a bulk query.
        await sync_to_async(Session.objects.all().delete)()
        await sync_to_async(AgentToken.objects.filter(user=biju.agent.user)._raw_delete)("default")

        await watching.send_json_to(
            {"type": "watch", "conversation_id": str(customer.conversation_id)}
        )
        assert await watching.receive_output(timeout=3) == {
            "type": "websocket.close",
            "code": 4401,
        }
        assert await beating.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}

    run(scenario)


def test_the_customer_sees_typing_only_from_who_may_reply_and_never_for_a_note(
    make_customer, anu, biju
):
    customer = make_customer("assigned", agent=anu)
    cid = str(customer.conversation_id)

    async def scenario():
        ws = socket(f"/ws/conversations/{cid}/", customer.token)
        anu_socket, biju_socket = socket("/ws/agent/", anu.token), socket("/ws/agent/", biju.token)
        for each in (ws, anu_socket, biju_socket):
            assert (await each.connect())[0]
        for agent in (anu_socket, biju_socket):
            await agent.send_json_to({"type": "watch", "conversation_id": cid})
            assert (await agent.receive_json_from(timeout=3))["type"] == "watching"

        # Biju only watches (not his conversation), Anu writes a note: colleagues see both.
        await biju_socket.send_json_to({"type": "typing", "conversation_id": cid})
        assert (await anu_socket.receive_json_from(timeout=3))["data"] == {"by": "Biju"}
        await anu_socket.send_json_to({"type": "typing", "conversation_id": cid, "kind": "note"})
        assert (await biju_socket.receive_json_from(timeout=3))["data"] == {"by": "Anu"}
        assert await ws.receive_nothing(timeout=0.3)

        await anu_socket.send_json_to({"type": "typing", "conversation_id": cid, "kind": "reply"})
        seen = await ws.receive_json_from(timeout=3)
        assert (seen["type"], seen["data"]) == ("agent.typing", {"by": "Anu"})
        for each in (ws, anu_socket, biju_socket):
            await each.disconnect()

    run(scenario)


def test_a_socket_flooding_typing_frames_announces_one_a_second(make_customer, anu):
    customer = make_customer("assigned", agent=anu)
    cid = str(customer.conversation_id)

    async def scenario():
        ws = socket(f"/ws/conversations/{cid}/", customer.token)
        agent = socket("/ws/agent/", anu.token)
        assert (await ws.connect())[0] and (await agent.connect())[0]
        await agent.send_json_to({"type": "watch", "conversation_id": cid})
        await agent.receive_json_from(timeout=3)

        for _ in range(200):
            await agent.send_json_to({"type": "typing", "conversation_id": cid})
        assert (await ws.receive_json_from(timeout=3))["type"] == "agent.typing"
        assert await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()
        await agent.disconnect()

    run(scenario)
