"""Emails to supervisors (NOTIFY_EMAIL_SUPERVISORS): escalations and given-up webhooks.

Each email is an EmailDelivery row claimed like a webhook delivery, so it is sent once and
retried on the webhook schedule when the mail server fails. Recipients are the active
supervisors with an email address, read when it is sent.
"""

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from support.agents.models import Agent, Role

from . import deliveries, outbox
from .deliveries import Result
from .models import EmailDelivery, OutboxEvent

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[Kerala Sellers Support] "


def supervisor_emails() -> list[str]:
    emails = Agent.objects.filter(role=Role.SUPERVISOR, user__is_active=True).values_list(
        "user__email", flat=True
    )
    return sorted({email for email in emails if email})


def _console_link(conversation_id: str) -> str:
    path = reverse("console:conversation", kwargs={"conversation_id": conversation_id})
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{path}" if base else path


def message(event: OutboxEvent) -> tuple[str, str]:
    """Subject and plain-text body of the email about ``event``."""
    data: dict[str, Any] = event.payload
    conversation = data.get("conversation") or {}
    cid = conversation.get("conversation_id", "")
    if event.kind == outbox.ESCALATED:
        subject = f"Escalated: {conversation.get('escalation_reason') or cid}"
        lines = [
            "A conversation was handed to human agents and waits in the queue.",
            "",
            f"Reason:   {conversation.get('escalation_reason') or '-'}",
            f"Source:   {conversation.get('escalation_source') or '-'}",
            f"Language: {conversation.get('language')}",
            f"Customer: {conversation.get('user_id')}",
        ]
    elif event.kind == outbox.WEBHOOK_GAVE_UP:
        webhook = data.get("webhook", {})
        subject = f"Webhook given up: {webhook.get('type')} to {webhook.get('url')}"
        lines = [
            f"The webhook {webhook.get('type')} (event {webhook.get('event_id')}) could not be "
            f"delivered to {webhook.get('url')} after {webhook.get('attempts')} attempts.",
            f"Last error: {webhook.get('last_error')}",
            "",
            "Fix the receiver, then retry it in the admin: Notifications > Webhook deliveries,",
            'filter "Given up", select it and run "Retry".',
        ]
    else:
        subject, lines = event.kind, [f"Event {event.event_id}: {event.kind}."]
    if cid:
        lines += ["", f"Conversation {cid}: {_console_link(cid)}"]
    # One line: the reason is the customer's own text, and a header must not break.
    subject = " ".join(subject.split())
    return SUBJECT_PREFIX + subject[:150], "\n".join(lines) + "\n"


def deliver(delivery_id: int, *, now: datetime | None = None) -> Result | None:
    """Claim and send one due email; None when it was not ours to send."""
    claimed = deliveries.claim(EmailDelivery, delivery_id, now=now or timezone.now())
    if claimed is None:
        return None
    delivery = EmailDelivery.objects.select_related("event").get(pk=delivery_id)
    recipients = supervisor_emails()

    def failed(error: str, *, retryable: bool) -> Result:
        return deliveries.fail(
            EmailDelivery,
            claimed,
            now=now or timezone.now(),
            error=error,
            retryable=retryable,
            max_attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        )

    if not recipients:
        logger.warning("no supervisor has an email address: email about %s not sent", delivery)
        return failed("No active supervisor has an email address.", retryable=False)
    subject, text = message(delivery.event)
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, recipients)
    except (smtplib.SMTPException, OSError) as error:  # the mail server: try again later
        result = failed(f"{type(error).__name__}: {error}", retryable=True)
        if result is Result.GAVE_UP:
            logger.warning("gave up emailing supervisors about %s: %s", delivery.event, error)
        return result
    except Exception as error:  # the message itself (a header Django refuses): never again
        logger.exception("could not email supervisors about %s", delivery.event)
        return failed(f"{type(error).__name__}: {error}", retryable=False)
    return deliveries.succeed(
        EmailDelivery, claimed, now=now or timezone.now(), recipients=recipients
    )


def sweep(
    *, now: datetime | None = None, limit: int = 200, run: Callable[[int], object] | None = None
) -> int:
    """Send every due email (or hand its id to ``run``); returns how many were due."""
    ids = deliveries.due(EmailDelivery, now=now or timezone.now(), limit=limit)
    for pk in ids:
        if run is None:
            deliver(pk, now=now)
        else:
            run(pk)
    return len(ids)
