from typing import Any

from django.db import models


def _forget_articles() -> None:
    from .search import forget_articles  # search imports this module

    forget_articles()


class Article(models.Model):
    """A policy or FAQ the assistant answers from, in each language the customers write."""

    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    intents = models.JSONField(
        default=list, blank=True, help_text='Intents it answers, e.g. ["refund", "return"].'
    )
    keywords = models.TextField(
        blank=True,
        default="",
        help_text="Words customers use for this topic, in any language, separated by commas.",
    )
    body_en = models.TextField("answer (English)")
    body_ml = models.TextField("answer (Malayalam)", blank=True, default="")
    body_ml_latn = models.TextField("answer (Manglish)", blank=True, default="")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _forget_articles()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        deleted = super().delete(*args, **kwargs)
        _forget_articles()
        return deleted

    def body(self, language: str) -> str:
        """The answer in ``language``, or in English where it has not been translated."""
        translated = {"ml": self.body_ml, "ml-Latn": self.body_ml_latn}.get(language, "")
        return translated or self.body_en
