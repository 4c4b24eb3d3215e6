"""Reads of agents: their load, counted from the database, and the locked read that
assignments start with."""

from django.db.models import Count, Q, QuerySet

from support.conversations.states import Status

from .models import Agent


def load_count() -> Count:
    """The conversations assigned to an agent now, as an aggregate over agents. Counted,
    never stored, so it cannot drift."""
    return Count("assigned_conversations", filter=Q(assigned_conversations__status=Status.ASSIGNED))


def with_load(agents: QuerySet[Agent]) -> QuerySet[Agent]:
    """Annotate each agent's ``load`` (``load_count``). A grouped query: Meta.ordering does
    not apply, so order it explicitly."""
    return agents.annotate(load=load_count())


def load_of(agent: Agent) -> int:
    """The conversations assigned to ``agent`` now (committed ones; call it under the agent's
    lock so that no other assignment to this agent is in flight)."""
    return agent.assigned_conversations.filter(status=Status.ASSIGNED).count()


def lock_agent(agent_id: str | None) -> Agent | None:
    """The agent, its row locked until the transaction ends, or None.

    Every assignment that must respect an agent's capacity (claims, automatic assignment)
    and every change of availability takes this lock, always before the conversation's, and
    never more than one agent's at a time, so the order is fixed and nothing deadlocks.
    ``FOR NO KEY UPDATE``: rows that only reference the agent (its messages, a conversation
    given to it) are not blocked by it.
    """
    if not agent_id:
        return None
    return Agent.objects.select_for_update(no_key=True).filter(agent_id=agent_id).first()
