"""Who is acting: a customer (by conversation token), an agent, a supervisor, or the system."""

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from .states import ActorKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from support.agents.models import Agent


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    actor_id: str
    display_name: str
    agent: "Agent | None" = None
    conversation_id: UUID | None = None

    @property
    def is_customer(self) -> bool:
        return self.kind == ActorKind.CUSTOMER

    def owns(self, conversation_id: UUID) -> bool:
        """A customer's own conversation: the one their token was issued for."""
        return self.is_customer and self.conversation_id == conversation_id

    @property
    def is_staff(self) -> bool:
        return self.kind in (ActorKind.AGENT, ActorKind.SUPERVISOR)

    @property
    def is_supervisor(self) -> bool:
        return self.kind == ActorKind.SUPERVISOR

    @property
    def agent_id(self) -> str | None:
        return self.agent.agent_id if self.agent else None

    @classmethod
    def customer(cls, *, conversation_id: UUID, user_id: str) -> "Actor":
        return cls(
            kind=ActorKind.CUSTOMER,
            actor_id=user_id,
            display_name=user_id,
            conversation_id=conversation_id,
        )

    @classmethod
    def for_agent(cls, agent: "Agent") -> "Actor":
        kind = ActorKind.SUPERVISOR if agent.is_supervisor else ActorKind.AGENT
        return cls(kind=kind, actor_id=agent.agent_id, display_name=agent.display_name, agent=agent)

    @classmethod
    def for_user(cls, user: "AbstractBaseUser | AnonymousUser | None") -> "Actor | None":
        """The staff actor of a Django user: its Agent profile, or a superuser acting as a
        supervisor. None for anyone else."""
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        agent = getattr(user, "agent", None)
        if agent is not None:
            return cls.for_agent(agent)
        if getattr(user, "is_superuser", False):
            name = user.get_username()
            return cls(kind=ActorKind.SUPERVISOR, actor_id=f"admin:{name}", display_name=name)
        return None


SYSTEM = Actor(kind=ActorKind.SYSTEM, actor_id="system", display_name="Kerala Sellers")
ASSISTANT = Actor(kind=ActorKind.ASSISTANT, actor_id="assistant", display_name="Assistant")
# Automatic assignment (support.agents.routing): a system actor, named in audit rows.
ROUTING = Actor(kind=ActorKind.SYSTEM, actor_id="routing", display_name="Automatic assignment")
