"""Recording notifications in the transaction of the change they report.

``record`` writes one OutboxEvent, one pending WebhookDelivery per active endpoint that
wants its kind, and (NOTIFY_EMAIL_SUPERVISORS) one EmailDelivery, then asks for delivery
after commit. If the transaction rolls back, nothing was recorded and nothing is sent; if
it commits, the rows exist even when no worker runs yet, and the periodic sweep delivers
them. Payloads are public: never messages, private notes, the handoff brief or tokens.
"""

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from support import jobs
from support.conversations.actors import Actor
from support.conversations.models import SupportConversation

from .models import EmailDelivery, OutboxEvent, WebhookDelivery, WebhookEndpoint

DELIVER_WEBHOOK = "notifications.deliver_webhook"
DELIVER_EMAIL = "notifications.deliver_email"

ESCALATED = "conversation.escalated"
ASSIGNED = "conversation.assigned"
RESOLVED = "conversation.resolved"
UNASSIGNED = "conversation.unassigned"
WEBHOOK_GAVE_UP = "webhook.gave_up"

# Kinds about the notification system itself never go to webhooks (a failing endpoint
# would hear about its own failures).
INTERNAL_PREFIX = "webhook."
# Kinds emailed to supervisors when NOTIFY_EMAIL_SUPERVISORS is on.
EMAIL_KINDS = frozenset({ESCALATED, WEBHOOK_GAVE_UP})
# Keys that must never appear in a payload, at any depth.
PRIVATE_KEYS = frozenset(
    {
        "access_token",
        "access_token_digest",
        "token",
        "secret",
        "handoff_brief",
        "brief",
        "notes",
        "private_notes",
        "is_private",
    }
)


def _stamp(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def conversation_payload(conversation: SupportConversation) -> dict[str, Any]:
    """What webhook receivers and emails may know about a conversation."""
    return {
        "conversation_id": str(conversation.conversation_id),
        "user_id": conversation.user_id,
        "status": conversation.status,
        "language": conversation.language,
        "priority": conversation.priority,
        "escalated": conversation.escalated,
        "escalation_reason": conversation.escalation_reason or None,
        "escalation_source": conversation.escalation_source or None,
        "assigned_agent": conversation.assigned_agent_id,
        "message_count": conversation.message_count,
        "started_at": _stamp(conversation.started_at),
        "escalated_at": _stamp(conversation.escalated_at),
        "assigned_at": _stamp(conversation.assigned_at),
        "first_agent_reply_at": _stamp(conversation.first_agent_reply_at),
        "resolved_at": _stamp(conversation.resolved_at),
        "ended_at": _stamp(conversation.ended_at),
    }


def _private_keys(value: Any) -> set[str]:
    if isinstance(value, Mapping):
        found = {str(key) for key in value if key in PRIVATE_KEYS}
        for item in value.values():
            found |= _private_keys(item)
        return found
    if isinstance(value, list):
        return set().union(*(_private_keys(item) for item in value))
    return set()


def record(
    kind: str,
    *,
    conversation: SupportConversation | None,
    data: Mapping[str, Any] | None = None,
    actor: Actor | None = None,
) -> OutboxEvent:
    """Record a notification about ``conversation`` inside the caller's transaction.

    Call it after the conversation's changed fields are saved: the payload is its state
    now, ``{"conversation": conversation_payload(...), **data, "actor": {"kind", "id"}}``.
    Raises ValueError for a payload with private keys (notes, briefs, tokens).
    """
    if not transaction.get_connection().in_atomic_block:
        raise AssertionError("outbox.record() must run inside the transaction of its change")
    payload: dict[str, Any] = {}
    if conversation is not None:
        payload["conversation"] = conversation_payload(conversation)
    for key, value in (data or {}).items():
        if key in ("conversation", "actor"):
            raise ValueError(f"data must not set {key!r}; record() fills it in")
        payload[key] = value
    if actor is not None:
        payload["actor"] = {"kind": str(actor.kind), "id": actor.actor_id}
    private = _private_keys(payload)
    if private:
        raise ValueError(f"a notification must not carry {', '.join(sorted(private))}")
    # Plain JSON from here on (datetimes and UUIDs as strings): every attempt sends the same.
    payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))

    event = OutboxEvent.objects.create(kind=kind, conversation=conversation, payload=payload)
    if not kind.startswith(INTERNAL_PREFIX):
        endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if e.wants(kind)]
        webhooks = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(event=event, endpoint=endpoint, next_attempt_at=event.created_at)
            for endpoint in endpoints
        )
        for delivery in webhooks:
            jobs.enqueue_on_commit(DELIVER_WEBHOOK, delivery.pk)
    if settings.NOTIFY_EMAIL_SUPERVISORS and kind in EMAIL_KINDS:
        email = EmailDelivery.objects.create(event=event, next_attempt_at=event.created_at)
        jobs.enqueue_on_commit(DELIVER_EMAIL, email.pk)
    return event
