"""Keyword rules that send a message straight to a human (EscalationRule rows)."""

import re
from dataclasses import dataclass

from django.core.cache import cache

from .models import EscalationRule

_CACHE_KEY = "assistant:escalation-rules"
_CACHE_SECONDS = 60


@dataclass(frozen=True)
class RuleMatch:
    name: str
    reason: str


def _compiled() -> list[tuple[str, str, re.Pattern[str]]]:
    rules: list[tuple[str, str, str]] | None = cache.get(_CACHE_KEY)
    if rules is None:
        rules = list(
            EscalationRule.objects.filter(active=True).values_list("name", "reason", "pattern")
        )
        cache.set(_CACHE_KEY, rules, _CACHE_SECONDS)
    compiled = []
    for name, reason, pattern in rules:
        try:
            compiled.append((name, reason, re.compile(pattern, re.IGNORECASE)))
        except re.error:
            continue  # the admin form refuses bad patterns; a row edited elsewhere is skipped
    return compiled


def match_rule(text: str) -> RuleMatch | None:
    for name, reason, pattern in _compiled():
        if pattern.search(text):
            return RuleMatch(name=name, reason=reason)
    return None


def forget_rules() -> None:
    """Drop the cached rules (after an edit)."""
    cache.delete(_CACHE_KEY)
