"""Creating agents and their API tokens."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction

from support.common import tokens
from support.common.errors import Conflict, InvalidInput

from .models import Agent, AgentToken, Role

LANGUAGES = ("en", "ml", "ml-Latn")


def clean_languages(languages: Iterable[str]) -> list[str]:
    cleaned = [code.strip() for code in languages if code.strip()]
    unknown = sorted(set(cleaned) - set(LANGUAGES))
    if unknown:
        raise InvalidInput(
            f"Unknown language {', '.join(unknown)}; use {', '.join(LANGUAGES)}.",
            code="unknown_language",
        )
    return list(dict.fromkeys(cleaned)) or ["en"]


@transaction.atomic
def create_agent(
    *,
    agent_id: str,
    display_name: str = "",
    role: Role = Role.AGENT,
    languages: Iterable[str] = ("en",),
    password: str | None = None,
) -> Agent:
    """Create a Django user named ``agent_id`` and its Agent profile.

    Without a password the user cannot log in to pages; it can still use API tokens.
    """
    agent_id = agent_id.strip()
    if not agent_id:
        raise InvalidInput("agent_id must not be empty.", code="invalid_agent_id")
    user_model = get_user_model()
    if (
        Agent.objects.filter(agent_id=agent_id).exists()
        or user_model.objects.filter(username=agent_id).exists()
    ):
        raise Conflict(f"Agent {agent_id} already exists.", code="agent_exists")
    user = user_model.objects.create_user(
        username=agent_id, password=password, is_staff=(role == Role.SUPERVISOR)
    )
    return Agent.objects.create(
        agent_id=agent_id,
        user=user,
        display_name=display_name or agent_id,
        role=role,
        languages=clean_languages(languages),
    )


def user_for_token(secret: str) -> User | None:
    """The active user whose API token this is, or None."""
    token = (
        AgentToken.objects.select_related("user", "user__agent")
        .filter(key_digest=tokens.digest(secret))
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token.user


def issue_token(*, user: User, label: str = "") -> str:
    """Create an API token for ``user`` and return its only readable copy."""
    secret = tokens.new_secret()
    AgentToken.objects.create(user=user, key_digest=tokens.digest(secret), label=label)
    return secret
