"""The specification's test list (escalation-handoff-spec.md, section 6), through the API."""

import pytest

from support.assistant.providers import provider_calls
from support.conversations.models import ConversationEvent, SupportConversation, SupportMessage

from .conftest import Client, event_types

pytestmark = pytest.mark.django_db

CONVERSATION_FIELDS = {
    "conversation_id",
    "user_id",
    "language",
    "status",
    "priority",
    "escalated",
    "escalation_reason",
    "escalation_source",
    "escalated_at",
    "assigned_agent",
    "assigned_agent_name",
    "assigned_at",
    "first_agent_reply_at",
    "resolved_at",
    "started_at",
    "ended_at",
    "message_count",
}


def post_message(customer, text):
    return customer.client().post(customer.url("messages/"), {"message": text})


def ai_messages(customer):
    return SupportMessage.objects.filter(conversation_id=customer.conversation_id, sender="ai")


# Conversation management


def test_it_creates_a_conversation_open_by_default(anonymous: Client):
    response = anonymous.post("/api/v1/conversations/", {"user_id": "customer_123"})

    assert response.status_code == 201
    body = response.json()
    assert body["user_id"] == "customer_123"
    assert body["language"] == "en"
    assert body["status"] == "open"
    assert body["escalated"] is False
    assert body["message_count"] == 0
    assert body["started_at"].endswith("Z")
    conversation = SupportConversation.objects.get(pk=body["conversation_id"])
    assert conversation.status == "open"
    # The token is returned once and stored only as a digest.
    assert len(body["access_token"]) >= 40
    assert body["access_token"] not in conversation.access_token_digest
    assert list(conversation.events.values_list("kind", "to_status")) == [("created", "open")]


def test_it_serializes_every_escalation_field(customer, supervisor):
    response = supervisor.client().get(customer.url())

    assert response.status_code == 200
    assert set(response.json()) == CONVERSATION_FIELDS | {
        "customer_verified",
        "handoff_brief",
        "queue",
    }
    assert response.json()["assigned_agent"] is None
    assert response.json()["escalated_at"] is None
    assert response.json()["resolved_at"] is None


def test_it_walks_the_lifecycle_open_escalated_assigned_resolved(customer, supervisor, anu):
    client = supervisor.client()
    statuses = [customer.conversation().status]
    statuses.append(client.post(customer.url("escalate/"), {}).json()["status"])
    statuses.append(
        client.post(customer.url("assign/"), {"agent_id": "agent_anu"}).json()["status"]
    )
    statuses.append(client.post(customer.url("resolve/")).json()["status"])

    assert statuses == ["open", "escalated", "assigned", "resolved"]
    assert list(customer.conversation().events.values_list("from_status", "to_status")) == [
        ("", "open"),
        ("open", "escalated"),
        ("escalated", "assigned"),
        ("assigned", "resolved"),
    ]


def test_it_refuses_to_skip_or_reverse_lifecycle_steps(customer, supervisor, anu):
    client = supervisor.client()
    # open -> assigned is not an edge
    skipped = client.post(customer.url("assign/"), {"agent_id": "agent_anu"})
    client.post(customer.url("resolve/"))
    # resolved -> escalated is not an edge
    reversed_ = client.post(customer.url("escalate/"), {})

    assert (skipped.status_code, skipped.json()["code"]) == (409, "conversation_not_escalated")
    assert (reversed_.status_code, reversed_.json()["code"]) == (409, "conversation_resolved")
    assert customer.conversation().status == "resolved"


# AI blocking


def test_the_assistant_answers_in_an_open_conversation(customer, events):
    response = post_message(customer, "Where is my order?")

    assert response.status_code == 201
    body = response.json()
    assert body["sender"] == "user"
    assert body["detected_intent"] == "order_status"
    assert body["conversation_status"] == "open"
    assert body["ai_response"]["sender"] == "ai"
    assert "order number" in body["ai_response"]["message"]
    assert provider_calls.calls[str(customer.conversation_id)] == 1
    assert customer.conversation().message_count == 2
    assert [e.data["sender"] for e in events] == ["user", "ai"]


@pytest.mark.parametrize("status", ["escalated", "assigned"])
def test_the_assistant_is_silent_after_escalation(make_customer, anu, status, events):
    customer = make_customer(status, agent=anu)
    events.clear()

    response = post_message(customer, "Where is my order?")

    assert response.status_code == 201
    assert "ai_response" not in response.json()
    assert response.json()["conversation_status"] == status
    assert not ai_messages(customer).exists()
    assert provider_calls.total() == 0
    assert [(e.type, e.data["sender"]) for e in events] == [("message.created", "user")]


def test_the_assistant_is_silent_after_resolution(make_customer):
    customer = make_customer("resolved")

    response = post_message(customer, "Where is my order?")

    assert response.status_code == 409
    assert response.json()["code"] == "conversation_resolved"
    assert not SupportMessage.objects.filter(
        conversation_id=customer.conversation_id, sender="user"
    ).exists()
    assert provider_calls.total() == 0


def test_the_llm_is_never_called_for_an_escalated_conversation(make_customer):
    customer = make_customer("escalated")

    for text in ["hello", "where is my refund", "cancel my order", "thanks"]:
        assert post_message(customer, text).status_code == 201

    assert provider_calls.total() == 0
    assert not ai_messages(customer).exists()


# Escalation flow


def test_it_escalates_when_the_customer_asks_for_a_human(customer, events):
    response = post_message(customer, "I want to talk to a human agent")

    assert response.status_code == 201
    body = response.json()
    assert body["detected_intent"] == "escalation"
    assert body["sender"] == "user"
    assert "ai_response" not in body
    conversation = customer.conversation()
    assert conversation.status == "escalated"
    assert conversation.escalated is True
    assert conversation.escalation_source == "intent"
    assert conversation.escalation_reason == "I want to talk to a human agent"
    assert provider_calls.total() == 0
    # The triggering message is stored before the handoff notice.
    assert list(conversation.messages.values_list("sender", flat=True)) == ["user", "system"]
    assert event_types(events) == [
        "message.created",
        "message.created",
        "conversation.escalated",
        "queue.updated",
    ]


def test_it_escalates_manually_through_the_api(customer, supervisor, events):
    response = supervisor.client().post(
        customer.url("escalate/"), {"reason": "Complex issue requiring human intervention"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "escalated"
    assert body["escalated"] is True
    assert body["escalated_at"].endswith("Z")
    assert body["escalation_reason"] == "Complex issue requiring human intervention"
    assert body["escalation_source"] == "supervisor"
    event = ConversationEvent.objects.get(
        conversation_id=customer.conversation_id, kind="escalated"
    )
    assert (event.actor_kind, event.actor_id) == ("supervisor", "supervisor_meera")
    assert "conversation.escalated" in event_types(events)


def test_the_customer_can_ask_for_a_human_with_the_button(customer):
    response = customer.client().post(customer.url("escalate/"), {})

    assert response.status_code == 200
    assert response.json()["escalation_source"] == "customer_request"
    assert response.json()["escalation_reason"] == "Customer asked to talk to a human."


def test_it_refuses_a_second_escalation(make_customer, supervisor, events):
    customer = make_customer("escalated")
    before = customer.conversation()
    events.clear()

    response = supervisor.client().post(customer.url("escalate/"), {"reason": "again"})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This conversation is already escalated.",
        "code": "conversation_already_escalated",
    }
    after = customer.conversation()
    assert (after.escalated_at, after.escalation_reason) == (
        before.escalated_at,
        before.escalation_reason,
    )
    assert (
        ConversationEvent.objects.filter(
            conversation_id=customer.conversation_id, kind="escalated"
        ).count()
        == 1
    )
    assert events == []


def test_it_tracks_the_escalation_reason(customer):
    customer.client().post(customer.url("escalate/"), {"reason": "  Parcel arrived broken  "})

    conversation = customer.conversation()
    assert conversation.escalation_reason == "Parcel arrived broken"
    event = conversation.events.get(kind="escalated")
    assert event.reason == "Parcel arrived broken"


# Agent assignment


def test_it_assigns_an_agent_to_an_escalated_conversation(make_customer, supervisor, anu, events):
    customer = make_customer("escalated")
    events.clear()

    response = supervisor.client().post(customer.url("assign/"), {"agent_id": "agent_anu"})

    assert response.status_code == 200
    assert response.json()["status"] == "assigned"
    assert response.json()["assigned_agent"] == "agent_anu"
    conversation = customer.conversation()
    assert conversation.assigned_at is not None
    notice = conversation.messages.filter(sender="system").last()
    assert notice.text == "Anu has joined the conversation."
    assigned = [e for e in events if e.type == "conversation.assigned"]
    assert len(assigned) == 1
    assert "agent.agent_anu" in assigned[0].groups


def test_it_refuses_to_assign_a_conversation_that_is_not_escalated(customer, supervisor, anu):
    response = supervisor.client().post(customer.url("assign/"), {"agent_id": "agent_anu"})

    assert response.status_code == 409
    assert response.json()["code"] == "conversation_not_escalated"
    assert customer.conversation().assigned_agent_id is None


def test_it_requires_an_agent_id_to_assign(make_customer, supervisor):
    customer = make_customer("escalated")

    missing = supervisor.client().post(customer.url("assign/"), {})
    blank = supervisor.client().post(customer.url("assign/"), {"agent_id": "  "})
    unknown = supervisor.client().post(customer.url("assign/"), {"agent_id": "agent_nobody"})

    assert (missing.status_code, missing.json()["code"]) == (400, "required")
    assert missing.json()["detail"] == "agent_id: This field is required."
    assert (blank.status_code, blank.json()["code"]) == (400, "blank")
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_agent")
    assert customer.conversation().status == "escalated"


def test_a_supervisor_transfers_an_assigned_conversation(make_customer, supervisor, anu, biju):
    customer = make_customer("assigned", agent=anu)

    response = supervisor.client().post(customer.url("assign/"), {"agent_id": "agent_biju"})

    assert response.status_code == 200
    assert response.json()["assigned_agent"] == "agent_biju"
    event = customer.conversation().events.get(kind="transferred")
    assert event.data == {"from_agent": "agent_anu", "to_agent": "agent_biju"}
    assert (event.from_status, event.to_status) == ("assigned", "assigned")


# Agent messages


def test_the_assigned_agent_replies(make_customer, anu, events):
    customer = make_customer("assigned", agent=anu)
    events.clear()

    response = anu.client().post(
        customer.url("agent/messages/"),
        {"message": "Hello, I am here to help you with your issue."},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["sender"] == "agent"
    assert body["message"] == "Hello, I am here to help you with your issue."
    assert body["agent_id"] == "agent_anu"
    assert body["created_at"].endswith("Z")
    assert customer.conversation().first_agent_reply_at is not None
    assert [(e.type, e.groups) for e in events] == [
        ("message.created", (f"conversation.{customer.conversation_id}",))
    ]


def test_a_supervisor_replies_to_an_escalated_unassigned_conversation(make_customer, supervisor):
    customer = make_customer("escalated")

    response = supervisor.client().post(customer.url("agent/messages/"), {"message": "Hi there"})

    assert response.status_code == 201
    assert response.json()["agent_id"] == "supervisor_meera"
    assert customer.conversation().status == "escalated"


def test_it_refuses_agent_messages_to_an_open_conversation(customer, supervisor):
    response = supervisor.client().post(customer.url("agent/messages/"), {"message": "Hi"})

    assert response.status_code == 409
    assert response.json()["code"] == "conversation_not_escalated"
    assert not SupportMessage.objects.filter(sender="agent").exists()


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_it_refuses_empty_agent_messages(make_customer, anu, text):
    customer = make_customer("assigned", agent=anu)

    response = anu.client().post(customer.url("agent/messages/"), {"message": text})

    assert response.status_code == 400
    assert response.json()["code"] == "message_empty"
    assert not SupportMessage.objects.filter(sender="agent").exists()


# Resolution


def test_it_resolves_a_conversation(make_customer, anu, events):
    customer = make_customer("assigned", agent=anu)
    events.clear()

    response = anu.client().post(customer.url("resolve/"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "resolved"
    assert body["assigned_agent"] is None
    event = customer.conversation().events.get(kind="resolved")
    assert (event.actor_id, event.data) == ("agent_anu", {"assigned_agent": "agent_anu"})
    assert event_types(events) == ["message.created", "conversation.resolved"]


def test_it_refuses_to_resolve_twice(make_customer, supervisor):
    customer = make_customer("resolved")
    resolved_at = customer.conversation().resolved_at

    response = supervisor.client().post(customer.url("resolve/"))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This conversation is already resolved.",
        "code": "conversation_resolved",
    }
    assert customer.conversation().resolved_at == resolved_at


def test_it_stamps_resolved_at_and_ended_at(make_customer, supervisor):
    customer = make_customer("escalated")

    body = supervisor.client().post(customer.url("resolve/")).json()

    assert body["resolved_at"] is not None
    assert body["resolved_at"] == body["ended_at"]
    conversation = customer.conversation()
    assert conversation.resolved_at == conversation.ended_at
    assert conversation.resolved_at >= conversation.escalated_at


def test_it_refuses_customer_messages_after_resolution(make_customer):
    customer = make_customer("resolved")

    response = post_message(customer, "hello?")

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "This conversation is resolved and takes no new messages. Please start a new conversation."
    )


# The whole flow


def test_the_whole_escalation_flow(anonymous, supervisor, anu, events):
    created = anonymous.post("/api/v1/conversations/", {"user_id": "customer_123"}).json()
    customer = Client()
    customer.credentials(HTTP_X_CONVERSATION_TOKEN=created["access_token"])
    url = f"/api/v1/conversations/{created['conversation_id']}/"

    first = customer.post(f"{url}messages/", {"message": "Where is my order?"}).json()
    handoff = customer.post(f"{url}messages/", {"message": "I want to talk to a human agent"})
    assign = supervisor.client().post(f"{url}assign/", {"agent_id": "agent_anu"})
    reply = anu.client().post(f"{url}agent/messages/", {"message": "Hello, I am Anu."})
    after = customer.post(f"{url}messages/", {"message": "My order KS-10023 is late"}).json()
    resolve = anu.client().post(f"{url}resolve/")
    transcript = customer.get(f"{url}messages/").json()["results"]

    assert first["ai_response"]["sender"] == "ai"
    assert handoff.json()["conversation_status"] == "escalated"
    assert assign.json()["status"] == "assigned"
    assert reply.status_code == 201
    assert "ai_response" not in after
    assert resolve.json()["status"] == "resolved"
    assert [m["sender"] for m in transcript] == [
        "user",
        "ai",
        "user",
        "system",
        "system",
        "agent",
        "user",
        "system",
    ]
    assert provider_calls.calls[created["conversation_id"]] == 1
    assert event_types(events) == [
        "message.created",
        "message.created",  # question, AI answer
        "message.created",
        "message.created",
        "conversation.escalated",
        "queue.updated",  # first in the queue
        "message.created",
        "conversation.assigned",
        "message.created",  # agent reply
        "message.created",  # customer, no AI
        "message.created",
        "conversation.resolved",
    ]
