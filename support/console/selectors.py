"""What the console shows: the queue tabs and what the viewer may do."""

from django.db.models import Case, Count, Q, QuerySet, Value, When

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
    if tab == "unassigned":
        conversations = selectors.queue(status=Status.ESCALATED, language=language or None)
    elif tab == "mine":
        conversations = selectors.queue(
            status=Status.ASSIGNED, assigned_agent=actor.agent_id or "-", language=language or None
        )
    else:
        conversations = selectors.queue(status=status or None, language=language or None)
        if not status:
            conversations = conversations.filter(status__in=ACTIVE)
    return conversations


def tab_counts(actor: Actor) -> dict[str, int]:
    counts = SupportConversation.objects.aggregate(
        unassigned=Count("pk", filter=Q(status=Status.ESCALATED)),
        mine=Count("pk", filter=Q(status=Status.ASSIGNED, assigned_agent__agent_id=actor.agent_id)),
        all=Count("pk", filter=Q(status__in=ACTIVE)),
    )
    return {tab: counts[tab] for tab in TABS}


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


def team() -> QuerySet[Agent]:
    """Every agent with availability and load: online first, then away, then offline."""
    rank = Case(
        When(availability=Availability.ONLINE, then=Value(0)),
        When(availability=Availability.AWAY, then=Value(1)),
        default=Value(2),
    )
    return with_load(Agent.objects.all()).order_by(rank, "display_name")
