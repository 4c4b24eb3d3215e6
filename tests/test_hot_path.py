"""The customer's message is the busiest request: what it costs and that its shortcuts keep
every rule. On PostgreSQL a message and an assistant reply are each stored by one statement
(support.conversations.statements); elsewhere, and for every refusal, the general path runs."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support.api.serializers import UserMessageOutput
from support.conversations import actions
from support.conversations.models import SupportMessage
from support.conversations.statements import store_message

from .conftest import on_postgres


def post(customer, text):
    return customer.client().post(customer.url("messages/"), {"message": text}, format="json")


def test_a_message_to_an_escalated_conversation_is_one_statement_on_postgresql(
    make_customer, require_postgres
):
    customer = make_customer("escalated")
    client = customer.client()
    post(customer, "warming up the token cache")

    with CaptureQueriesContext(connection) as queries:
        response = client.post(customer.url("messages/"), {"message": "Any news?"}, format="json")

    assert response.status_code == 201
    assert len(queries) == 1, [q["sql"] for q in queries]
    conversation = customer.conversation()
    assert conversation.message_count == 2
    stored = SupportMessage.objects.get(pk=response.json()["message_id"])
    assert (stored.sender, stored.text, stored.conversation_id) == (
        "user",
        "Any news?",
        customer.conversation_id,
    )


def test_an_answered_message_costs_four_statements_on_postgresql(customer, require_postgres):
    post(customer, "hello")  # the token and the knowledge base are read once per process

    with CaptureQueriesContext(connection) as queries:
        response = post(customer, "Can I pay by UPI?")

    assert response.status_code == 201
    assert "ai_response" in response.json()
    # The message; the history with the status; the orders; the reply.
    assert len(queries) == 4, [q["sql"] for q in queries]


def test_the_one_statement_write_counts_the_message_and_follows_the_language(
    customer, require_postgres
):
    response = post(customer, "ente order evide ethi? delivery vannilla")

    assert response.status_code == 201
    conversation = customer.conversation()
    assert conversation.language == "ml-Latn"
    assert conversation.message_count == 2  # the message and the reply
    reply = SupportMessage.objects.get(pk=response.json()["ai_response"]["message_id"])
    assert reply.in_reply_to_id == response.json()["message_id"]


def test_a_reply_cannot_point_at_another_conversations_message(
    customer, other_customer, require_postgres
):
    foreign = post(other_customer, "hello").json()["message_id"]

    stored = store_message(
        SupportMessage(sender="ai", text="hi", in_reply_to_id=foreign),
        conversation_id=customer.conversation_id,
        statuses={"open"},
    )

    assert stored is not None
    assert stored[1].in_reply_to_id is None
    assert SupportMessage.objects.get(pk=stored[1].pk).in_reply_to_id is None


def test_a_status_that_refuses_the_write_stores_nothing(make_customer, supervisor, anu):
    customer = make_customer("resolved", agent=anu)
    before = SupportMessage.objects.count()

    response = post(customer, "one more thing")

    assert response.status_code == 409
    assert response.json()["code"] == "conversation_resolved"
    assert SupportMessage.objects.count() == before
    if on_postgres():
        assert (
            store_message(
                SupportMessage(sender="user", text="x"),
                conversation_id=customer.conversation_id,
                statuses={"open", "escalated", "assigned"},
            )
            is None
        )


def test_an_assistant_reply_after_escalation_is_dropped_by_the_statement(
    customer, supervisor, events
):
    message = post(customer, "hello").json()["message_id"]
    actions.do_escalate_conversation(
        actor=supervisor.actor, conversation_id=customer.conversation_id
    )
    count = customer.conversation().message_count
    events.clear()

    reply = actions.do_post_ai_reply(
        conversation_id=customer.conversation_id, in_reply_to_id=message, text="Too late"
    )

    assert reply is None
    assert not SupportMessage.objects.filter(sender="ai", text="Too late").exists()
    assert customer.conversation().message_count == count
    assert events == []


@pytest.mark.parametrize("status", ["open", "escalated"])
def test_the_message_answer_has_exactly_its_documented_shape(make_customer, status):
    response = post(make_customer(status), "Where is my order KS-10023?")

    body = response.json()
    assert response.status_code == 201
    assert body == json.loads(json.dumps(UserMessageOutput(body).data))
    assert ("ai_response" in body) == (status == "open")


def test_the_prepared_order_read_returns_what_the_orm_returns(require_postgres, monkeypatch):
    from django.utils import timezone

    from support.orders import services
    from support.orders.models import Order

    now = timezone.now()
    for number, user_id, days in (
        ("KS-500001", "ammu", 3),
        ("KS-500002", "ammu", 1),
        ("KS-500003", "ammu", 2),
        ("KS-500004", "ammu", 5),
        ("KS-500005", "someone-else", 0),
    ):
        services.upsert_order(
            order_number=number,
            fields={
                "user_id": user_id,
                "status": "shipped",
                "items": [{"name": "Kasavu saree ₹", "qty": days}],
                "total_rupees": "1499.50",
                "payment_method": "upi",
                "placed_at": now - dt.timedelta(days=days),
            },
        )

    def orm(user_id, numbers, latest):
        """orders_for as it reads on other databases: its ORM branch."""
        with monkeypatch.context() as patch:
            patch.setattr(services.prepared, "available", lambda: False)
            return services.orders_for(user_id=user_id, numbers=numbers, latest=latest)

    def fields(orders):
        return [
            {f.attname: getattr(o, f.attname) for f in Order._meta.concrete_fields} for o in orders
        ]

    for numbers, latest in (
        ([], 3),
        ([], 10),
        (["KS-500004", "KS-500001", "KS-500005"], 3),  # another customer's order is not read
        (["KS-999999"], 3),
    ):
        prepared = services.orders_for(user_id="ammu", numbers=numbers, latest=latest)
        assert fields(prepared) == fields(orm("ammu", numbers, latest)), numbers
    newest = services.orders_for(user_id="ammu", numbers=[])
    assert [o.order_number for o in newest] == ["KS-500002", "KS-500003", "KS-500001"]
    assert newest[0].items == [{"name": "Kasavu saree ₹", "qty": 1}]
    assert str(newest[0].total_rupees) == "1499.50"


def test_the_assistant_reads_the_last_ten_public_messages_oldest_first(make_customer):
    from support.conversations.selectors import assistant_history

    customer = make_customer("open")
    for i in range(7):
        assert post(customer, f"message {i}: Can I pay by UPI?").status_code == 201

    history = assistant_history(customer.conversation_id)

    expected = list(
        SupportMessage.objects.filter(conversation_id=customer.conversation_id)
        .order_by("-id")
        .values_list("sender", "text")[:10]
    )[::-1]
    assert history == expected
    assert len(history) == 10
    # Seven questions and seven answers: the last ten start with the third question.
    assert history[0] == ("user", "message 2: Can I pay by UPI?")
    assert history[-2] == ("user", "message 6: Can I pay by UPI?")
    assert [sender for sender, _ in history] == ["user", "ai"] * 5


def test_the_assistant_reads_no_history_once_the_conversation_left_open(make_customer):
    from support.conversations.selectors import assistant_history

    customer = make_customer("escalated")
    assert post(customer, "Any news?").status_code == 201

    assert assistant_history(customer.conversation_id) is None
