"""The one place that decides who may do what to a conversation.

The API, the admin, the console and the realtime consumers all call ``authorize`` (the
lifecycle actions call it again under the row lock, so the decision sees the current status).
Checks run in a fixed order, so the same request always gets the same answer:

1. visibility: a customer sees only the conversation of their token (404 otherwise, so
   a token reveals nothing about other conversations);
2. role (403);
3. status (409): what the conversation's current status forbids;
4. ownership (403): agents act only where they are the assigned agent;
5. identity (403): customers see orders only when the shop vouched for them
   (``customer_verified``, support.conversations.identity).

``authorize_agent_change`` decides the same way who may change an agent's availability,
capacity and languages.
"""

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from support.common.errors import Conflict, Forbidden, NotAuthenticated, NotFound

from .actors import Actor
from .models import SupportConversation
from .states import (
    AGENT_STATUSES,
    CUSTOMER_STATUSES,
    ActorKind,
    Status,
    Transition,
    target_status,
)

if TYPE_CHECKING:
    from support.agents.models import Agent


class Action(StrEnum):
    VIEW = "view"
    VIEW_ORDERS = "view_orders"
    POST_USER_MESSAGE = "post_user_message"
    ESCALATE = "escalate"
    ASSIGN = "assign"
    CLAIM = "claim"
    UNASSIGN = "unassign"
    REPLY = "reply"
    ADD_NOTE = "add_note"
    RESOLVE = "resolve"


_ROLES: dict[Action, frozenset[str]] = {
    Action.VIEW: frozenset({"customer", "agent", "supervisor"}),
    Action.VIEW_ORDERS: frozenset({"customer", "agent", "supervisor"}),
    Action.POST_USER_MESSAGE: frozenset({"customer"}),
    Action.ESCALATE: frozenset({"customer", "agent", "supervisor", "assistant", "system"}),
    Action.ASSIGN: frozenset({"supervisor"}),
    # "system": automatic assignment claims on an agent's behalf.
    Action.CLAIM: frozenset({"agent", "supervisor", "system"}),
    # The system: the service-level sweep takes a conversation back from a silent agent.
    Action.UNASSIGN: frozenset({"agent", "supervisor", "system"}),
    Action.REPLY: frozenset({"agent", "supervisor"}),
    Action.ADD_NOTE: frozenset({"agent", "supervisor"}),
    Action.RESOLVE: frozenset({"agent", "supervisor"}),
}

_ROLE_REFUSALS: dict[Action, str] = {
    Action.POST_USER_MESSAGE: "Only the customer writes customer messages.",
    Action.ASSIGN: "Only supervisors assign conversations.",
    Action.CLAIM: "Only agents and supervisors claim conversations.",
    Action.UNASSIGN: "Only agents and supervisors unassign conversations.",
    Action.REPLY: "Only agents and supervisors send agent messages.",
    Action.ADD_NOTE: "Only agents and supervisors add private notes.",
    Action.RESOLVE: "Only agents and supervisors resolve conversations.",
}


def require_actor(actor: Actor | None) -> Actor:
    if actor is None:
        raise NotAuthenticated(
            "Authentication required: send X-Conversation-Token (customers) or "
            "Authorization: Token <key> (agents).",
        )
    return actor


def require_staff(actor: Actor | None) -> Actor:
    actor = require_actor(actor)
    if not actor.is_staff:
        raise Forbidden("Only agents and supervisors may do this.")
    return actor


def authorize(actor: Actor | None, conversation: SupportConversation, action: Action) -> None:
    """Raise the error that forbids ``actor`` from ``action`` on ``conversation``, if any."""
    actor = require_actor(actor)
    if actor.is_customer and actor.conversation_id != conversation.conversation_id:
        raise NotFound("Conversation not found.", code="conversation_not_found")
    if actor.kind not in _ROLES[action]:
        raise Forbidden(_ROLE_REFUSALS.get(action, "You may not do this."))
    _check_status(conversation, action)
    _check_ownership(actor, conversation, action)
    _check_identity(actor, conversation, action)


def access_conversation(
    actor: Actor | None, conversation_id: UUID, action: Action = Action.VIEW
) -> SupportConversation:
    """Load a conversation for ``actor``, or raise 401/403/404/409. For reads; writes go
    through the actions, which lock the row and call ``authorize`` themselves."""
    actor = require_actor(actor)
    conversation = (
        SupportConversation.objects.select_related("assigned_agent")
        .filter(conversation_id=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound("Conversation not found.", code="conversation_not_found")
    authorize(actor, conversation, action)
    return conversation


def _check_status(conversation: SupportConversation, action: Action) -> None:
    status = conversation.status
    if action == Action.POST_USER_MESSAGE and status not in CUSTOMER_STATUSES:
        raise Conflict(
            "This conversation is resolved and takes no new messages. "
            "Please start a new conversation.",
            code="conversation_resolved",
        )
    if action in (Action.REPLY, Action.ADD_NOTE) and status not in AGENT_STATUSES:
        if status == Status.OPEN:
            raise Conflict(
                "The assistant is handling this conversation; escalate it before an agent replies.",
                code="conversation_not_escalated",
            )
        raise Conflict("This conversation is resolved.", code="conversation_resolved")
    if action == Action.CLAIM and status == Status.ASSIGNED:
        raise Conflict(
            f"This conversation is already assigned to {conversation.assigned_agent_id}.",
            code="already_assigned",
        )
    if action == Action.UNASSIGN and status in (Status.OPEN, Status.ESCALATED):
        raise Conflict(
            "This conversation is not assigned to anyone.", code="conversation_not_assigned"
        )
    transition = {
        Action.ESCALATE: Transition.ESCALATE,
        Action.CLAIM: Transition.CLAIM,
        Action.UNASSIGN: Transition.UNASSIGN,
        Action.RESOLVE: Transition.RESOLVE,
    }.get(action)
    if action == Action.ASSIGN:
        transition = Transition.TRANSFER if status == Status.ASSIGNED else Transition.ASSIGN
    if transition is not None and target_status(transition, status) is None:
        raise Conflict(_TRANSITION_REFUSALS[transition][status], code=_conflict_code(status))


_TRANSITION_REFUSALS: dict[Transition, dict[str, str]] = {
    Transition.ESCALATE: {
        Status.ESCALATED: "This conversation is already escalated.",
        Status.ASSIGNED: "This conversation is already escalated and assigned to an agent.",
        Status.RESOLVED: "This conversation is resolved.",
    },
    Transition.ASSIGN: {
        Status.OPEN: "Only escalated conversations can be assigned; escalate it first.",
        Status.RESOLVED: "This conversation is resolved.",
    },
    Transition.CLAIM: {
        Status.OPEN: "Only escalated conversations can be claimed; escalate it first.",
        Status.RESOLVED: "This conversation is resolved.",
    },
    Transition.UNASSIGN: {Status.RESOLVED: "This conversation is resolved."},
    Transition.RESOLVE: {Status.RESOLVED: "This conversation is already resolved."},
}


def _conflict_code(status: str) -> str:
    return {
        Status.OPEN: "conversation_not_escalated",
        Status.ESCALATED: "conversation_already_escalated",
        Status.ASSIGNED: "conversation_already_escalated",
        Status.RESOLVED: "conversation_resolved",
    }[Status(status)]


def _check_ownership(actor: Actor, conversation: SupportConversation, action: Action) -> None:
    owned = (Action.REPLY, Action.ADD_NOTE, Action.RESOLVE, Action.UNASSIGN)
    if actor.is_supervisor or actor.kind == ActorKind.SYSTEM or action not in owned:
        return
    if conversation.assigned_agent_id != actor.agent_id:
        raise Forbidden("This conversation is not assigned to you.", code="not_assigned_to_you")


def _check_identity(actor: Actor, conversation: SupportConversation, action: Action) -> None:
    # A user id alone proves nothing: anyone may start a conversation with any user id.
    if action == Action.VIEW_ORDERS and actor.is_customer and not conversation.customer_verified:
        raise Forbidden(
            "Orders are shown only to customers signed in at the shop (a valid user_hash).",
            code="customer_not_verified",
        )


# Agents' own settings.
AGENT_SELF_SERVICE = frozenset({"availability"})


def authorize_agent_change(actor: Actor | None, agent: "Agent", fields: Iterable[str]) -> None:
    """Raise the error that forbids ``actor`` from changing ``fields`` of ``agent``, if any.

    Agents set their own availability; supervisors change any agent's availability,
    capacity and languages; the system (the offline sweep) sets availability.
    """
    if actor is not None and actor.kind == ActorKind.SYSTEM:
        return
    actor = require_staff(actor)
    if actor.is_supervisor:
        return
    if agent.agent_id != actor.agent_id:
        raise Forbidden("Only supervisors change other agents.")
    if set(fields) - AGENT_SELF_SERVICE:
        raise Forbidden("Only supervisors change an agent's capacity and languages.")
