"""Keyword rules that send a message straight to a human (EscalationRule rows).

Every customer message is checked against them, so they are kept at two levels: the shared
cache holds the rows for a minute (one database read per minute for all processes), and each
process keeps them compiled for a few seconds (no cache read, no unpickling, no compiling per
message: with a shared cache that read was a round trip to Redis). Once an edit in the admin
commits, the process that saved it drops its copy and writes the new rows to the shared
cache, so it applies the edit at once and every other process within ``PROCESS_SECONDS``.

A process that read the rows from the database just before the edit committed must not put
them back into the shared cache over the new ones: it only ever adds the key (``cache.add``),
and the edit sets it.
"""

import contextlib
import logging
import re
import threading
from dataclasses import dataclass
from time import monotonic

from django.core.cache import cache
from django.db import transaction

from .models import EscalationRule

logger = logging.getLogger(__name__)

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
    try:
        rules: list[tuple[str, str, str]] | None = cache.get(_CACHE_KEY)
    except Exception:  # the shared cache is down: the database has them too
        logger.warning("escalation rules read from the database: the cache is unreachable")
        rules = None
    if rules is None:
        rules = _rows()
        with contextlib.suppress(Exception):
            cache.add(_CACHE_KEY, rules, _CACHE_SECONDS)  # never over an edit's rows
    compiled = []
    for name, reason, pattern in rules:
        try:
            compiled.append((name, reason, re.compile(pattern, re.IGNORECASE)))
        except re.error:
            continue  # the admin form refuses bad patterns; a row edited elsewhere is skipped
    return compiled


def _rows() -> list[tuple[str, str, str]]:
    return list(EscalationRule.objects.filter(active=True).values_list("name", "reason", "pattern"))


def match_rule(text: str) -> RuleMatch | None:
    for name, reason, pattern in _compiled():
        if pattern.search(text):
            return RuleMatch(name=name, reason=reason)
    return None


def rules_changed() -> None:
    """After an edit of the rules commits: this process reloads them on the next message, and
    the shared cache holds the new rows."""
    transaction.on_commit(_publish_new_rules, robust=True)


def _publish_new_rules() -> None:
    _forget_in_process()
    cache.set(_CACHE_KEY, _rows(), _CACHE_SECONDS)


def forget_rules() -> None:
    """Drop the cached rules, this process's and the shared cache's (tests start clean)."""
    _forget_in_process()
    cache.delete(_CACHE_KEY)


def _forget_in_process() -> None:
    global _in_process, _forgotten
    with _lock:
        _forgotten += 1
        _in_process = None
