"""Every status change writes exactly one audit row and publishes its realtime events, in
order, to the right groups; the database refuses rows that break the lifecycle's invariants."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from support.assistant.providers import (
    AssistantReply,
    ProviderError,
    ReplyContext,
    provider_calls,
    use_provider,
)
from support.conversations.models import ConversationEvent, SupportConversation, SupportMessage

pytestmark = pytest.mark.django_db

ESCALATED_NOTICE = (
    "You are being connected to a human agent. Please stay here; an agent will reply shortly."
)
RESOLVED_NOTICE = (
    "This conversation is resolved. Thank you for contacting Kerala Sellers. "
    "If you need more help, please start a new conversation."
)


def audit_rows(conversation_id: object) -> list[dict[str, Any]]:
    return list(
        ConversationEvent.objects.filter(conversation_id=conversation_id)
        .order_by("id")
        .values("kind", "from_status", "to_status", "actor_kind", "actor_id", "reason", "data")
    )


def audit(
    kind: str,
    from_status: str,
    to_status: str,
    actor_kind: str,
    actor_id: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "from_status": from_status,
        "to_status": to_status,
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "reason": reason,
        "data": data or {},
    }


def published(events: list[Any], conversation_id: object) -> list[tuple[str, tuple[str, ...]]]:
    """(type, groups) of each captured event; all must be about ``conversation_id``."""
    assert {e.conversation_id for e in events} <= {str(conversation_id)}
    return [(e.type, e.groups) for e in events]


def groups(conversation_id: object, *extra: str) -> tuple[str, ...]:
    return (f"conversation.{conversation_id}", *extra)


class Watched:
    """Runs one request and reports the audit rows and events it added."""

    def __init__(self, conversation_id: object, events: list[Any]) -> None:
        self.conversation_id = conversation_id
        self.events = events
        self.rows_before = len(audit_rows(conversation_id))
        events.clear()

    def new_rows(self) -> list[dict[str, Any]]:
        return audit_rows(self.conversation_id)[self.rows_before :]


@pytest.fixture
def watch(events):
    def start(conversation_id: object) -> Watched:
        return Watched(conversation_id, events)

    return start


# Created.


def test_creating_a_conversation_writes_a_created_event_and_publishes_nothing(anonymous, events):
    response = anonymous.post(
        "/api/v1/conversations/", {"user_id": "customer_42", "language": "ml"}
    )

    assert response.status_code == 201
    conversation_id = response.json()["conversation_id"]
    assert audit_rows(conversation_id) == [
        audit("created", "", "open", "customer", "customer_42", data={"customer_verified": False}),
    ]
    assert events == []


# Escalated, by each kind of actor.


@pytest.mark.parametrize(
    ("who", "body", "actor_kind", "actor_id", "reason", "source"),
    [
        (
            "customer",
            {},
            "customer",
            "customer_123",
            "Customer asked to talk to a human.",
            "customer_request",
        ),
        (
            "customer",
            {"reason": "  Wrong item delivered  "},
            "customer",
            "customer_123",
            "Wrong item delivered",
            "customer_request",
        ),
        ("anu", {}, "agent", "agent_anu", "Escalated by Anu.", "agent"),
        ("supervisor", {"reason": "VIP"}, "supervisor", "supervisor_meera", "VIP", "supervisor"),
    ],
    ids=["customer-button", "customer-with-reason", "agent", "supervisor"],
)
def test_an_escalation_writes_one_event_and_tells_the_conversation_and_the_queue(
    customer, anu, supervisor, watch, who, body, actor_kind, actor_id, reason, source
):
    client = {"customer": customer.client, "anu": anu.client, "supervisor": supervisor.client}[who]
    change = watch(customer.conversation_id)

    response = client().post(customer.url("escalate/"), body)

    assert response.status_code == 200
    assert change.new_rows() == [
        audit("escalated", "open", "escalated", actor_kind, actor_id, reason, {"source": source}),
    ]
    cid = customer.conversation_id
    assert published(change.events, cid) == [
        ("message.created", groups(cid)),
        ("conversation.escalated", groups(cid, "queue")),
        ("queue.updated", groups(cid)),
    ]
    notice, escalated, queued = change.events
    assert (notice.data["sender"], notice.data["message"]) == ("system", ESCALATED_NOTICE)
    assert escalated.data["status"] == "escalated"
    assert escalated.data["escalation_source"] == source
    # First in the queue; no agent has taken one yet, so no estimate.
    assert queued.data == {
        "position": 1,
        "estimated_wait_seconds": None,
        "open_now": True,
        "next_opening": None,
    }
    conversation = customer.conversation()
    assert (conversation.status, conversation.escalation_source) == ("escalated", source)
    assert conversation.escalation_reason == reason


def test_an_escalation_intent_escalates_after_storing_the_customer_s_message(customer, watch):
    change = watch(customer.conversation_id)
    text = "I want to talk to a human agent"

    response = customer.client().post(customer.url("messages/"), {"message": text})

    assert response.status_code == 201
    assert change.new_rows() == [
        audit(
            "escalated", "open", "escalated", "customer", "customer_123", text, {"source": "intent"}
        ),
    ]
    cid = customer.conversation_id
    assert published(change.events, cid) == [
        ("message.created", groups(cid)),
        ("message.created", groups(cid)),
        ("conversation.escalated", groups(cid, "queue")),
        ("queue.updated", groups(cid)),
    ]
    assert [e.data["message"] for e in change.events[:2]] == [text, ESCALATED_NOTICE]
    assert provider_calls.total() == 0


class FailingProvider:
    name = "failing"

    def reply(self, context: ReplyContext) -> AssistantReply:
        raise ProviderError("timed out")


class HandoffProvider:
    name = "handoff"

    def reply(self, context: ReplyContext) -> AssistantReply:
        return AssistantReply(
            text="This must never be posted.",
            handoff_requested=True,
            handoff_reason="Customer is upset about a refund.",
        )


@pytest.fixture
def failing_provider() -> Iterator[None]:
    with use_provider(FailingProvider()):
        yield


@pytest.fixture
def handoff_provider() -> Iterator[None]:
    with use_provider(HandoffProvider()):
        yield


def test_the_assistant_escalates_when_its_provider_fails_twice(customer, watch, failing_provider):
    change = watch(customer.conversation_id)

    response = customer.client().post(customer.url("messages/"), {"message": "Where is my order?"})

    assert response.status_code == 201
    assert "ai_response" not in response.json()
    assert response.json()["conversation_status"] == "escalated"
    assert change.new_rows() == [
        audit(
            "escalated",
            "open",
            "escalated",
            "assistant",
            "assistant",
            "The assistant could not answer.",
            {"source": "ai_failure"},
        ),
    ]
    cid = customer.conversation_id
    assert published(change.events, cid) == [
        ("message.created", groups(cid)),
        ("message.created", groups(cid)),
        ("conversation.escalated", groups(cid, "queue")),
        ("queue.updated", groups(cid)),
    ]
    assert provider_calls.total() == 2
    assert not SupportMessage.objects.filter(conversation_id=cid, sender="ai").exists()


def test_the_assistant_escalates_when_it_asks_for_a_handoff(customer, watch, handoff_provider):
    change = watch(customer.conversation_id)

    response = customer.client().post(customer.url("messages/"), {"message": "Hmm"})

    assert response.status_code == 201
    assert change.new_rows() == [
        audit(
            "escalated",
            "open",
            "escalated",
            "assistant",
            "assistant",
            "Customer is upset about a refund.",
            {"source": "intent"},
        ),
    ]
    cid = customer.conversation_id
    assert [e.type for e in change.events] == [
        "message.created",
        "message.created",
        "conversation.escalated",
        "queue.updated",
    ]
    texts = SupportMessage.objects.filter(conversation_id=cid).values_list("sender", "text")
    assert list(texts) == [("user", "Hmm"), ("system", ESCALATED_NOTICE)]


def test_an_escalation_notice_is_in_the_customer_s_language(make_customer, supervisor, watch):
    customer = make_customer("open", language="ml")
    change = watch(customer.conversation_id)

    supervisor.client().post(customer.url("escalate/"), {})

    assert change.events[0].data["message"] == (
        "നിങ്ങളെ ഒരു ഏജന്റുമായി ബന്ധിപ്പിക്കുന്നു. ദയവായി ഇവിടെ തുടരുക; ഒരു ഏജന്റ് ഉടൻ മറുപടി നൽകും."
    )


# Assigned and transferred.


def test_assigning_writes_one_event_and_tells_the_agent(make_customer, supervisor, anu, watch):
    customer = make_customer("escalated")
    change = watch(customer.conversation_id)

    response = supervisor.client().post(customer.url("assign/"), {"agent_id": "agent_anu"})

    assert response.status_code == 200
    assert change.new_rows() == [
        audit(
            "assigned",
            "escalated",
            "assigned",
            "supervisor",
            "supervisor_meera",
            data={"from_agent": None, "to_agent": "agent_anu"},
        ),
    ]
    cid = customer.conversation_id
    assert published(change.events, cid) == [
        ("message.created", groups(cid)),
        ("conversation.assigned", groups(cid, "queue", "agent.agent_anu")),
    ]
    assert change.events[0].data["message"] == "Anu has joined the conversation."
    assert change.events[1].data["assigned_agent"] == "agent_anu"
    assert change.events[1].data["status"] == "assigned"


def test_a_transfer_writes_one_event_and_tells_both_agents(
    make_customer, supervisor, anu, biju, watch
):
    customer = make_customer("assigned", agent=anu)
    change = watch(customer.conversation_id)

    response = supervisor.client().post(customer.url("assign/"), {"agent_id": "agent_biju"})

    assert response.status_code == 200
    assert change.new_rows() == [
        audit(
            "transferred",
            "assigned",
            "assigned",
            "supervisor",
            "supervisor_meera",
            data={"from_agent": "agent_anu", "to_agent": "agent_biju"},
        ),
    ]
    cid = customer.conversation_id
    assert published(change.events, cid) == [
        ("message.created", groups(cid)),
        ("conversation.assigned", groups(cid, "queue", "agent.agent_biju", "agent.agent_anu")),
    ]
    assert change.events[0].data["message"] == "Biju has joined the conversation."
    assert change.events[1].data["assigned_agent"] == "agent_biju"


# Resolved.


def test_resolving_writes_one_event_that_keeps_the_previous_agent(make_customer, anu, watch):
    customer = make_customer("assigned", agent=anu)
    change = watch(customer.conversation_id)

    response = anu.client().post(customer.url("resolve/"), {"reason": " Refund issued "})

    assert response.status_code == 200
    assert change.new_rows() == [
        audit(
            "resolved",
            "assigned",
            "resolved",
            "agent",
            "agent_anu",
            "Refund issued",
            {"assigned_agent": "agent_anu"},
        ),
    ]
    cid = customer.conversation_id
    assert published(change.events, cid) == [
        ("message.created", groups(cid)),
        ("conversation.resolved", groups(cid, "queue", "agent.agent_anu")),
    ]
    assert change.events[0].data["message"] == RESOLVED_NOTICE
    assert change.events[1].data["status"] == "resolved"
    assert change.events[1].data["assigned_agent"] is None
    conversation = customer.conversation()
    assert (conversation.status, conversation.assigned_agent_id) == ("resolved", None)
    assert conversation.resolved_by == "agent_anu"


@pytest.mark.parametrize("status", ["open", "escalated"])
def test_resolving_an_unassigned_conversation_records_no_agent(
    make_customer, supervisor, watch, status
):
    customer = make_customer(status)
    change = watch(customer.conversation_id)

    response = supervisor.client().post(customer.url("resolve/"))

    assert response.status_code == 200
    assert change.new_rows() == [
        audit(
            "resolved",
            status,
            "resolved",
            "supervisor",
            "supervisor_meera",
            data={"assigned_agent": None},
        ),
    ]
    cid = customer.conversation_id
    assert published(change.events, cid) == [
        ("message.created", groups(cid)),
        ("conversation.resolved", groups(cid, "queue")),
    ]


def test_the_whole_lifecycle_leaves_one_event_per_step(anonymous, anu, biju, supervisor):
    created = anonymous.post("/api/v1/conversations/", {"user_id": "customer_7"}).json()
    cid = created["conversation_id"]
    url = f"/api/v1/conversations/{cid}/"
    customer_client = anonymous.__class__()
    customer_client.credentials(HTTP_X_CONVERSATION_TOKEN=created["access_token"])

    customer_client.post(f"{url}messages/", {"message": "Hello"})
    customer_client.post(f"{url}escalate/", {})
    supervisor.client().post(f"{url}assign/", {"agent_id": "agent_anu"})
    anu.client().post(f"{url}agent/messages/", {"message": "Hi, Anu here."})
    anu.client().post(f"{url}notes/", {"message": "Probably a courier delay."})
    supervisor.client().post(f"{url}assign/", {"agent_id": "agent_biju"})
    biju.client().post(f"{url}resolve/", {})

    assert [(r["kind"], r["from_status"], r["to_status"]) for r in audit_rows(cid)] == [
        ("created", "", "open"),
        ("escalated", "open", "escalated"),
        ("assigned", "escalated", "assigned"),
        ("transferred", "assigned", "assigned"),
        ("resolved", "assigned", "resolved"),
    ]


# Messages are not status changes: no audit row, and the right audience.


def test_an_agent_reply_publishes_to_the_conversation_and_writes_no_event(
    make_customer, anu, watch
):
    customer = make_customer("assigned", agent=anu)
    change = watch(customer.conversation_id)

    response = anu.client().post(customer.url("agent/messages/"), {"message": "On it."})

    assert response.status_code == 201
    assert change.new_rows() == []
    cid = customer.conversation_id
    assert published(change.events, cid) == [("message.created", groups(cid))]
    assert change.events[0].data["message"] == "On it."
    assert change.events[0].data["is_private"] is False
    assert change.events[0].data["agent_id"] == "agent_anu"


def test_a_private_note_is_published_only_to_the_staff_group(make_customer, anu, watch):
    customer = make_customer("assigned", agent=anu)
    change = watch(customer.conversation_id)

    response = anu.client().post(customer.url("notes/"), {"message": "Check the courier."})

    assert response.status_code == 201
    assert change.new_rows() == []
    cid = customer.conversation_id
    assert published(change.events, cid) == [
        ("message.created", (f"conversation.{cid}.staff",)),
    ]
    assert change.events[0].data["is_private"] is True


def test_a_customer_message_and_the_assistant_s_answer_are_two_events(customer, watch):
    change = watch(customer.conversation_id)

    response = customer.client().post(customer.url("messages/"), {"message": "Where is my order?"})

    assert change.new_rows() == []
    cid = customer.conversation_id
    assert published(change.events, cid) == [
        ("message.created", groups(cid)),
        ("message.created", groups(cid)),
    ]
    assert [e.data["sender"] for e in change.events] == ["user", "ai"]
    assert change.events[1].data["message_id"] == response.json()["ai_response"]["message_id"]


# The database's own guard rails.


@pytest.fixture
def rows(make_customer, anu):
    return {
        "open": make_customer("open").conversation(),
        "escalated": make_customer("escalated").conversation(),
        "assigned": make_customer("assigned", agent=anu).conversation(),
        "resolved": make_customer("resolved", agent=anu).conversation(),
    }


def break_and_save(conversation: SupportConversation, **changes: Any) -> None:
    for field, value in changes.items():
        setattr(conversation, field, value)
    conversation.save(update_fields=list(changes))


def test_it_cannot_store_an_assigned_conversation_without_an_agent(rows):
    conversation = rows["escalated"]

    with pytest.raises(IntegrityError), transaction.atomic():
        break_and_save(conversation, status="assigned", assigned_at=timezone.now())

    conversation.refresh_from_db()
    assert (conversation.status, conversation.assigned_agent_id) == ("escalated", None)


def test_it_cannot_store_an_agent_on_an_escalated_conversation(rows, anu):
    conversation = rows["escalated"]

    with pytest.raises(IntegrityError), transaction.atomic():
        break_and_save(conversation, assigned_agent=anu.agent, assigned_at=timezone.now())

    conversation.refresh_from_db()
    assert conversation.assigned_agent_id is None


@pytest.mark.parametrize(
    ("start", "changes"),
    [
        ("assigned", {"status": "escalated"}),  # leaves the agent behind
        (
            "assigned",
            {"status": "resolved", "resolved_at": timezone.now(), "ended_at": timezone.now()},
        ),  # resolved, still assigned
        ("assigned", {"assigned_agent": None}),
        ("open", {"status": "escalated"}),  # escalated=False, no escalated_at
        ("open", {"escalated": True}),  # escalated without a time
        ("escalated", {"status": "resolved"}),  # resolved without resolved_at
        ("resolved", {"status": "open"}),  # open with resolved_at
        ("open", {"status": "archived"}),
        ("open", {"language": "fr"}),
    ],
    ids=[
        "assigned-to-escalated-keeping-the-agent",
        "resolved-keeping-the-agent",
        "assigned-without-agent",
        "escalated-status-without-the-flag",
        "escalated-flag-without-time",
        "resolved-without-time",
        "open-with-resolved-time",
        "unknown-status",
        "unknown-language",
    ],
)
def test_it_cannot_store_a_conversation_that_breaks_an_invariant(rows, start, changes):
    conversation = rows[start]
    before = SupportConversation.objects.filter(pk=conversation.pk).values().get()

    with pytest.raises(IntegrityError), transaction.atomic():
        break_and_save(conversation, **changes)

    assert SupportConversation.objects.filter(pk=conversation.pk).values().get() == before


@pytest.mark.parametrize(
    "changes",
    [{"sender": "user", "is_private": True}, {"sender": "ai", "agent_id": "agent_anu"}],
    ids=["private-customer-message", "assistant-message-with-agent"],
)
def test_it_cannot_store_a_message_that_breaks_an_invariant(rows, anu, changes):
    conversation = rows["open"]

    with pytest.raises(IntegrityError), transaction.atomic():
        SupportMessage.objects.create(conversation=conversation, text="x", **changes)

    assert not SupportMessage.objects.filter(conversation=conversation, text="x").exists()
