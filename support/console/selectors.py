"""What the console shows: the queue tabs and what the viewer may do."""

from django.db.models import Count, Q, QuerySet

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
        "resolve": may(Action.RESOLVE),
        "escalate": may(Action.ESCALATE),
    }
