"""Emails to supervisors (NOTIFY_EMAIL_SUPERVISORS): from the outbox, sent once, retried."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from support.conversations import actions
from support.notifications import emails, outbox, webhooks
from support.notifications.deliveries import Result
from support.notifications.models import (
    EmailDelivery,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _email_on(settings, supervisor):
    settings.NOTIFY_EMAIL_SUPERVISORS = True
    settings.PUBLIC_BASE_URL = "https://support.example.com"
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    user = supervisor.agent.user
    user.email = "meera@example.com"
    user.save()


def escalate(customer, **data):
    with transaction.atomic():
        return outbox.record(outbox.ESCALATED, conversation=customer.conversation(), data=data)


def test_an_escalation_is_emailed_to_supervisors_once(make_customer, supervisor):
    customer = make_customer("escalated")  # by the lifecycle: reason "test", by Meera
    actions.do_post_agent_message(
        actor=supervisor.actor,
        conversation_id=customer.conversation_id,
        text="NOTE-42",
        private=True,
    )
    event = OutboxEvent.objects.get(kind=outbox.ESCALATED)
    assert EmailDelivery.objects.get().status == "pending"
    now = timezone.now()

    assert emails.sweep(now=now) == 1
    assert emails.sweep(now=now + timedelta(days=1)) == 0

    (message,) = mail.outbox
    assert message.to == ["meera@example.com"]
    assert message.subject == "[Kerala Sellers Support] Escalated: test"
    cid = customer.conversation_id
    assert f"https://support.example.com/console/c/{cid}/" in message.body
    assert "Source:   supervisor" in message.body
    assert "NOTE-42" not in message.body
    delivery = EmailDelivery.objects.get()
    assert (delivery.event, delivery.status, delivery.attempts) == (event, "delivered", 1)
    assert delivery.recipients == ["meera@example.com"]


def test_without_the_setting_nothing_is_emailed(settings, customer):
    settings.NOTIFY_EMAIL_SUPERVISORS = False

    escalate(customer)

    assert not EmailDelivery.objects.exists()


def test_only_escalations_and_given_up_webhooks_are_emailed(customer):
    with transaction.atomic():
        outbox.record(outbox.RESOLVED, conversation=customer.conversation())

    assert not EmailDelivery.objects.exists()


def test_a_failing_mail_server_is_retried(monkeypatch, customer):
    escalate(customer)
    calls = []

    def send_mail(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("connection lost")
        return 1

    monkeypatch.setattr(emails, "send_mail", send_mail)
    delivery = EmailDelivery.objects.get()
    now = timezone.now()

    assert emails.deliver(delivery.pk, now=now) is Result.RETRY
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (
        "pending",
        "SMTPServerDisconnected: connection lost",
    )
    assert emails.deliver(delivery.pk, now=now + timedelta(minutes=5)) is Result.DELIVERED
    assert len(calls) == 2


def test_a_reason_of_several_lines_is_one_line_of_subject(make_customer):
    """The customer's own words become the reason: a newline (or a header of their own) must
    neither break the email nor keep it retrying for ever."""
    customer = make_customer("open")
    customer.client().post(
        customer.url("messages/"), {"message": "I want to talk to a human\nBcc: x@evil.example"}
    )

    emails.sweep(now=timezone.now())

    (message,) = mail.outbox
    assert message.subject == (
        "[Kerala Sellers Support] Escalated: I want to talk to a human Bcc: x@evil.example"
    )
    assert message.bcc == []
    assert EmailDelivery.objects.get().status == "delivered"


def test_an_email_django_refuses_to_send_is_given_up_at_once(monkeypatch, customer):
    from django.core.mail import BadHeaderError

    escalate(customer)

    def refuse(*args, **kwargs):
        raise BadHeaderError("Header values can't contain newlines")

    monkeypatch.setattr(emails, "send_mail", refuse)
    delivery = EmailDelivery.objects.get()

    assert emails.deliver(delivery.pk, now=timezone.now()) is Result.GAVE_UP
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "failed",
        1,
        "BadHeaderError: Header values can't contain newlines",
    )
    assert emails.sweep(now=timezone.now() + timedelta(days=1)) == 0


def test_with_no_supervisor_address_the_email_is_given_up(supervisor, customer):
    supervisor.agent.user.email = ""
    supervisor.agent.user.save()
    escalate(customer)

    emails.sweep(now=timezone.now())

    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == (
        "failed",
        "No active supervisor has an email address.",
    )
    assert mail.outbox == []


def test_a_given_up_webhook_is_emailed_but_never_sent_as_a_webhook(make_customer):
    endpoint = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/down")  # refused
    make_customer("escalated")  # the lifecycle records the escalation
    event = OutboxEvent.objects.get(kind=outbox.ESCALATED)
    now = timezone.now()

    webhooks.sweep(now=now)
    webhooks.sweep(now=now + timedelta(hours=1))

    assert WebhookDelivery.objects.get(event=event).status == "failed"
    gave_up = OutboxEvent.objects.get(kind="webhook.gave_up")
    assert gave_up.payload["webhook"] == {
        "event_id": str(event.event_id),
        "type": "conversation.escalated",
        "url": endpoint.url,
        "attempts": 2,
        "last_error": WebhookDelivery.objects.get(event=event).last_error[:300],
    }
    assert not WebhookDelivery.objects.filter(event=gave_up).exists()
    emails.sweep(now=now + timedelta(hours=1))
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [
        "[Kerala Sellers Support] Escalated: test",
        "[Kerala Sellers Support] Webhook given up: conversation.escalated to "
        "http://127.0.0.1:9/down",
    ]
