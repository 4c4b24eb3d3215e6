"""Reply providers: what writes the assistant's answer to an open conversation.

Every call goes through ``call_provider``, which counts it per conversation, so tests can
prove that no provider is called for a conversation that has left `open`.
"""

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .intents import IntentPrediction


@dataclass(frozen=True)
class OrderFact:
    """One of the customer's orders, as the shop last reported it."""

    order_number: str
    status: str
    items: list[str]
    total_rupees: str
    payment_method: str
    placed_on: date
    expected_delivery: date | None
    delivered_on: date | None


@dataclass(frozen=True)
class KnowledgeFact:
    slug: str
    title: str
    text: str  # in the conversation's language where translated


@dataclass(frozen=True)
class ReplyContext:
    """Everything a provider may use. Providers read nothing else: no database access."""

    conversation_id: str
    language: str
    text: str
    prediction: IntentPrediction
    user_id: str = ""
    # The shop vouched for user_id; without it ``orders`` is always empty (fail closed).
    customer_verified: bool = False
    history: list[tuple[str, str]] = field(default_factory=list)  # (sender, text), oldest first
    orders: list[OrderFact] = field(default_factory=list)  # named ones, else the latest
    order_numbers_mentioned: list[str] = field(default_factory=list)
    # The message speaks of the customer's own order ("when will it come?"), not only of a
    # policy ("how long does delivery take?"): orders are read and described only then.
    about_own_order: bool = False
    knowledge: list[KnowledgeFact] = field(default_factory=list)


@dataclass(frozen=True)
class AssistantReply:
    text: str
    handoff_requested: bool = False
    handoff_reason: str = ""
    fallback: bool = False  # the assistant could not help with this message


class ProviderError(Exception):
    """The provider failed or timed out; the caller may retry."""


class Provider(Protocol):
    name: str

    def reply(self, context: ReplyContext) -> AssistantReply: ...


class _CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()

    def record(self, conversation_id: str) -> None:
        with self._lock:
            self.calls[conversation_id] += 1

    def total(self) -> int:
        with self._lock:
            return sum(self.calls.values())

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()


provider_calls = _CallLog()
_override: Provider | None = None
_configured: Provider | None = None


def get_provider() -> Provider:
    global _configured
    if _override is not None:
        return _override
    if _configured is None:
        _configured = _build(settings.AI_PROVIDER)
    return _configured


def _build(name: str) -> Provider:
    if name == "builtin":
        from .builtin import BuiltinProvider

        return BuiltinProvider()
    if name == "openai":
        from .llm import OpenAIProvider

        return OpenAIProvider()
    raise ImproperlyConfigured(f"AI_PROVIDER={name!r} is not known; use 'builtin' or 'openai'.")


@contextmanager
def use_provider(provider: Provider) -> Iterator[Provider]:
    """Replace the configured provider (tests, benchmarks)."""
    global _override
    previous, _override = _override, provider
    try:
        yield provider
    finally:
        _override = previous


def call_provider(provider: Provider, context: ReplyContext) -> AssistantReply:
    provider_calls.record(context.conversation_id)
    return provider.reply(context)
