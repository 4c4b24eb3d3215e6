"""Claiming a waiting conversation and unassigning: statuses, audit rows, notices and
events; the refusals change nothing. (Who may call them, in every status: the access
matrix. Two claims at the same moment: test_routing_races.py.)"""

from typing import Any

import pytest

from support.assistant.providers import provider_calls
from support.conversations.models import ConversationEvent, SupportMessage

from .staffing import online, set_agent

pytestmark = pytest.mark.django_db


def last_event(customer: Any) -> tuple[Any, ...]:
    row = ConversationEvent.objects.filter(conversation_id=customer.conversation_id).last()
    assert row is not None
    return (row.kind, row.from_status, row.to_status, row.actor_kind, row.actor_id, row.data)


def state(customer: Any) -> tuple[Any, ...]:
    conversation = customer.conversation()
    return (
        conversation.status,
        conversation.assigned_agent_id,
        ConversationEvent.objects.filter(conversation=conversation).count(),
        SupportMessage.objects.filter(conversation=conversation).count(),
    )


def test_an_agent_claims_a_waiting_conversation(make_customer, anu, events):
    waiting = make_customer("escalated")
    events.clear()

    response = anu.client().post(waiting.url("claim/"))

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["assigned_agent"]) == ("assigned", "agent_anu")
    assert body["assigned_at"] is not None
    assert last_event(waiting) == (
        "claimed",
        "escalated",
        "assigned",
        "agent",
        "agent_anu",
        {"from_agent": None, "to_agent": "agent_anu"},
    )
    notice = SupportMessage.objects.filter(conversation_id=waiting.conversation_id).last()
    assert (notice.sender, notice.text) == ("system", "Anu has joined the conversation.")
    cid = str(waiting.conversation_id)
    assert [(e.type, e.groups) for e in events] == [
        ("message.created", (f"conversation.{cid}",)),
        ("conversation.assigned", (f"conversation.{cid}", "queue", "agent.agent_anu")),
    ]


def test_the_second_claim_is_refused_and_changes_nothing(make_customer, anu, biju, events):
    waiting = make_customer("escalated")
    assert anu.client().post(waiting.url("claim/")).status_code == 200
    before = state(waiting)
    events.clear()

    response = biju.client().post(waiting.url("claim/"))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This conversation is already assigned to agent_anu.",
        "code": "already_assigned",
    }
    assert state(waiting) == before
    assert events == []


def test_a_claim_beyond_the_agents_capacity_is_refused(make_customer, anu, events):
    make_customer("assigned", agent=anu, user_id="customer_1")
    set_agent(anu, capacity=1)
    waiting = make_customer("escalated", user_id="customer_2")
    before = state(waiting)
    events.clear()

    response = anu.client().post(waiting.url("claim/"))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "You are at your limit of conversations at once (1); resolve or unassign "
        "one first.",
        "code": "agent_at_capacity",
    }
    assert state(waiting) == before
    assert events == []


def test_a_claim_takes_no_body(make_customer, anu):
    waiting = make_customer("escalated")

    response = anu.client().post(waiting.url("claim/"), {"agent_id": "agent_biju"})

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_field"
    assert waiting.conversation().status == "escalated"


def test_the_assigned_agent_unassigns_and_the_assistant_stays_silent(make_customer, anu, events):
    assigned = make_customer("assigned", agent=anu, language="ml-Latn")
    events.clear()

    response = anu.client().post(assigned.url("unassign/"), {"reason": "  Shift over  "})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["assigned_agent"], body["assigned_at"]) == (
        "escalated",
        None,
        None,
    )
    assert body["escalated"] is True
    row = ConversationEvent.objects.filter(conversation_id=assigned.conversation_id).last()
    assert (row.kind, row.from_status, row.to_status, row.actor_id, row.reason, row.data) == (
        "unassigned",
        "assigned",
        "escalated",
        "agent_anu",
        "Shift over",
        {"from_agent": "agent_anu"},
    )
    notice = SupportMessage.objects.filter(conversation_id=assigned.conversation_id).last()
    assert notice.text == "Anu sambhashanathil ninnu poyi. Mattoru agent udan ningale sahaayikkum."
    cid = str(assigned.conversation_id)
    assert [(e.type, e.groups) for e in events] == [
        ("message.created", (f"conversation.{cid}",)),
        ("conversation.unassigned", (f"conversation.{cid}", "queue", "agent.agent_anu")),
        ("queue.updated", (f"conversation.{cid}",)),  # back in the queue
    ]
    assert events[1].data["status"] == "escalated"

    # The customer writes again: a human will answer, never the assistant.
    reply = assigned.client().post(
        assigned.url("messages/"), {"message": "Hello? Where is KS-10023?"}
    )
    assert reply.status_code == 201
    assert "ai_response" not in reply.json()
    assert provider_calls.total() == 0
    assert not SupportMessage.objects.filter(
        conversation_id=assigned.conversation_id, sender="ai"
    ).exists()


def test_a_supervisor_unassigns_an_agent(make_customer, anu, supervisor):
    assigned = make_customer("assigned", agent=anu)

    response = supervisor.client().post(assigned.url("unassign/"), {})

    assert response.status_code == 200
    assert last_event(assigned)[:5] == (
        "unassigned",
        "assigned",
        "escalated",
        "supervisor",
        "supervisor_meera",
    )


def test_an_unassigned_conversation_can_be_claimed_again_by_the_same_agent(make_customer, anu):
    assigned = make_customer("assigned", agent=anu)
    anu.client().post(assigned.url("unassign/"), {})

    response = anu.client().post(assigned.url("claim/"))

    assert response.status_code == 200
    assert response.json()["assigned_agent"] == "agent_anu"


def test_unassigning_gives_the_conversation_to_another_online_agent(
    make_customer, anu, biju, events
):
    assigned = make_customer("assigned", agent=anu)
    online(anu, biju)

    anu.client().post(assigned.url("unassign/"), {})

    conversation = assigned.conversation()
    assert (conversation.status, conversation.assigned_agent_id) == ("assigned", "agent_biju")
    kinds = list(
        ConversationEvent.objects.filter(conversation=conversation).values_list("kind", "actor_id")
    )
    assert kinds[-2:] == [("unassigned", "agent_anu"), ("assigned", "routing")]
