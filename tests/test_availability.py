"""Agents' availability, capacity and languages through the API, their audit rows and
events, presence on sockets and the offline sweep (with a controlled clock)."""

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from config.asgi import application
from support.agents.availability import (
    socket_closed,
    socket_opened,
    socket_seen,
    sweep_offline_agents,
)
from support.agents.models import Agent, AgentEvent, AgentSocket

from .staffing import set_agent

pytestmark = pytest.mark.django_db

ME = "/api/v1/agents/me/"
ORIGIN = [(b"origin", b"http://127.0.0.1:8000")]
GRACE = 120  # settings.AGENT_OFFLINE_GRACE_SECONDS by default


def agent_events(agent_id: str) -> list[tuple[Any, ...]]:
    return list(
        AgentEvent.objects.filter(agent__agent_id=agent_id).values_list(
            "kind", "old_value", "new_value", "actor_kind", "actor_id", "reason"
        )
    )


def availability(agent_id: str) -> str:
    return Agent.objects.get(agent_id=agent_id).availability


def test_an_agent_reads_their_availability_capacity_and_load(make_customer, anu):
    make_customer("assigned", agent=anu)

    response = anu.client().get(ME)

    assert response.status_code == 200
    assert response.json() == {
        "agent_id": "agent_anu",
        "display_name": "Anu",
        "role": "agent",
        "languages": ["en", "ml", "ml-Latn"],
        "availability": "offline",
        "availability_changed_at": None,
        "max_concurrent": 5,
        "load": 1,
    }


def test_an_agent_goes_online_with_an_audit_row_and_an_event(anu, events):
    response = anu.client().patch(ME, {"availability": "online"})

    assert response.status_code == 200
    body = response.json()
    assert body["availability"] == "online"
    assert body["availability_changed_at"] is not None
    assert agent_events("agent_anu") == [
        ("availability", "offline", "online", "agent", "agent_anu", ""),
    ]
    assert [(e.type, e.conversation_id, e.groups) for e in events] == [
        ("agent.updated", "", ("agent.agent_anu", "queue")),
    ]
    assert events[0].data == {
        "agent_id": "agent_anu",
        "display_name": "Anu",
        "availability": "online",
        "max_concurrent": 5,
        "languages": ["en", "ml", "ml-Latn"],
        "load": 0,
    }


def test_setting_the_same_availability_again_changes_and_publishes_nothing(anu, events):
    anu.client().patch(ME, {"availability": "away"})
    events.clear()

    response = anu.client().patch(ME, {"availability": "away"})

    assert response.status_code == 200
    assert len(agent_events("agent_anu")) == 1
    assert events == []


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"max_concurrent": 9}, "Only supervisors change an agent's capacity and languages."),
        ({"languages": ["en"]}, "Only supervisors change an agent's capacity and languages."),
    ],
)
def test_agents_change_only_their_own_availability(anu, events, body, detail):
    response = anu.client().patch(ME, body)

    assert response.status_code == 403
    assert response.json() == {"detail": detail, "code": "forbidden"}
    assert agent_events("agent_anu") == []
    assert events == []


def test_an_agent_cannot_change_another_agent(anu, biju, events):
    response = anu.client().patch("/api/v1/agents/agent_biju/", {"availability": "online"})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only supervisors change other agents.",
        "code": "forbidden",
    }
    assert availability("agent_biju") == "offline"
    assert events == []


def test_a_supervisor_changes_an_agents_capacity_languages_and_availability(
    anu, supervisor, events
):
    response = supervisor.client().patch(
        "/api/v1/agents/agent_anu/",
        {"max_concurrent": 2, "languages": ["ml", "ml-Latn", "ml"], "availability": "away"},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["max_concurrent"], body["languages"], body["availability"]) == (
        2,
        ["ml", "ml-Latn"],
        "away",
    )
    assert agent_events("agent_anu") == [
        ("availability", "offline", "away", "supervisor", "supervisor_meera", ""),
        ("capacity", 5, 2, "supervisor", "supervisor_meera", ""),
        (
            "languages",
            ["en", "ml", "ml-Latn"],
            ["ml", "ml-Latn"],
            "supervisor",
            "supervisor_meera",
            "",
        ),
    ]
    assert [e.type for e in events] == ["agent.updated"]


def test_everyone_may_read_any_agent(anu, biju):
    response = biju.client().get("/api/v1/agents/agent_anu/")

    assert response.status_code == 200
    assert response.json()["agent_id"] == "agent_anu"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("patch", ME, {"availability": "busy"}, 400, "invalid_choice"),
        ("patch", ME, {"max_concurrent": -1}, 400, "min_value"),
        ("patch", ME, {"max_concurrent": 101}, 400, "max_value"),
        ("patch", ME, {"languages": []}, 400, "empty"),
        ("patch", ME, {"languages": ["fr"]}, 400, "invalid_choice"),
        ("patch", ME, {"status": "online"}, 400, "unknown_field"),
        ("get", "/api/v1/agents/agent_nobody/", None, 404, "agent_not_found"),
        (
            "patch",
            "/api/v1/agents/agent_nobody/",
            {"availability": "online"},
            404,
            "agent_not_found",
        ),
    ],
)
def test_bad_requests_are_refused_precisely(supervisor, method, path, body, status, code):
    response = getattr(supervisor.client(), method)(path, body)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert AgentEvent.objects.count() == 0


def test_customers_and_strangers_are_refused(customer, anonymous):
    assert customer.client().get(ME).json() == {
        "detail": "Only agents and supervisors may do this.",
        "code": "forbidden",
    }
    assert anonymous.patch(ME, {"availability": "online"}).status_code == 401


def test_the_agents_list_shows_availability_and_load(make_customer, anu, biju, supervisor):
    make_customer("assigned", agent=anu, user_id="customer_1")
    make_customer("assigned", agent=anu, user_id="customer_2")
    make_customer("resolved", agent=anu, user_id="customer_3")  # no longer counts
    set_agent(biju, "online", capacity=3)

    response = biju.client().get("/api/v1/agents/")

    assert response.status_code == 200
    assert [
        (a["agent_id"], a["availability"], a["load"], a["max_concurrent"]) for a in response.json()
    ] == [
        ("agent_anu", "offline", 2, 5),
        ("agent_biju", "online", 0, 3),
        ("supervisor_meera", "offline", 0, 5),
    ]


# Presence and the offline sweep.


def test_an_agent_goes_offline_once_the_last_socket_has_been_closed_for_the_grace_period(anu):
    start = timezone.now()
    socket_opened(agent_id="agent_anu", channel_name="one", now=start)
    socket_opened(agent_id="agent_anu", channel_name="two", now=start)
    set_agent(anu, "online", now=start)
    socket_closed(agent_id="agent_anu", channel_name="one", now=start + timedelta(seconds=10))

    assert sweep_offline_agents(now=start + timedelta(seconds=10 + GRACE + 1)) == []  # "two"

    socket_closed(agent_id="agent_anu", channel_name="two", now=start + timedelta(seconds=20))

    assert sweep_offline_agents(now=start + timedelta(seconds=20 + GRACE - 1)) == []
    assert availability("agent_anu") == "online"
    assert sweep_offline_agents(now=start + timedelta(seconds=20 + GRACE)) == ["agent_anu"]
    assert availability("agent_anu") == "offline"
    assert agent_events("agent_anu")[-1] == (
        "availability",
        "online",
        "offline",
        "system",
        "system",
        "No open console for 120 seconds.",
    )
    assert sweep_offline_agents(now=start + timedelta(hours=1)) == []  # idempotent


def test_a_socket_opened_within_the_grace_period_keeps_the_agent_online(anu):
    start = timezone.now()
    socket_opened(agent_id="agent_anu", channel_name="one", now=start)
    set_agent(anu, "away", now=start)
    socket_closed(agent_id="agent_anu", channel_name="one", now=start + timedelta(seconds=5))
    socket_opened(agent_id="agent_anu", channel_name="reload", now=start + timedelta(seconds=6))

    assert sweep_offline_agents(now=start + timedelta(seconds=5 + GRACE + 1)) == []
    assert availability("agent_anu") == "away"


def test_an_agent_online_through_the_api_without_a_socket_stays_online(anu):
    start = timezone.now()
    socket_opened(agent_id="agent_anu", channel_name="yesterday", now=start)
    socket_closed(agent_id="agent_anu", channel_name="yesterday", now=start)
    set_agent(anu, "online", now=start + timedelta(seconds=1))  # chosen after the socket closed

    assert sweep_offline_agents(now=start + timedelta(hours=5)) == []
    assert availability("agent_anu") == "online"


def test_a_socket_that_stopped_refreshing_counts_as_closed_when_last_seen(anu):
    start = timezone.now()
    socket_opened(agent_id="agent_anu", channel_name="dead-worker", now=start)
    set_agent(anu, "online", now=start)
    socket_seen(channel_name="dead-worker", now=start + timedelta(seconds=60))
    # Three heartbeats (180 s) without news: the socket's worker is gone.
    assert sweep_offline_agents(now=start + timedelta(seconds=60 + 179)) == []

    assert sweep_offline_agents(now=start + timedelta(seconds=60 + 181)) == ["agent_anu"]
    assert not AgentSocket.objects.exists()
    assert Agent.objects.get(agent_id="agent_anu").last_socket_closed_at == start + timedelta(
        seconds=60
    )


def test_routing_never_picks_an_agent_whose_console_closed_long_ago(make_customer, anu):
    start = timezone.now() - timedelta(hours=1)
    socket_opened(agent_id="agent_anu", channel_name="one", now=start)
    set_agent(anu, "online", now=start)
    socket_closed(agent_id="agent_anu", channel_name="one", now=start)

    waiting = make_customer("escalated")  # routing sweeps first

    assert waiting.conversation().status == "escalated"
    assert availability("agent_anu") == "offline"


@pytest.mark.django_db(transaction=True)
def test_the_agent_socket_is_the_agents_presence(settings, anu):
    settings.AGENT_SOCKET_HEARTBEAT_SECONDS = 0.05

    async def scenario() -> None:
        ws = WebsocketCommunicator(
            application,
            "/ws/agent/",
            headers=ORIGIN,
            subprotocols=["ks.support", f"ks.token.{anu.token}"],
        )
        assert (await ws.connect())[0]
        socket = await sync_to_async(AgentSocket.objects.select_related("agent").get)()
        assert socket.agent.agent_id == "agent_anu"
        for _ in range(100):  # the heartbeat refreshes it while it is open
            await asyncio.sleep(0.03)
            seen = await sync_to_async(AgentSocket.objects.values_list("seen_at", flat=True).get)()
            if seen > socket.opened_at:
                break
        else:
            pytest.fail("the socket's presence was never refreshed")
        await ws.disconnect()

    async_to_sync(scenario)()

    assert not AgentSocket.objects.exists()
    assert Agent.objects.get(agent_id="agent_anu").last_socket_closed_at is not None


def test_the_admin_changes_capacity_through_the_same_action(client, django_user_model, anu):
    admin = django_user_model.objects.create_superuser("root", password="pw-123456")
    client.force_login(admin)
    url = f"/admin/agents/agent/{anu.agent.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"max_concurrent": 2, "availability": "away", "languages": '["en"]'})

    response = client.post(url, data)

    assert response.status_code == 302
    agent = Agent.objects.get(agent_id="agent_anu")
    assert (agent.max_concurrent, agent.availability, agent.languages) == (2, "away", ["en"])
    reason = "Changed in the admin."
    assert agent_events("agent_anu") == [
        ("availability", "offline", "away", "supervisor", "admin:root", reason),
        ("capacity", 5, 2, "supervisor", "admin:root", reason),
        ("languages", ["en", "ml", "ml-Latn"], ["en"], "supervisor", "admin:root", reason),
    ]
