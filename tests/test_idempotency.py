"""Idempotency-Key on message posts: a retry gets the first answer and stores nothing twice."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from support.assistant.providers import provider_calls
from support.conversations.models import IdempotencyRecord, SupportMessage

from .conftest import Client

pytestmark = pytest.mark.django_db


def post(client: Any, url: str, text: str, key: str | None = None) -> Any:
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(url, {"message": text}, **headers)


def stored(conversation_id: object) -> list[tuple[str, str, bool]]:
    return list(
        SupportMessage.objects.filter(conversation_id=conversation_id)
        .order_by("id")
        .values_list("sender", "text", "is_private")
    )


@pytest.fixture
def assigned(make_customer, anu):
    return make_customer("assigned", agent=anu)


# The customer's messages, with the assistant's answer.


def test_a_retried_customer_message_returns_the_first_answer(customer, events):
    client = customer.client()
    first = post(client, customer.url("messages/"), "Where is my order?", key="k-1")
    after_first = stored(customer.conversation_id)
    events.clear()

    retry = post(client, customer.url("messages/"), "Where is my order?", key="k-1")

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert first.json()["ai_response"]["sender"] == "ai"
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert after_first == [
        ("user", "Where is my order?", False),
        ("ai", first.json()["ai_response"]["message"], False),
    ]
    assert stored(customer.conversation_id) == after_first
    assert customer.conversation().message_count == 2
    assert provider_calls.total() == 1  # the assistant is not asked again
    assert events == []  # nothing new to announce


def test_every_later_retry_returns_the_same_answer(customer):
    client = customer.client()
    url = customer.url("messages/")
    answers = [post(client, url, "Hello", key="k-1") for _ in range(4)]

    assert [a.status_code for a in answers] == [201] * 4
    assert all(a.json() == answers[0].json() for a in answers)
    assert [a.get("Idempotent-Replayed") for a in answers] == [None, "true", "true", "true"]
    assert len(stored(customer.conversation_id)) == 2
    assert provider_calls.total() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_a_retried_message_that_escalated_does_not_escalate_or_store_again(customer, events):
    client = customer.client()
    url = customer.url("messages/")
    first = post(client, url, "I want to talk to a human agent", key="esc-1")
    after_first = stored(customer.conversation_id)
    events.clear()

    retry = post(client, url, "I want to talk to a human agent", key="esc-1")

    assert first.json()["conversation_status"] == "escalated"
    assert "ai_response" not in first.json()
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert stored(customer.conversation_id) == after_first
    assert customer.conversation().events.filter(kind="escalated").count() == 1
    assert provider_calls.total() == 0
    assert events == []


def test_messages_without_a_key_are_each_stored(customer):
    client = customer.client()
    url = customer.url("messages/")

    first = post(client, url, "Hello")
    second = post(client, url, "Hello")

    assert first.json()["message_id"] != second.json()["message_id"]
    assert [m[0] for m in stored(customer.conversation_id)] == ["user", "ai", "user", "ai"]
    assert provider_calls.total() == 2
    assert IdempotencyRecord.objects.count() == 0


# Agent messages and private notes.


@pytest.mark.parametrize(
    ("suffix", "private"), [("agent/messages/", False), ("notes/", True)], ids=["reply", "note"]
)
def test_a_retried_agent_post_returns_the_first_answer(assigned, anu, events, suffix, private):
    client = anu.client()
    first = post(client, assigned.url(suffix), "Checking your order now.", key="a-1")
    events.clear()

    retry = post(client, assigned.url(suffix), "Checking your order now.", key="a-1")

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert retry["Idempotent-Replayed"] == "true"
    assert stored(assigned.conversation_id) == [
        (
            "system",
            "You are being connected to a human agent. Please stay here; an agent will "
            "reply shortly.",
            False,
        ),
        ("system", "Anu has joined the conversation.", False),
        ("agent", "Checking your order now.", private),
    ]
    assert assigned.conversation().message_count == (0 if private else 1)
    assert events == []
    assert provider_calls.total() == 0


# The same key with a different request.


@pytest.mark.parametrize(
    ("who", "suffix"),
    [("customer", "messages/"), ("anu", "agent/messages/"), ("anu", "notes/")],
)
def test_it_refuses_the_same_key_with_a_different_message(assigned, anu, events, who, suffix):
    client = assigned.client() if who == "customer" else anu.client()
    first = post(client, assigned.url(suffix), "First text", key="same")
    before = stored(assigned.conversation_id)
    events.clear()

    response = post(client, assigned.url(suffix), "Another text", key="same")

    assert first.status_code == 201
    assert response.status_code == 422
    assert response.json() == {
        "detail": "This Idempotency-Key was already used with a different request.",
        "code": "idempotency_key_reused",
    }
    assert "Idempotent-Replayed" not in response
    assert stored(assigned.conversation_id) == before
    assert IdempotencyRecord.objects.count() == 1
    assert events == []


# Keys are scoped to who sends what where.


def test_the_same_key_from_different_agents_is_independent(assigned, anu, supervisor):
    url = assigned.url("agent/messages/")

    by_anu = post(anu.client(), url, "Hello", key="shared")
    by_supervisor = post(supervisor.client(), url, "Hello", key="shared")

    assert (by_anu.status_code, by_supervisor.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in by_supervisor
    assert by_anu.json()["message_id"] != by_supervisor.json()["message_id"]
    agent_messages = SupportMessage.objects.filter(
        conversation_id=assigned.conversation_id, sender="agent"
    )
    assert list(agent_messages.values_list("agent_id", "text")) == [
        ("agent_anu", "Hello"),
        ("supervisor_meera", "Hello"),
    ]


def test_the_same_key_on_another_conversation_is_independent(make_customer, anu, supervisor):
    first = make_customer("assigned", agent=anu)
    second = make_customer("escalated", user_id="customer_456")

    a = post(supervisor.client(), first.url("agent/messages/"), "Hello", key="k")
    b = post(supervisor.client(), second.url("agent/messages/"), "Hello", key="k")

    assert (a.status_code, b.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in b
    assert stored(first.conversation_id)[-1] == ("agent", "Hello", False)
    assert stored(second.conversation_id)[-1] == ("agent", "Hello", False)


def test_the_same_key_from_two_customers_is_independent(customer, other_customer):
    a = post(customer.client(), customer.url("messages/"), "Hello", key="k")
    b = post(other_customer.client(), other_customer.url("messages/"), "Hello", key="k")

    assert (a.status_code, b.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in b
    assert b.json()["message_id"] != a.json()["message_id"]
    assert provider_calls.total() == 2


def test_the_same_key_on_a_reply_and_a_note_is_independent(assigned, anu):
    reply = post(anu.client(), assigned.url("agent/messages/"), "Hello", key="k")
    note = post(anu.client(), assigned.url("notes/"), "Hello", key="k")

    assert (reply.status_code, note.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in note
    assert stored(assigned.conversation_id)[-2:] == [
        ("agent", "Hello", False),
        ("agent", "Hello", True),
    ]


# A retry that arrives before the first request has answered.


def forget_the_answer() -> IdempotencyRecord:
    """What the record looks like after the first request committed but before it stored its
    answer (still running, or crashed in between)."""
    [record] = IdempotencyRecord.objects.all()
    IdempotencyRecord.objects.filter(pk=record.pk).update(response_status=None, response_body=None)
    return record


@pytest.mark.parametrize(
    ("who", "suffix"),
    [("customer", "messages/"), ("anu", "agent/messages/"), ("anu", "notes/")],
)
def test_a_retry_while_the_first_request_is_running_is_told_to_wait(
    assigned, anu, events, who, suffix
):
    client = assigned.client() if who == "customer" else anu.client()
    post(client, assigned.url(suffix), "Hello", key="slow")
    forget_the_answer()
    before = stored(assigned.conversation_id)
    events.clear()

    response = post(client, assigned.url(suffix), "Hello", key="slow")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "A request with this Idempotency-Key is still being processed; retry shortly.",
        "code": "idempotency_request_in_progress",
    }
    assert stored(assigned.conversation_id) == before
    assert events == []


def test_a_late_retry_rebuilds_the_customer_s_answer_from_the_stored_message(customer, settings):
    settings.IDEMPOTENCY_PENDING_SECONDS = 0
    client = customer.client()
    first = post(client, customer.url("messages/"), "Where is my order?", key="crashed")
    record = forget_the_answer()

    retry = post(client, customer.url("messages/"), "Where is my order?", key="crashed")
    again = post(client, customer.url("messages/"), "Where is my order?", key="crashed")

    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()  # the assistant's reply included
    assert again.json() == first.json()
    record.refresh_from_db()
    assert (record.response_status, record.response_body) == (201, first.json())
    assert [m[0] for m in stored(customer.conversation_id)] == ["user", "ai"]
    assert provider_calls.total() == 1


@pytest.mark.parametrize("suffix", ["agent/messages/", "notes/"])
def test_a_late_retry_rebuilds_the_agent_s_answer_from_the_stored_message(
    assigned, anu, settings, suffix
):
    settings.IDEMPOTENCY_PENDING_SECONDS = 0
    first = post(anu.client(), assigned.url(suffix), "On it.", key="crashed")
    forget_the_answer()

    retry = post(anu.client(), assigned.url(suffix), "On it.", key="crashed")

    assert (retry.status_code, retry.json()) == (201, first.json())
    assert retry["Idempotent-Replayed"] == "true"
    assert [m for m in stored(assigned.conversation_id) if m[0] == "agent"] == [
        ("agent", "On it.", suffix == "notes/")
    ]


# Keys that are not keys.


@pytest.mark.parametrize(
    ("who", "suffix"),
    [("customer", "messages/"), ("anu", "agent/messages/"), ("anu", "notes/")],
)
@pytest.mark.parametrize("key", ["", "   ", "k" * 256], ids=["empty", "blank", "256-chars"])
def test_it_refuses_an_idempotency_key_that_is_empty_or_too_long(
    assigned, anu, events, who, suffix, key
):
    client = assigned.client() if who == "customer" else anu.client()
    before = stored(assigned.conversation_id)
    events.clear()

    response = post(client, assigned.url(suffix), "Hello", key=key)

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Idempotency-Key must be 1 to 255 characters.",
        "code": "invalid_idempotency_key",
    }
    assert stored(assigned.conversation_id) == before
    assert IdempotencyRecord.objects.count() == 0
    assert events == []


def test_it_accepts_a_key_of_255_characters(assigned, anu):
    key = "k" * 255

    first = post(anu.client(), assigned.url("agent/messages/"), "Hello", key=key)
    retry = post(anu.client(), assigned.url("agent/messages/"), "Hello", key=key)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.get().key == key


def test_a_refused_request_does_not_use_up_its_key(make_customer, anu, supervisor):
    customer = make_customer("escalated")
    url = customer.url("agent/messages/")
    refused = post(anu.client(), url, "Hello", key="k")
    supervisor.client().post(customer.url("assign/"), {"agent_id": "agent_anu"})

    accepted = post(anu.client(), url, "Hello", key="k")

    assert (refused.status_code, refused.json()["code"]) == (403, "not_assigned_to_you")
    assert accepted.status_code == 201
    assert "Idempotent-Replayed" not in accepted
    assert [m for m in stored(customer.conversation_id) if m[0] == "agent"] == [
        ("agent", "Hello", False)
    ]
    assert IdempotencyRecord.objects.get().message_id == accepted.json()["message_id"]


def test_a_superuser_with_a_long_username_can_retry_safely(make_customer):
    # Its scope ("supervisor:admin:<150 characters>:agent_messages") exceeds the column.
    customer = make_customer("escalated")
    admin = get_user_model().objects.create_superuser(username="a" * 150, password="pw-123456")
    client = Client()
    client.force_authenticate(admin)

    first = post(client, customer.url("agent/messages/"), "Hello", key="k")
    retry = post(client, customer.url("agent/messages/"), "Hello", key="k")

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert [m for m in stored(customer.conversation_id) if m[0] == "agent"] == [
        ("agent", "Hello", False)
    ]
