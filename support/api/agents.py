"""Agents' availability, capacity and load; claiming and unassigning conversations."""

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from support.agents.availability import AgentChanges, do_update_agent
from support.agents.models import Agent, Availability
from support.agents.selectors import with_load
from support.common.errors import Forbidden, NotFound
from support.conversations.access import require_staff
from support.conversations.actors import Actor
from support.conversations.assignment import do_claim_conversation, do_unassign_conversation

from . import serializers as s
from .authentication import actor_of
from .views import ERRORS, _conversation_body, _valid


def agent_body(agent_id: str) -> Any:
    agent = with_load(Agent.objects.filter(agent_id=agent_id)).first()
    if agent is None:
        raise NotFound(f"There is no agent {agent_id}.", code="agent_not_found")
    return s.AgentOutput(agent).data


def _own_agent_id(actor: Actor) -> str:
    if actor.agent_id is None:  # a superuser without an agent profile
        raise Forbidden("Your account has no agent profile.", code="no_agent_profile")
    return actor.agent_id


class _AgentView(APIView):
    def _agent_id(self, actor: Actor, agent_id: str | None) -> str:
        return _own_agent_id(actor) if agent_id is None else agent_id

    def get(self, request: Request, agent_id: str | None = None) -> Response:
        actor = require_staff(actor_of(request))
        return Response(agent_body(self._agent_id(actor, agent_id)))

    def patch(self, request: Request, agent_id: str | None = None) -> Response:
        actor = require_staff(actor_of(request))
        data = _valid(s.AgentUpdateInput, request.data)
        agent = do_update_agent(
            actor=actor,
            agent_id=self._agent_id(actor, agent_id),
            changes=AgentChanges(
                availability=Availability(data["availability"]) if "availability" in data else None,
                max_concurrent=data.get("max_concurrent"),
                languages=data.get("languages"),
            ),
        )
        return Response(agent_body(agent.agent_id))


class MyAgentView(_AgentView):
    @extend_schema(
        operation_id="agents_me_retrieve",
        responses={200: s.AgentOutput, **ERRORS},
        description="The caller's availability, capacity, languages and load.",
    )
    def get(self, request: Request, agent_id: str | None = None) -> Response:
        return super().get(request)

    @extend_schema(
        operation_id="agents_me_update",
        request=s.AgentUpdateInput,
        responses={200: s.AgentOutput, **ERRORS},
        description="Set your availability (online, away, offline). Capacity and languages: "
        "supervisors only.",
    )
    def patch(self, request: Request, agent_id: str | None = None) -> Response:
        return super().patch(request)


class AgentDetailView(_AgentView):
    @extend_schema(
        operation_id="agents_retrieve",
        responses={200: s.AgentOutput, **ERRORS},
        description="An agent's availability, capacity, languages and load. Staff only.",
    )
    def get(self, request: Request, agent_id: str | None = None) -> Response:
        return super().get(request, agent_id)

    @extend_schema(
        operation_id="agents_update",
        request=s.AgentUpdateInput,
        responses={200: s.AgentOutput, **ERRORS},
        description="Change an agent's availability, capacity or languages. Supervisors (and "
        "the agent, for their own availability).",
    )
    def patch(self, request: Request, agent_id: str | None = None) -> Response:
        return super().patch(request, agent_id)


class ClaimView(APIView):
    @extend_schema(
        request=s.ClaimInput,
        responses={200: s.StaffConversationOutput, **ERRORS},
        description="Take a waiting (escalated) conversation for yourself. Of two claims at "
        "once, one wins; the other answers 409 `already_assigned`.",
    )
    def post(self, request: Request, conversation_id: UUID) -> Response:
        actor = require_staff(actor_of(request))
        _valid(s.ClaimInput, request.data)
        conversation = do_claim_conversation(actor=actor, conversation_id=conversation_id)
        return Response(_conversation_body(actor, conversation))


class UnassignView(APIView):
    @extend_schema(
        request=s.UnassignInput,
        responses={200: s.StaffConversationOutput, **ERRORS},
        description="Give an assigned conversation back to the queue (status `escalated`; "
        "the assistant stays silent). The assigned agent or a supervisor.",
    )
    def post(self, request: Request, conversation_id: UUID) -> Response:
        actor = require_staff(actor_of(request))
        data = _valid(s.UnassignInput, request.data)
        conversation = do_unassign_conversation(
            actor=actor, conversation_id=conversation_id, reason=data.get("reason", "")
        )
        return Response(_conversation_body(actor, conversation))
