"""The cast and the tools every test uses.

Cast: a customer (with the token of their conversation), another customer, agents Anu
(agent_anu, speaks Malayalam) and Biju (agent_biju), a supervisor (Meera), an outsider (a
Django user who is not an agent) and anonymous callers.

API clients run each request's on-commit callbacks, so the realtime events a request
publishes after its commit are captured by ``events`` exactly as in production.
"""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase
from rest_framework.test import APIClient

from support.agents.models import Agent, Role
from support.agents.services import create_agent, issue_token
from support.api import views as api_views
from support.assistant.providers import provider_calls
from support.assistant.rules import forget_rules
from support.common import bus
from support.conversations import actions
from support.conversations.actors import Actor
from support.conversations.models import SupportConversation
from support.knowledge.search import forget_articles


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    forget_articles()  # each process caches them; a test's rollback would not tell it
    forget_rules()  # the same
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Open all the time, so that no test depends on the hour it runs at (test_hours.py and
    # test_waiting.py set hours of their own).
    settings.BUSINESS_HOURS = "always"
    settings.BUSINESS_CLOSED_DATES = ""


@pytest.fixture(autouse=True)
def _fresh_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    provider_calls.reset()
    # Rate limits are tested on their own; elsewhere they would only count test requests.
    monkeypatch.setattr(api_views.ConversationCreateThrottle, "rate", "100000/min", raising=False)
    monkeypatch.setattr(api_views.TokenThrottle, "rate", "100000/min", raising=False)
    yield


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def require_postgres(db: None) -> None:
    """Locking and race tests mean nothing on SQLite, which has no row locks. CI sets
    REQUIRE_POSTGRES so that they can never be skipped there."""
    if not on_postgres():
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but the tests run on " + connection.vendor)
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")


class Client(APIClient):
    """An API client whose requests run their on-commit callbacks (realtime events)."""

    def generic(self, *args: Any, **kwargs: Any) -> Any:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().generic(*args, **kwargs)


@dataclass
class Staff:
    agent: Agent
    token: str

    @property
    def agent_id(self) -> str:
        return self.agent.agent_id

    @property
    def actor(self) -> Actor:
        return Actor.for_agent(self.agent)

    def client(self) -> Client:
        client = Client()
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.token}")
        return client


def _staff(agent_id: str, name: str, role: Role, languages: list[str]) -> Staff:
    agent = create_agent(
        agent_id=agent_id, display_name=name, role=role, languages=languages, password="pw-123456"
    )
    return Staff(agent=agent, token=issue_token(user=agent.user))


@pytest.fixture
def supervisor(db: None) -> Staff:
    return _staff("supervisor_meera", "Meera", Role.SUPERVISOR, ["en", "ml"])


@pytest.fixture
def anu(db: None) -> Staff:
    return _staff("agent_anu", "Anu", Role.AGENT, ["en", "ml", "ml-Latn"])


@pytest.fixture
def biju(db: None) -> Staff:
    return _staff("agent_biju", "Biju", Role.AGENT, ["en"])


@pytest.fixture
def outsider(db: None) -> Client:
    """A logged-in Django user who is not an agent."""
    user = get_user_model().objects.create_user(username="outsider", password="pw-123456")
    client = Client()
    client.force_authenticate(user)
    return client


@pytest.fixture
def anonymous() -> Client:
    return Client()


@dataclass
class Customer:
    conversation_id: Any
    token: str
    user_id: str

    @property
    def actor(self) -> Actor:
        return Actor.customer(conversation_id=self.conversation_id, user_id=self.user_id)

    def client(self) -> Client:
        client = Client()
        client.credentials(HTTP_X_CONVERSATION_TOKEN=self.token)
        return client

    def conversation(self) -> SupportConversation:
        return SupportConversation.objects.get(pk=self.conversation_id)

    def url(self, suffix: str = "") -> str:
        return f"/api/v1/conversations/{self.conversation_id}/{suffix}"


MakeCustomer = Callable[..., Customer]


@pytest.fixture
def make_customer(db: None, supervisor: Staff) -> MakeCustomer:
    """A customer whose conversation has been brought to ``status`` through the lifecycle.
    Signed in at the shop (``customer_verified``) unless ``verified=False``: a guest."""

    def make(
        status: str = "open",
        *,
        user_id: str = "customer_123",
        language: str = "en",
        agent: Staff | None = None,
        verified: bool = True,
    ) -> Customer:
        if status == "assigned" and agent is None:
            raise ValueError("an assigned conversation needs agent=")
        with TestCase.captureOnCommitCallbacks(execute=True):
            conversation, token = actions.do_create_conversation(
                user_id=user_id, language=language, customer_verified=verified
            )
            cid = conversation.conversation_id
            if status in ("escalated", "assigned", "resolved"):
                actions.do_escalate_conversation(
                    actor=supervisor.actor, conversation_id=cid, reason="test"
                )
            if status in ("assigned", "resolved") and agent is not None:
                actions.do_assign_conversation(
                    actor=supervisor.actor, conversation_id=cid, agent_id=agent.agent_id
                )
            if status == "resolved":
                actions.do_resolve_conversation(actor=supervisor.actor, conversation_id=cid)
        return Customer(conversation_id=cid, token=token, user_id=user_id)

    return make


@pytest.fixture
def customer(make_customer: MakeCustomer) -> Customer:
    return make_customer("open")


@pytest.fixture
def other_customer(make_customer: MakeCustomer) -> Customer:
    return make_customer("open", user_id="customer_999")


@pytest.fixture
def events() -> Iterator[list[bus.Event]]:
    """Every realtime event published during the test, in order."""
    captured: list[bus.Event] = []
    unsubscribe = bus.subscribe(captured.append)
    yield captured
    unsubscribe()


def event_types(captured: list[bus.Event]) -> list[str]:
    return [event.type for event in captured]
