"""Webhooks from the outbox, against a real local HTTP receiver (docs/webhooks.md).

The clock is driven by passing ``now`` to the sweep; nothing sleeps for a retry.
"""

import json
from datetime import timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from support import jobs
from support.conversations import actions
from support.notifications import outbox, webhooks
from support.notifications.deliveries import Result
from support.notifications.models import OutboxEvent, WebhookDelivery, WebhookEndpoint

from .webhook_receiver import Receiver, documented_verify

pytestmark = pytest.mark.django_db

SECRET = "whsec-test-1234"
KINDS = [outbox.ESCALATED, outbox.ASSIGNED, outbox.RESOLVED]


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_MAX_ATTEMPTS = 5
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10.0
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600.0


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def endpoint(receiver):
    return WebhookEndpoint.objects.create(url=receiver.url, secret=SECRET)


def record_events(customer, kinds=KINDS):
    conversation = customer.conversation()
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        return [
            outbox.record(kind, conversation=conversation, data={"n": n})
            for n, kind in enumerate(kinds)
        ]


def rows():
    return list(
        WebhookDelivery.objects.order_by("pk").values_list(
            "event__kind", "status", "attempts", "last_status_code"
        )
    )


def test_a_receiver_that_is_down_then_up_gets_every_event_signed(receiver, endpoint, customer):
    events = record_events(customer)
    assert rows() == [(kind, "pending", 0, None) for kind in KINDS]
    t0 = timezone.now()

    # Down: nobody listens on the port.
    assert webhooks.sweep(now=t0) == 3
    assert rows() == [(kind, "pending", 1, None) for kind in KINDS]
    for delivery in WebhookDelivery.objects.all():
        assert "ConnectError" in delivery.last_error
        wait = delivery.next_attempt_at - t0
        assert timedelta(seconds=10) <= wait <= timedelta(seconds=12)
    assert webhooks.sweep(now=t0 + timedelta(seconds=5)) == 0  # not due yet

    # Up, but failing: 503 for every event.
    receiver.up()
    receiver.answers = [503, 503, 503]
    t1 = t0 + timedelta(seconds=13)
    assert webhooks.sweep(now=t1) == 3
    assert rows() == [(kind, "pending", 2, 503) for kind in KINDS]
    for delivery in WebhookDelivery.objects.all():
        assert timedelta(seconds=20) <= delivery.next_attempt_at - t1 <= timedelta(seconds=24)

    # Healthy.
    t2 = t1 + timedelta(seconds=25)
    assert webhooks.sweep(now=t2) == 3
    assert rows() == [(kind, "delivered", 3, 200) for kind in KINDS]
    assert set(WebhookDelivery.objects.values_list("delivered_at", flat=True)) == {t2}
    assert webhooks.sweep(now=t2 + timedelta(days=1)) == 0

    # Every event arrived (twice: the 503 answers), signed, and a retry is the same event.
    verify = documented_verify()
    ids = [str(event.event_id) for event in events]
    assert sorted(receiver.event_ids()) == sorted(ids * 2)
    assert set(receiver.event_ids()[:3]) == set(ids)
    for request in receiver.requests:
        assert verify(SECRET, request.headers, request.body)
        assert not verify("another-secret", request.headers, request.body)
        assert request.headers["content-type"] == "application/json"
    event = events[0]
    first, retry = (r for r in receiver.requests if r.event_id == str(event.event_id))
    assert first.body == retry.body
    assert (first.headers["x-ks-attempt"], retry.headers["x-ks-attempt"]) == ("2", "3")
    assert first.json == {
        "event_id": str(event.event_id),
        "type": "conversation.escalated",
        "occurred_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": {"conversation": outbox.conversation_payload(customer.conversation()), "n": 0},
    }
    assert first.headers["x-ks-event-type"] == "conversation.escalated"


def test_an_event_whose_answer_was_lost_arrives_again_with_the_same_event_id(
    receiver, endpoint, customer
):
    receiver.up()
    receiver.stall_seconds = 1.0  # read and recorded, but answered after the sender gave up
    (event,) = record_events(customer, [outbox.ESCALATED])
    delivery = WebhookDelivery.objects.get()
    t0 = timezone.now()

    assert webhooks.deliver(delivery.pk, now=t0) is Result.RETRY
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error == "timed out after 0.5 s"

    assert webhooks.deliver(delivery.pk, now=t0 + timedelta(seconds=13)) is Result.DELIVERED
    assert receiver.event_ids() == [str(event.event_id)] * 2
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["x-ks-timestamp"] != second.headers["x-ks-timestamp"]
    verify = documented_verify()
    assert verify(SECRET, first.headers, first.body)
    assert verify(SECRET, second.headers, second.body)
    # What a receiver does: process each event id once.
    assert len({request.event_id for request in receiver.requests}) == 1


def test_a_delivery_is_not_sent_again_while_an_attempt_holds_it(receiver, endpoint, customer):
    receiver.up()
    record_events(customer, [outbox.ESCALATED])
    delivery = WebhookDelivery.objects.get()
    t0 = timezone.now()

    assert webhooks.deliver(delivery.pk, now=t0) is Result.DELIVERED
    assert webhooks.deliver(delivery.pk, now=t0 + timedelta(days=1)) is None
    assert len(receiver.requests) == 1


def test_it_gives_up_after_the_last_attempt_and_supervisors_see_it(
    settings, receiver, endpoint, customer, client, supervisor, anu
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.up()
    receiver.answers = [500] * 3
    (event,) = record_events(customer, [outbox.RESOLVED])
    now = timezone.now()

    results = []
    for _ in range(3):
        results.append(webhooks.deliver(WebhookDelivery.objects.get().pk, now=now))
        now += timedelta(hours=2)
    assert results == [Result.RETRY, Result.RETRY, Result.GAVE_UP]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 3, 500)
    assert delivery.gave_up_at is not None
    assert delivery.last_error == "HTTP 500: ok"
    assert webhooks.sweep(now=now + timedelta(days=30)) == 0
    assert len(receiver.requests) == 3

    client.force_login(supervisor.agent.user)
    page = client.get("/admin/notifications/webhookdelivery/", {"status__exact": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert str(event.event_id) in html
    assert "Given up" in html
    client.force_login(anu.agent.user)
    assert client.get("/admin/notifications/webhookdelivery/").status_code == 302

    # Fixed receiver: the supervisor retries it from the admin.
    client.force_login(supervisor.agent.user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/admin/notifications/webhookdelivery/",
            {"action": "retry_selected", "_selected_action": [str(delivery.pk)]},
            follow=True,
        )
    assert "Retrying 1 given-up deliveries." in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.gave_up_at) == ("pending", 0, None)
    assert webhooks.sweep(now=timezone.now() + timedelta(seconds=1)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)


@pytest.mark.parametrize("status", [400, 401, 404, 410, 301])
def test_answers_that_waiting_cannot_fix_give_up_at_once(status, receiver, endpoint, customer):
    receiver.up()
    receiver.answers = [status]
    record_events(customer, [outbox.ESCALATED])

    assert webhooks.sweep(now=timezone.now()) == 1

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "failed",
        1,
        status,
    )


def test_a_429_waits_at_least_its_retry_after(receiver, endpoint, customer):
    receiver.up()
    receiver.answers = [429]
    record_events(customer, [outbox.ESCALATED])
    now = timezone.now()

    webhooks.sweep(now=now)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == ("pending", 429)
    assert delivery.next_attempt_at - now == timedelta(seconds=120)


def test_an_invalid_url_or_an_inactive_endpoint_gives_up(customer):
    bad = WebhookEndpoint.objects.create(url="ftp://example.invalid/hook", secret=SECRET)
    paused = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook", secret=SECRET)
    record_events(customer, [outbox.ESCALATED])
    paused.active = False
    paused.save()

    webhooks.sweep(now=timezone.now())

    errors = dict(WebhookDelivery.objects.values_list("endpoint", "last_error"))
    assert errors[bad.pk].startswith("invalid URL")
    assert errors[paused.pk] == "the endpoint is inactive"
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed"}


def test_endpoints_get_the_kinds_they_want(customer):
    every = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/a")
    escalations = WebhookEndpoint.objects.create(
        url="http://127.0.0.1:9/b", event_kinds=["conversation.escalated"]
    )
    sla = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/c", event_kinds=["sla.*"])
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/d", active=False)

    record_events(customer, [outbox.ESCALATED, outbox.RESOLVED, "sla.first_response_breached"])

    assert sorted(WebhookDelivery.objects.values_list("event__kind", "endpoint")) == sorted(
        [
            ("conversation.escalated", every.pk),
            ("conversation.escalated", escalations.pk),
            ("conversation.resolved", every.pk),
            ("sla.first_response_breached", every.pk),
            ("sla.first_response_breached", sla.pk),
        ]
    )


def test_nothing_is_recorded_when_the_change_rolls_back(endpoint, customer):
    conversation = customer.conversation()
    with (
        TestCase.captureOnCommitCallbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.record(outbox.ESCALATED, conversation=conversation)
        raise RuntimeError("the change failed")

    assert callbacks == []
    assert not OutboxEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_delivery_is_enqueued_after_commit_once_per_endpoint(monkeypatch, receiver, customer):
    first = WebhookEndpoint.objects.create(url=receiver.url)
    second = WebhookEndpoint.objects.create(url=receiver.url + "/2")
    enqueued = []
    monkeypatch.setattr(jobs, "enqueue", lambda job, *args: enqueued.append((job.name, args)))

    with TestCase.captureOnCommitCallbacks(execute=True):
        with transaction.atomic():
            event = outbox.record(outbox.ESCALATED, conversation=customer.conversation())
        assert enqueued == []  # not before the commit

    by_endpoint = dict(event.deliveries.values_list("endpoint", "pk"))
    assert enqueued == [
        ("notifications.deliver_webhook", (by_endpoint[first.pk],)),
        ("notifications.deliver_webhook", (by_endpoint[second.pk],)),
    ]


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_record_outside_a_transaction(make_customer):
    customer = make_customer("open")

    with pytest.raises(AssertionError, match="inside the transaction"):
        outbox.record(outbox.ESCALATED, conversation=customer.conversation())

    assert not OutboxEvent.objects.exists()


def test_private_notes_never_reach_webhooks(receiver, endpoint, make_customer, supervisor, anu):
    receiver.up()
    customer = make_customer("escalated")
    actions.do_post_agent_message(
        actor=supervisor.actor,
        conversation_id=customer.conversation_id,
        text="PRIVATE: customer sounds like a reseller",
        private=True,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.do_assign_conversation(
            actor=supervisor.actor, conversation_id=customer.conversation_id, agent_id=anu.agent_id
        )

    webhooks.sweep(now=timezone.now())

    assert [json.loads(r.body)["type"] for r in receiver.requests] == [
        "conversation.escalated",
        "conversation.assigned",
    ]
    for request in receiver.requests:
        body = request.body.decode()
        assert "PRIVATE" not in body
        assert "handoff_brief" not in body
        assert customer.conversation().access_token_digest not in body
    with pytest.raises(ValueError, match="notes"), transaction.atomic():
        outbox.record(outbox.ASSIGNED, conversation=None, data={"context": {"notes": ["x"]}})


def test_the_payload_is_the_public_state_of_the_conversation(make_customer, anu, supervisor):
    customer = make_customer("assigned", agent=anu)
    conversation = customer.conversation()

    with transaction.atomic():
        event = outbox.record(
            outbox.ASSIGNED,
            conversation=conversation,
            data={"previous_agent": None, "at": conversation.assigned_at},
            actor=supervisor.actor,
        )

    def stamp(value):
        return value.isoformat().replace("+00:00", "Z") if value else None

    assert event.payload == {
        "conversation": {
            "conversation_id": str(conversation.conversation_id),
            "user_id": "customer_123",
            "status": "assigned",
            "language": "en",
            "priority": conversation.priority,
            "escalated": True,
            "escalation_reason": "test",
            "escalation_source": "supervisor",
            "assigned_agent": "agent_anu",
            "message_count": conversation.message_count,
            "started_at": stamp(conversation.started_at),
            "escalated_at": stamp(conversation.escalated_at),
            "assigned_at": stamp(conversation.assigned_at),
            "first_agent_reply_at": None,
            "resolved_at": None,
            "ended_at": None,
        },
        "previous_agent": None,
        "at": DjangoJSONEncoder().default(conversation.assigned_at),
        "actor": {"kind": "supervisor", "id": "supervisor_meera"},
    }
