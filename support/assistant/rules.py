"""Keyword rules that send a message straight to a human (EscalationRule rows).

Every customer message is checked against them, so they are kept at two levels: the shared
cache holds the rows for a minute (one database read per minute for all processes), and each
process keeps them compiled for a few seconds (no cache read, no unpickling, no compiling per
message: with a shared cache that read was a round trip to Redis). An edit in the admin
forgets both, so the process that saved it applies it at once and every other process within
``PROCESS_SECONDS``.
"""

import re
import threading
from dataclasses import dataclass
from time import monotonic

from django.core.cache import cache

from .models import EscalationRule

_CACHE_KEY = "assistant:escalation-rules"
_CACHE_SECONDS = 60
PROCESS_SECONDS = 5.0

Compiled = list[tuple[str, str, re.Pattern[str]]]
# (until when this process trusts them, the compiled rules); replaced whole, never mutated.
_in_process: tuple[float, Compiled] | None = None
_forgotten = 0  # how many times forget_rules ran: a load that began before it is not kept
_lock = threading.Lock()


@dataclass(frozen=True)
class RuleMatch:
    name: str
    reason: str


def _compiled() -> Compiled:
    global _in_process
    kept = _in_process
    if kept is not None and monotonic() < kept[0]:
        return kept[1]
    forgotten = _forgotten
    compiled = _load()
    with _lock:
        if forgotten == _forgotten:
            _in_process = (monotonic() + PROCESS_SECONDS, compiled)
    return compiled


def _load() -> Compiled:
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
    """Drop the cached rules (after an edit): this process's and the shared cache's."""
    global _in_process, _forgotten
    with _lock:
        _forgotten += 1
        _in_process = None
    cache.delete(_CACHE_KEY)
