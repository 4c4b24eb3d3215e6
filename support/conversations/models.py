import uuid

from django.db import models
from django.db.models import Q

from .states import ActorKind, EscalationSource, Language, Priority, Sender, Status


class SupportConversation(models.Model):
    """A customer's conversation. Its status changes only through actions.py."""

    conversation_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.CharField(max_length=128, db_index=True)
    customer_verified = models.BooleanField(
        default=False,
        help_text="The shop vouched for user_id with a valid user_hash when the conversation "
        "began (support.conversations.identity). Only then does the assistant read orders.",
    )
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    escalated = models.BooleanField(default=False)
    escalation_reason = models.TextField(blank=True, default="")
    # NULL, not "": a conversation that was never escalated has no source (the API says null).
    escalation_source = models.CharField(  # noqa: DJ001
        max_length=32, choices=EscalationSource.choices, null=True, blank=True, default=None
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    assigned_agent = models.ForeignKey(
        "agents.Agent",
        to_field="agent_id",
        db_column="assigned_agent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_conversations",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_agent_reply_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=128, blank=True, default="")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    assistant_fallbacks = models.PositiveSmallIntegerField(
        default=0, help_text="Assistant answers in a row that could not help the customer."
    )
    handoff_brief = models.JSONField(
        null=True,
        blank=True,
        help_text="What the agent needs at escalation: why, language, intents, orders, "
        "last messages. Staff only.",
    )
    access_token_digest = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["status", "escalated_at"], name="conv_queue_idx"),
            models.Index(fields=["assigned_agent", "status"], name="conv_agent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="conversation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(language__in=Language.values), name="conversation_language_valid"
            ),
            # An assigned agent exists exactly when the status is `assigned`.
            models.CheckConstraint(
                condition=(
                    Q(
                        status=Status.ASSIGNED,
                        assigned_agent__isnull=False,
                        assigned_at__isnull=False,
                    )
                    | (~Q(status=Status.ASSIGNED) & Q(assigned_agent__isnull=True))
                ),
                name="conversation_assigned_agent_iff_assigned",
            ),
            # `escalated` is set together with its time, and always in human statuses.
            models.CheckConstraint(
                condition=(
                    Q(escalated=True, escalated_at__isnull=False, escalation_source__isnull=False)
                    | Q(escalated=False, escalated_at__isnull=True, escalation_source__isnull=True)
                ),
                name="conversation_escalated_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[Status.ESCALATED, Status.ASSIGNED]) | Q(escalated=True),
                name="conversation_human_statuses_are_escalated",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=Status.RESOLVED, resolved_at__isnull=False, ended_at__isnull=False)
                    | (~Q(status=Status.RESOLVED) & Q(resolved_at__isnull=True))
                ),
                name="conversation_resolved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} ({self.status})"


class SupportMessage(models.Model):
    """One message. Ids grow in commit order within a conversation, because every
    message is written while its conversation's row is locked; clients page with ?after=."""

    # Indexed by message_conv_id_idx, whose first column it is.
    conversation = models.ForeignKey(
        SupportConversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    sender = models.CharField(max_length=8, choices=Sender.choices)
    text = models.TextField()
    detected_intent = models.CharField(max_length=32, blank=True, default="")
    intent_confidence = models.FloatField(null=True, blank=True)
    is_private = models.BooleanField(
        default=False, help_text="A private note between agents; never shown to the customer."
    )
    agent = models.ForeignKey(
        "agents.Agent",
        to_field="agent_id",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,  # message_agent_idx
    )
    in_reply_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        db_index=False,  # message_reply_idx
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        # A customer's message, the busiest insert, has no agent and replies to nothing: the
        # partial indexes leave it out, so storing it updates two indexes instead of six.
        indexes = [
            models.Index(fields=["conversation", "id"], name="message_conv_id_idx"),
            models.Index(
                fields=["agent"], condition=Q(agent__isnull=False), name="message_agent_idx"
            ),
            models.Index(
                fields=["in_reply_to"],
                condition=Q(in_reply_to__isnull=False),
                name="message_reply_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sender__in=Sender.values), name="message_sender_valid"
            ),
            models.CheckConstraint(
                condition=Q(is_private=False) | Q(sender=Sender.AGENT),
                name="message_private_only_from_agents",
            ),
            models.CheckConstraint(
                condition=Q(agent__isnull=True) | Q(sender=Sender.AGENT),
                name="message_agent_only_on_agent_messages",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:40]}"


class ConversationEvent(models.Model):
    """The audit trail: one row per status change and per assignment, written in the
    same transaction as the change."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        ESCALATED = "escalated", "Escalated"
        ASSIGNED = "assigned", "Assigned"
        TRANSFERRED = "transferred", "Transferred"
        CLAIMED = "claimed", "Claimed"
        UNASSIGNED = "unassigned", "Unassigned"
        RESOLVED = "resolved", "Resolved"

    conversation = models.ForeignKey(
        SupportConversation, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True, default="")
    to_status = models.CharField(max_length=16, choices=Status.choices)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_id = models.CharField(max_length=128, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.from_status or '-'} → {self.to_status}"


class IdempotencyRecord(models.Model):
    """The first answer to a request that carried an Idempotency-Key, replayed on retries."""

    conversation = models.ForeignKey(
        SupportConversation, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    scope = models.CharField(max_length=160, help_text="Who sent it and to which endpoint.")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    message = models.ForeignKey(
        SupportMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "scope", "key"], name="idempotency_key_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
