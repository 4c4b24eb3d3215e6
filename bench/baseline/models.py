from django.db import models


class BaselineRow(models.Model):
    """One row per baseline request."""

    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.pk}: {self.text[:40]}"
