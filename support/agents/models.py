from django.conf import settings
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"


class Agent(models.Model):
    """A human who answers customers. Each one is a Django user with this profile."""

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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agent_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="agent_role_valid"
            ),
            models.CheckConstraint(condition=~Q(agent_id=""), name="agent_id_not_empty"),
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
