"""The outbox: one OutboxEvent per notification, written in the transaction of the change it
reports, and one delivery row per receiver (a webhook endpoint, the supervisors' inbox)
that workers claim with a conditional update, so nothing is lost and nothing is sent twice
at the same time."""

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Given up"


class OutboxEvent(models.Model):
    """Something receivers hear about: ``conversation.escalated``, ``conversation.assigned``,
    ``conversation.resolved``, ``sla.*``. ``payload`` is the public ``data`` of the webhook,
    fixed when the event is recorded, so every attempt sends the same body."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=64, db_index=True)
    conversation = models.ForeignKey(
        "support.SupportConversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox_events",
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "outbox event"

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A receiver of webhooks, configured by supervisors in the admin."""

    url = models.URLField(max_length=500, help_text="HTTPS URL that receives POST requests.")
    secret = models.CharField(
        max_length=200,
        default=new_secret,
        help_text="Shared secret of the HMAC-SHA256 signature (X-KS-Signature). Stored as "
        "written: the service needs it to sign.",
    )
    active = models.BooleanField(default=True)
    event_kinds = models.JSONField(
        default=list,
        blank=True,
        help_text='Kinds to send, e.g. ["conversation.escalated", "sla.*"]; empty: every kind.',
    )
    description = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, kind: str) -> bool:
        """Whether this endpoint receives events of ``kind`` (``prefix.*`` matches a family)."""
        if not self.event_kinds:
            return True
        return any(
            kind == wanted or (wanted.endswith(".*") and kind.startswith(wanted[:-1]))
            for wanted in self.event_kinds
        )


class Delivery(models.Model):
    """What a worker needs to claim, retry and give up on a delivery."""

    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        default=timezone.now,
        help_text="When a worker may try next; while an attempt runs, the end of its lease.",
    )
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    gave_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class WebhookDelivery(Delivery):
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_once_per_endpoint"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhook_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.DELIVERED) | Q(delivered_at__isnull=False),
                name="webhook_delivered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint} ({self.status})"


class EmailDelivery(Delivery):
    """The email to supervisors about one event (NOTIFY_EMAIL_SUPERVISORS)."""

    event = models.OneToOneField(OutboxEvent, on_delete=models.CASCADE, related_name="email")
    recipients = models.JSONField(default=list, blank=True, help_text="Who it was sent to.")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "email to supervisors"
        verbose_name_plural = "emails to supervisors"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="email_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="email_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"email about {self.event} ({self.status})"


class SlaAlert(models.Model):
    """A service level missed by one conversation, recorded once: per wait in the queue
    (``started_at`` = when it began waiting) or per assignment (``started_at`` = when it was
    assigned). The unique constraint makes a sweep that runs twice, or in two workers, alert
    once."""

    class Kind(models.TextChoices):
        WAITING = "waiting", "Waiting unassigned too long"
        NO_REPLY = "no_reply", "No agent reply in time"

    conversation = models.ForeignKey(
        "support.SupportConversation", on_delete=models.CASCADE, related_name="sla_alerts"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    started_at = models.DateTimeField()
    agent_id = models.CharField(max_length=64, blank=True, default="")
    waited_seconds = models.PositiveIntegerField()
    reassigned = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "SLA alert"
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "kind", "started_at"], name="sla_alert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.conversation_id}"
