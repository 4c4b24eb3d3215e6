"""What the console shows: the queue tabs and what the viewer may do."""

from django.db.models import Case, OuterRef, QuerySet, Subquery, Value, When

from support.agents.models import Agent, Availability
from support.agents.selectors import with_load
from support.common.errors import SupportError
from support.conversations import selectors
from support.conversations.access import Action, authorize
from support.conversations.actors import Actor
from support.conversations.models import SupportConversation
from support.conversations.states import Status

TABS = ("unassigned", "mine", "all")
ACTIVE = (Status.ESCALATED, Status.ASSIGNED)


def tab_queue(
    actor: Actor, *, tab: str, status: str = "", language: str = ""
) -> QuerySet[SupportConversation]:
    """One tab's conversations, with both filters applied on every tab.

    Unassigned holds escalated conversations; Mine holds those assigned to the viewer, or
    with the Resolved filter those the viewer resolved; All holds the waiting and assigned
    ones unless a status is chosen. A status a tab cannot hold gives an empty tab. Each
    conversation carries ``resolver_name``, the display name of whoever resolved it.
    """
    conversations = selectors.queue(language=language or None).annotate(
        resolver_name=Subquery(
            Agent.objects.filter(agent_id=OuterRef("resolved_by")).values("display_name")[:1]
        )
    )
    if tab == "unassigned":
        conversations = conversations.filter(status=Status.ESCALATED)
    elif tab == "mine":
        if status == Status.RESOLVED:
            return conversations.filter(status=Status.RESOLVED, resolved_by=actor.agent_id or "-")
        conversations = conversations.filter(
            status=Status.ASSIGNED, assigned_agent__agent_id=actor.agent_id or "-"
        )
    else:
        conversations = conversations.filter(status__in=ACTIVE) if not status else conversations
    return conversations.filter(status=status) if status else conversations


def tab_counts(actor: Actor, *, status: str = "", language: str = "") -> dict[str, int]:
    """How many conversations each tab holds under the same filters."""
    return {
        tab: tab_queue(actor, tab=tab, status=status, language=language).count() for tab in TABS
    }


def allowed(actor: Actor, conversation: SupportConversation) -> dict[str, bool]:
    """Which actions to offer. The server checks again when one is used."""

    def may(action: Action) -> bool:
        try:
            authorize(actor, conversation, action)
        except SupportError:
            return False
        return True

    return {
        "reply": may(Action.REPLY),
        "note": may(Action.ADD_NOTE),
        "assign": may(Action.ASSIGN),
        "claim": actor.agent is not None and may(Action.CLAIM),
        "unassign": may(Action.UNASSIGN),
        "resolve": may(Action.RESOLVE),
        "escalate": may(Action.ESCALATE),
    }


def me(actor: Actor) -> Agent | None:
    """The viewer's agent profile with its ``load``, for the availability switch."""
    if actor.agent_id is None:
        return None
    return with_load(Agent.objects.filter(agent_id=actor.agent_id)).first()


def resolver_name(conversation: SupportConversation) -> str:
    """Who resolved the conversation, by display name (the stored id if no agent has it)."""
    if not conversation.resolved_by:
        return ""
    name = (
        Agent.objects.filter(agent_id=conversation.resolved_by)
        .values_list("display_name", flat=True)
        .first()
    )
    return name or conversation.resolved_by


def team() -> QuerySet[Agent]:
    """Every agent with availability and load: online first, then away, then offline."""
    rank = Case(
        When(availability=Availability.ONLINE, then=Value(0)),
        When(availability=Availability.AWAY, then=Value(1)),
        default=Value(2),
    )
    return with_load(Agent.objects.all()).order_by(rank, "display_name")
