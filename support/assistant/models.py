from django.db import models


class EscalationRule(models.Model):
    """A keyword rule: a customer message matching ``pattern`` goes straight to a human
    (fraud, legal threats, safety). Editable in the admin."""

    name = models.CharField(max_length=100, unique=True)
    pattern = models.CharField(
        max_length=500,
        help_text="A regular expression, matched case-insensitively anywhere in the message.",
    )
    reason = models.CharField(max_length=200, help_text="Shown to the agent in the brief.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
