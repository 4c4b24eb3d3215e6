"""How API callers prove who they are.

Staff: ``Authorization: Token <key>`` (or the console's session). Customers:
``X-Conversation-Token``, returned once when their conversation was created. Both secrets
are stored only as digests. ``request.user`` becomes a Django user (staff) or an Actor
(customer); ``actor_of`` turns either into the Actor that the access module judges.
"""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from support.agents.services import user_for_token
from support.common.errors import Forbidden
from support.conversations.actors import Actor
from support.conversations.selectors import customer_for_token
from support.orders.services import service_for

CONVERSATION_TOKEN_HEADER = "HTTP_X_CONVERSATION_TOKEN"  # noqa: S105 - a header name


class AgentTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, None] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid Authorization header: use 'Token <key>'.", code="invalid_token"
            )
        try:
            key = header[1].decode()
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("Invalid token.", code="invalid_token") from error
        user = user_for_token(key)
        if user is None:
            raise exceptions.AuthenticationFailed("Invalid token.", code="invalid_token")
        return user, None

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ConversationTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Actor, None] | None:
        secret = request.META.get(CONVERSATION_TOKEN_HEADER)
        if secret is None:
            return None
        actor = customer_for_token(secret)
        if actor is None:
            raise exceptions.AuthenticationFailed(
                "Invalid conversation token.", code="invalid_token"
            )
        return actor, None


class ServicePrincipal:
    """A backend service (the shop) authenticated by its service token."""

    is_authenticated = True
    is_active = True
    is_superuser = False

    def __init__(self, name: str) -> None:
        self.name = name

    def get_username(self) -> str:
        return f"service:{self.name}"


class ServiceTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <service token>`` for the shop's backend."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ServicePrincipal, None] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid Authorization header: use 'Bearer <service token>'.",
                code="invalid_token",
            )
        try:
            key = header[1].decode()
        except UnicodeDecodeError:
            key = ""
        service = service_for(key) if key else None
        if service is None:
            if key and user_for_token(key) is not None:
                # An agent's key under the shop's scheme: say which scheme it needs.
                raise exceptions.AuthenticationFailed(
                    "This is an agent's API token: send it as 'Authorization: Token <key>'.",
                    code="invalid_token",
                )
            raise exceptions.AuthenticationFailed("Invalid service token.", code="invalid_token")
        return ServicePrincipal(service.name), None


def actor_of(request: Any) -> Actor | None:
    user = request.user
    if isinstance(user, Actor):
        return user
    actor = Actor.for_user(user)
    if actor is None and user is not None and user.is_authenticated and user.is_active:
        # Valid credentials of a user who is neither an agent nor a supervisor: 403, not 401.
        raise Forbidden("Your account is not an agent or supervisor account.")
    return actor
