"""The conversation state machine, as data.

    open ──escalate──▶ escalated ──assign/claim──▶ assigned ──resolve──▶ resolved (final)
      │                    │  ▲                       │  └─transfer (assign again)─┘
      └──────resolve───────┴──┼──────resolve──────────┘
                              └────────unassign───────┘

Unassigning returns to `escalated`, never to `open`: the assistant stays silent.

Only support.conversations.actions changes a status, and only along these edges.
"""

from django.db import models


class Status(models.TextChoices):
    OPEN = "open", "Open"
    ESCALATED = "escalated", "Escalated"
    ASSIGNED = "assigned", "Assigned"
    RESOLVED = "resolved", "Resolved"


class Transition(models.TextChoices):
    ESCALATE = "escalate", "Escalate"
    ASSIGN = "assign", "Assign"
    TRANSFER = "transfer", "Transfer"
    CLAIM = "claim", "Claim"
    UNASSIGN = "unassign", "Unassign"
    RESOLVE = "resolve", "Resolve"


TRANSITIONS: dict[Transition, dict[Status, Status]] = {
    Transition.ESCALATE: {Status.OPEN: Status.ESCALATED},
    Transition.ASSIGN: {Status.ESCALATED: Status.ASSIGNED},
    Transition.TRANSFER: {Status.ASSIGNED: Status.ASSIGNED},
    # Compare-and-set: only a waiting conversation can be claimed, so of two claims one wins.
    Transition.CLAIM: {Status.ESCALATED: Status.ASSIGNED},
    Transition.UNASSIGN: {Status.ASSIGNED: Status.ESCALATED},
    Transition.RESOLVE: {
        Status.OPEN: Status.RESOLVED,
        Status.ESCALATED: Status.RESOLVED,
        Status.ASSIGNED: Status.RESOLVED,
    },
}

# Where the assistant may speak. Everything else is human territory for good.
AI_STATUSES = frozenset({Status.OPEN})
# Where agents may write to the customer.
AGENT_STATUSES = frozenset({Status.ESCALATED, Status.ASSIGNED})
# Where the customer may write.
CUSTOMER_STATUSES = frozenset({Status.OPEN, Status.ESCALATED, Status.ASSIGNED})


def target_status(transition: Transition, current: str) -> Status | None:
    """The status ``transition`` leads to from ``current``, or None if it is not allowed."""
    return TRANSITIONS[transition].get(Status(current))


class EscalationSource(models.TextChoices):
    CUSTOMER_REQUEST = "customer_request", "Customer asked (button)"
    INTENT = "intent", "Escalation intent detected"
    REPEATED_FALLBACK = "repeated_fallback", "Assistant could not help repeatedly"
    AI_FAILURE = "ai_failure", "Assistant failure"
    RULE = "rule", "Keyword rule"
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    MALAYALAM = "ml", "Malayalam"
    MANGLISH = "ml-Latn", "Manglish (Malayalam in Latin letters)"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Sender(models.TextChoices):
    USER = "user", "Customer"
    AI = "ai", "Assistant"
    AGENT = "agent", "Agent"
    SYSTEM = "system", "System notice"


class ActorKind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"
    ASSISTANT = "assistant", "Assistant"
    SYSTEM = "system", "System"
