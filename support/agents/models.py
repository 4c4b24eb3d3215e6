from django.conf import settings
from django.db import models
from django.db.models import Q

from support.conversations.states import ActorKind


class Role(models.TextChoices):
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"


class Availability(models.TextChoices):
    ONLINE = "online", "Online"
    AWAY = "away", "Away"
    OFFLINE = "offline", "Offline"


def default_capacity() -> int:
    """New agents' limit of concurrent conversations (AGENT_DEFAULT_CAPACITY)."""
    return int(settings.AGENT_DEFAULT_CAPACITY)


class Agent(models.Model):
    """A human who answers customers. Each one is a Django user with this profile.

    Availability, capacity and languages change only through support.agents.availability;
    an agent's load is counted from the conversations assigned to them, never stored.
    """

    agent_id = models.CharField(
        max_length=64,
        unique=True,
        help_text="Stable public identifier, e.g. agent_456. Used by the API.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agent"
    )
    display_name = models.CharField(max_length=100)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    languages = models.JSONField(
        default=list, blank=True, help_text='Languages spoken, e.g. ["en", "ml"].'
    )
    availability = models.CharField(
        max_length=8, choices=Availability.choices, default=Availability.OFFLINE
    )
    availability_changed_at = models.DateTimeField(null=True, blank=True)
    max_concurrent = models.PositiveSmallIntegerField(
        default=default_capacity,
        help_text="Conversations assigned at once, at most, by routing or by a claim.",
    )
    last_assigned_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a conversation was last given to this agent: routing prefers the "
        "agent idle longest.",
    )
    last_socket_closed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a console or API socket of this agent last closed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agent_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="agent_role_valid"
            ),
            models.CheckConstraint(condition=~Q(agent_id=""), name="agent_id_not_empty"),
            models.CheckConstraint(
                condition=Q(availability__in=Availability.values), name="agent_availability_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.agent_id})"

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR


class AgentToken(models.Model):
    """An API token of a staff user. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_digest = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"token of {self.user} ({self.label or 'unlabelled'})"


class AgentSocket(models.Model):
    """An open WebSocket of an agent (the console, or an API client), one row per channel.

    Rows are shared by every worker process, so presence is known everywhere. A socket
    refreshes ``seen_at`` while it is open; a row left behind by a worker that died is
    removed by the sweep once it is stale (support.agents.availability).
    """

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="sockets")
    channel_name = models.CharField(max_length=255, unique=True)
    opened_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"socket of {self.agent_id} ({self.channel_name})"


class AgentEvent(models.Model):
    """The audit trail of agents: every change of availability, capacity or languages, with
    who made it (the agent, a supervisor, or the system's sweep)."""

    class Kind(models.TextChoices):
        AVAILABILITY = "availability", "Availability"
        CAPACITY = "capacity", "Capacity"
        LANGUAGES = "languages", "Languages"

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_id = models.CharField(max_length=128, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.kind}: {self.old_value} → {self.new_value}"
