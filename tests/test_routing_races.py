"""Assignment under concurrency, on PostgreSQL: many escalations, agents coming online,
routing runs and claims at once. Each conversation is assigned exactly once, and no agent
ever holds more than ``max_concurrent``."""

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from support.agents import routing
from support.agents.availability import do_set_availability
from support.agents.models import Agent, Availability, Role
from support.agents.routing import assign_waiting
from support.agents.services import create_agent, issue_token
from support.conversations import actions
from support.conversations.actors import Actor
from support.conversations.assignment import AutoAssignment, do_auto_assign_conversation
from support.conversations.models import ConversationEvent, SupportConversation, SupportMessage

from .conftest import Staff

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]

THREADS = 16


def _in_thread(work):
    def run(*args):
        try:
            return work(*args)
        finally:
            connection.close()

    return run


def make_agents(count: int, capacity: int) -> list[Staff]:
    staff = []
    for n in range(count):
        agent = create_agent(agent_id=f"agent_{n}", display_name=f"Agent {n}", role=Role.AGENT)
        agent.max_concurrent = capacity
        agent.save(update_fields=["max_concurrent"])
        staff.append(Staff(agent=agent, token=issue_token(user=agent.user)))
    return staff


def open_conversations(count: int) -> list[Any]:
    return [
        actions.do_create_conversation(user_id=f"customer_{n}")[0].conversation_id
        for n in range(count)
    ]


def assert_each_assigned_once_within_capacity(conversation_ids: list[Any]) -> Counter[str]:
    loads: Counter[str] = Counter()
    for conversation in SupportConversation.objects.filter(pk__in=conversation_ids):
        taken = ConversationEvent.objects.filter(
            conversation=conversation, kind__in=["assigned", "claimed"]
        )
        joined = SupportMessage.objects.filter(
            conversation=conversation,
            sender="system",
            text__endswith="has joined the conversation.",
        )
        if conversation.status == "assigned":
            assert taken.count() == 1, f"{conversation.pk} was assigned {taken.count()} times"
            assert joined.count() == 1
            assert taken.get().data["to_agent"] == conversation.assigned_agent_id
            loads[conversation.assigned_agent_id] += 1
        else:
            assert conversation.status == "escalated"
            assert not taken.exists() and not joined.exists()
    for agent in Agent.objects.all():
        assert loads[agent.agent_id] <= agent.max_concurrent, f"{agent.agent_id} is over capacity"
    return loads


@pytest.fixture
def outcomes(monkeypatch):
    """Counts what routing's attempts came to: refusals show that workers really raced."""
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def counted(**kwargs: Any) -> AutoAssignment:
        outcome = do_auto_assign_conversation(**kwargs)
        with lock:
            seen[outcome] += 1
        return outcome

    monkeypatch.setattr(routing, "do_auto_assign_conversation", counted)
    return seen


@pytest.mark.parametrize(("agents", "capacity"), [(6, 3), (5, 10)], ids=["scarce", "ample"])
def test_concurrent_escalations_and_agents_coming_online(supervisor, outcomes, agents, capacity):
    random.seed(11)
    team = make_agents(agents, capacity)
    conversation_ids = open_conversations(40)

    @_in_thread
    def escalate(conversation_id: Any) -> None:
        actions.do_escalate_conversation(
            actor=supervisor.actor, conversation_id=conversation_id, reason="race"
        )

    @_in_thread
    def come_online(staff: Staff) -> None:
        do_set_availability(
            actor=staff.actor, agent_id=staff.agent_id, availability=Availability.ONLINE
        )

    work = [(escalate, cid) for cid in conversation_ids] + [(come_online, s) for s in team]
    random.shuffle(work)
    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(function, argument) for function, argument in work]:
            future.result()

    loads = assert_each_assigned_once_within_capacity(conversation_ids)
    # Nothing is left waiting while someone has room: the backlog drained.
    assert sum(loads.values()) == min(40, agents * capacity)
    assert outcomes[AutoAssignment.ASSIGNED] == sum(loads.values())
    # Workers raced for the same conversations and agents, and lost under the locks.
    assert outcomes[AutoAssignment.TAKEN] + outcomes[AutoAssignment.AGENT_UNAVAILABLE] > 0
    if agents * capacity < 40:
        assert all(loads[s.agent_id] == capacity for s in team)


def test_the_backlog_drains_when_the_first_agent_comes_online(supervisor):
    (anu,) = make_agents(1, 25)
    conversation_ids = open_conversations(20)
    for cid in conversation_ids:
        actions.do_escalate_conversation(actor=supervisor.actor, conversation_id=cid)
    assert not SupportConversation.objects.filter(status="assigned").exists()

    do_set_availability(actor=anu.actor, agent_id=anu.agent_id, availability=Availability.ONLINE)

    loads = assert_each_assigned_once_within_capacity(conversation_ids)
    assert loads == {"agent_0": 20}


def test_two_claims_at_once_one_wins_and_the_other_gets_409(supervisor):
    claimers = make_agents(3, 50)
    conversation_ids = open_conversations(15)
    for cid in conversation_ids:
        actions.do_escalate_conversation(actor=supervisor.actor, conversation_id=cid)

    @_in_thread
    def claim(staff: Staff, conversation_id: Any, start: threading.Barrier) -> tuple[int, Any]:
        client = staff.client()
        start.wait(10)
        response = client.post(f"/api/v1/conversations/{conversation_id}/claim/")
        return response.status_code, response.json()

    with ThreadPoolExecutor(len(claimers) * 3) as pool:
        for cid in conversation_ids:
            start = threading.Barrier(len(claimers))
            answers = [f.result() for f in [pool.submit(claim, s, cid, start) for s in claimers]]
            winners = [body for status, body in answers if status == 200]
            losers = [body for status, body in answers if status != 200]
            assert len(winners) == 1, answers
            winner = winners[0]["assigned_agent"]
            assert losers == [
                {
                    "detail": f"This conversation is already assigned to {winner}.",
                    "code": "already_assigned",
                }
            ] * (len(claimers) - 1)

    assert_each_assigned_once_within_capacity(conversation_ids)


def test_claims_and_routing_racing_never_exceed_an_agents_capacity(supervisor):
    anu, biju = make_agents(2, 3)
    conversation_ids = open_conversations(20)
    for cid in conversation_ids:
        actions.do_escalate_conversation(actor=supervisor.actor, conversation_id=cid)
    for staff in (anu, biju):
        Agent.objects.filter(pk=staff.agent.pk).update(availability=Availability.ONLINE)

    @_in_thread
    def route() -> None:
        assign_waiting()

    @_in_thread
    def claim(staff: Staff, conversation_id: Any) -> int:
        return staff.client().post(f"/api/v1/conversations/{conversation_id}/claim/").status_code

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(route) for _ in range(8)]
        futures += [
            pool.submit(claim, staff, cid) for cid in conversation_ids for staff in (anu, biju)
        ]
        results = [future.result() for future in futures]

    assert set(results) <= {None, 200, 409}
    loads = assert_each_assigned_once_within_capacity(conversation_ids)
    assert loads == {"agent_0": 3, "agent_1": 3}


def test_an_agent_going_offline_while_routing_runs_gets_nothing_afterwards(supervisor):
    (anu,) = make_agents(1, 40)
    conversation_ids = open_conversations(30)
    do_set_availability(actor=anu.actor, agent_id=anu.agent_id, availability=Availability.ONLINE)

    @_in_thread
    def escalate(conversation_id: Any) -> None:
        actions.do_escalate_conversation(actor=supervisor.actor, conversation_id=conversation_id)

    @_in_thread
    def go_offline() -> None:
        do_set_availability(
            actor=Actor.for_agent(anu.agent),
            agent_id=anu.agent_id,
            availability=Availability.OFFLINE,
        )

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(escalate, cid) for cid in conversation_ids[:15]]
        futures.append(pool.submit(go_offline))
        for future in futures:
            future.result()
    offline_at = Agent.objects.get(agent_id=anu.agent_id).availability_changed_at
    for cid in conversation_ids[15:]:
        escalate(cid)

    assert_each_assigned_once_within_capacity(conversation_ids)
    late = ConversationEvent.objects.filter(kind="assigned", created_at__gt=offline_at)
    assert not late.exists()
