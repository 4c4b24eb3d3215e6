"""Automatic assignment: who gets a waiting conversation, when, and what is written and
published. The races are in test_routing_races.py (PostgreSQL)."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import TestCase

from support.agents.models import Agent
from support.agents.routing import Assignment, assign_waiting, route_conversation
from support.conversations.assignment import AutoAssignment, do_auto_assign_conversation
from support.conversations.models import ConversationEvent

from .staffing import online, set_agent

pytestmark = pytest.mark.django_db

FALLBACK = 120  # settings.ROUTING_LANGUAGE_FALLBACK_SECONDS by default


def assigned_to(customer: Any) -> tuple[str, str | None]:
    conversation = customer.conversation()
    return conversation.status, conversation.assigned_agent_id


def escalate(customer: Any) -> None:
    response = customer.client().post(customer.url("escalate/"), {})
    assert response.status_code == 200, response.json()


def run_routing(**kwargs: Any) -> list[Assignment]:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return assign_waiting(**kwargs)


def test_an_escalation_goes_at_once_to_an_online_agent(customer, anu, events):
    online(anu)
    events.clear()

    response = customer.client().post(customer.url("escalate/"), {})

    # The answer is the escalation; the assignment follows once it is committed.
    assert (response.status_code, response.json()["status"]) == (200, "escalated")
    assert assigned_to(customer) == ("assigned", "agent_anu")
    row = ConversationEvent.objects.filter(conversation_id=customer.conversation_id).last()
    assert (row.kind, row.from_status, row.to_status, row.actor_kind, row.actor_id) == (
        "assigned",
        "escalated",
        "assigned",
        "system",
        "routing",
    )
    assert row.data == {"from_agent": None, "to_agent": "agent_anu"}
    cid = str(customer.conversation_id)
    assert [(e.type, e.groups) for e in events] == [
        ("message.created", (f"conversation.{cid}",)),
        ("conversation.escalated", (f"conversation.{cid}", "queue")),
        ("message.created", (f"conversation.{cid}",)),
        ("conversation.assigned", (f"conversation.{cid}", "queue", "agent.agent_anu")),
    ]
    assert events[2].data["message"] == "Anu has joined the conversation."
    assert Agent.objects.get(agent_id="agent_anu").last_assigned_at is not None


def test_a_customer_asking_for_a_human_is_assigned_too(customer, anu):
    online(anu)

    response = customer.client().post(
        customer.url("messages/"), {"message": "I want to talk to a human agent"}
    )

    assert response.json()["conversation_status"] == "escalated"
    assert assigned_to(customer) == ("assigned", "agent_anu")


def test_nothing_is_assigned_while_automatic_assignment_is_off(settings, customer, anu):
    settings.AUTO_ASSIGN = False
    online(anu)

    escalate(customer)

    assert assigned_to(customer) == ("escalated", None)
    assert assign_waiting() == []
    assert route_conversation(customer.conversation_id) is None


@pytest.mark.parametrize("availability", ["away", "offline"])
def test_agents_who_are_not_online_get_nothing(customer, anu, availability):
    set_agent(anu, availability)

    escalate(customer)

    assert assigned_to(customer) == ("escalated", None)


def test_the_backlog_drains_oldest_first_when_the_first_agent_comes_online(
    make_customer, anu, events
):
    waiting = [make_customer("escalated", user_id=f"customer_{n}") for n in range(3)]
    events.clear()

    set_agent(anu, "online", capacity=2)

    assert [assigned_to(c) for c in waiting] == [
        ("assigned", "agent_anu"),
        ("assigned", "agent_anu"),
        ("escalated", None),
    ]
    assert [e.type for e in events] == [
        "agent.updated",
        *["message.created", "conversation.assigned"] * 2,
        # Each assignment tells the customers still waiting their new place, as read after
        # its commit (here, where both commit with the test: the one left, twice).
        *["queue.updated"] * 2,
    ]

    # Anu resolves one: she has room again, and the last one comes to her.
    response = anu.client().post(waiting[0].url("resolve/"), {})

    assert response.status_code == 200
    assert assigned_to(waiting[2]) == ("assigned", "agent_anu")


def test_the_least_loaded_agent_first_then_the_one_idle_longest(make_customer, anu, biju):
    first = make_customer("assigned", agent=anu)
    online(anu, biju)

    second = make_customer("escalated", user_id="customer_2")  # Biju holds none
    third = make_customer("escalated", user_id="customer_3")  # one each: Anu idle longer
    fourth = make_customer("escalated", user_id="customer_4")  # Biju holds fewer

    assert [assigned_to(c)[1] for c in (first, second, third, fourth)] == [
        "agent_anu",
        "agent_biju",
        "agent_anu",
        "agent_biju",
    ]


def test_an_agent_at_capacity_gets_no_more(make_customer, anu):
    make_customer("assigned", agent=anu)
    set_agent(anu, "online", capacity=1)

    waiting = make_customer("escalated", user_id="customer_2")

    assert assigned_to(waiting) == ("escalated", None)
    set_agent(anu, capacity=2)  # more room: routing runs again
    assert assigned_to(waiting) == ("assigned", "agent_anu")


def test_a_supervisor_may_assign_beyond_capacity(make_customer, anu, supervisor):
    set_agent(anu, "online", capacity=1)
    make_customer("escalated", user_id="customer_1")  # routed to Anu: she is full
    extra = make_customer("escalated", user_id="customer_2")

    response = supervisor.client().post(extra.url("assign/"), {"agent_id": "agent_anu"})

    assert response.status_code == 200
    assert assigned_to(extra) == ("assigned", "agent_anu")


# Languages.


def test_a_malayalam_conversation_goes_to_a_malayalam_speaker_even_if_busier(
    make_customer, anu, biju
):
    make_customer("assigned", agent=anu)
    online(anu, biju)

    malayalam = make_customer("escalated", user_id="customer_ml", language="ml")

    assert assigned_to(malayalam) == ("assigned", "agent_anu")


def test_manglish_goes_to_an_agent_who_speaks_malayalam(make_customer, biju):
    set_agent(biju, "online", languages=["ml"])

    manglish = make_customer("escalated", user_id="customer_manglish", language="ml-Latn")

    assert assigned_to(manglish) == ("assigned", "agent_biju")


def test_without_a_malayalam_speaker_any_agent_takes_it_after_the_wait(make_customer, biju):
    online(biju)  # English only
    malayalam = make_customer("escalated", user_id="customer_ml", language="ml")
    escalated_at = malayalam.conversation().escalated_at
    assert assigned_to(malayalam) == ("escalated", None)

    assert run_routing(now=escalated_at + timedelta(seconds=FALLBACK - 1)) == []
    assert assigned_to(malayalam) == ("escalated", None)

    assigned = run_routing(now=escalated_at + timedelta(seconds=FALLBACK))

    assert assigned == [Assignment(malayalam.conversation_id, "agent_biju")]
    assert assigned_to(malayalam) == ("assigned", "agent_biju")


def test_the_wait_is_configurable(settings, make_customer, biju):
    settings.ROUTING_LANGUAGE_FALLBACK_SECONDS = 0
    online(biju)

    malayalam = make_customer("escalated", user_id="customer_ml", language="ml")

    assert assigned_to(malayalam) == ("assigned", "agent_biju")


def test_after_the_wait_a_speaker_with_room_is_still_preferred(settings, make_customer, anu, biju):
    make_customer("assigned", agent=anu)
    settings.AUTO_ASSIGN = False
    online(anu, biju)
    malayalam = make_customer("escalated", user_id="customer_ml", language="ml")
    settings.AUTO_ASSIGN = True

    escalated_at = malayalam.conversation().escalated_at
    assigned = run_routing(now=escalated_at + timedelta(seconds=FALLBACK + 60))

    assert assigned == [Assignment(malayalam.conversation_id, "agent_anu")]


# The assignment itself: compare-and-set under the agent's and the conversation's locks.


def test_the_assignment_refuses_an_agent_who_went_away_or_is_full(make_customer, anu):
    waiting = make_customer("escalated")
    set_agent(anu, "away")

    outcome = do_auto_assign_conversation(
        conversation_id=waiting.conversation_id, agent_id="agent_anu"
    )

    assert outcome == AutoAssignment.AGENT_UNAVAILABLE
    assert assigned_to(waiting) == ("escalated", None)


def test_the_assignment_refuses_a_conversation_that_no_longer_waits(make_customer, anu, biju):
    taken = make_customer("assigned", agent=biju)
    set_agent(anu, "online")

    outcome = do_auto_assign_conversation(
        conversation_id=taken.conversation_id, agent_id="agent_anu"
    )

    assert outcome == AutoAssignment.TAKEN
    assert assigned_to(taken) == ("assigned", "agent_biju")


# After an unassign or a transfer.


def test_an_unassigned_conversation_is_not_handed_back_to_the_agent_who_left(
    make_customer, anu, biju
):
    online(anu)
    waiting = make_customer("escalated")
    assert assigned_to(waiting) == ("assigned", "agent_anu")

    response = anu.client().post(waiting.url("unassign/"), {"reason": "Going for lunch"})

    assert response.status_code == 200
    assert assigned_to(waiting) == ("escalated", None)
    online(biju)
    assert assigned_to(waiting) == ("assigned", "agent_biju")


def test_a_transfer_gives_the_previous_agent_room_for_the_next_one(
    make_customer, anu, biju, supervisor
):
    set_agent(anu, "online", capacity=1)
    first = make_customer("escalated", user_id="customer_1")
    second = make_customer("escalated", user_id="customer_2")
    assert [assigned_to(c) for c in (first, second)] == [
        ("assigned", "agent_anu"),
        ("escalated", None),
    ]

    supervisor.client().post(first.url("assign/"), {"agent_id": "agent_biju"})

    assert assigned_to(first) == ("assigned", "agent_biju")
    assert assigned_to(second) == ("assigned", "agent_anu")
