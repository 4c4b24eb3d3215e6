"""The v1 API: thin views that validate input, call one action, and shape the answer."""

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from support.agents.models import Agent
from support.agents.selectors import with_load
from support.agents.services import issue_token
from support.assistant.turns import handle_customer_message
from support.common import tokens
from support.common.errors import NotAuthenticated, TooManyRequests
from support.common.logins import lockout_detail
from support.conversations import actions, identity, selectors, waiting
from support.conversations.access import Action, access_conversation, require_actor, require_staff
from support.conversations.actors import Actor
from support.conversations.idempotency import (
    IdempotencyKey,
    Replay,
    replayed_response,
    store_response,
)
from support.conversations.models import IdempotencyRecord, SupportConversation, SupportMessage
from support.conversations.states import EscalationSource, Sender

from . import serializers as s
from .authentication import actor_of

logger = logging.getLogger(__name__)

SCOPE_MAX_LENGTH = 160  # IdempotencyRecord.scope
_TIMESTAMP = s.serializers.DateTimeField()  # unbound: formats a datetime as the API does
ERRORS = {code: s.ErrorOutput for code in (400, 401, 403, 404, 409)}
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description=(
        "Makes a retry safe: the first answer is returned again and nothing is stored twice."
    ),
)


def _valid(serializer_class: type[s.serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _idempotency_key(
    request: Request, actor: Actor, endpoint: str, payload: Any
) -> IdempotencyKey | None:
    scope = f"{actor.kind}:{actor.actor_id}:{endpoint}"
    if len(scope) > SCOPE_MAX_LENGTH:  # a superuser's long username: keep it unique, make it fit
        scope = f"{actor.kind}:{tokens.digest(actor.actor_id)}:{endpoint}"
    return IdempotencyKey.from_request(
        key=request.headers.get("Idempotency-Key"), scope=scope, payload=payload
    )


def _replay(record: IdempotencyRecord, rebuild: Callable[[SupportMessage], Any]) -> Response:
    stored = replayed_response(record)
    if stored is None:  # the first request committed but never stored its answer
        body = rebuild(record.message) if record.message else {}
        store_response(record, status.HTTP_201_CREATED, body)
        stored = (status.HTTP_201_CREATED, body)
    response = Response(stored[1], status=stored[0])
    response["Idempotent-Replayed"] = "true"
    return response


# Escalations whose reason is the customer's own words. Any other reason (an agent's note,
# a keyword rule, the assistant's failure) is written for staff.
_CUSTOMERS_OWN_REASONS = {EscalationSource.CUSTOMER_REQUEST, EscalationSource.INTENT}


def _conversation_body(actor: Actor, conversation: SupportConversation) -> Any:
    """Staff see the handoff brief and every escalation reason; customers see neither, but
    for a reason in their own words."""
    if actor.is_staff:
        return s.StaffConversationOutput(conversation).data
    body = s.ConversationOutput(conversation).data
    if conversation.escalation_source not in _CUSTOMERS_OWN_REASONS:
        body["escalation_reason"] = ""
    return body


def user_message_body(message: SupportMessage, ai_reply: SupportMessage | None = None) -> Any:
    """The shape of ``UserMessageOutput``, built directly: this is the busiest answer, and a
    serializer instance deep-copies its fields on every call (tests check both agree)."""
    body: dict[str, Any] = {
        "message_id": message.pk,
        "sender": message.sender,
        "message": message.text,
        "detected_intent": message.detected_intent,
        "created_at": _TIMESTAMP.to_representation(message.created_at),
        "conversation_status": message.conversation.status,
    }
    if ai_reply is not None:
        body["ai_response"] = {
            "message_id": ai_reply.pk,
            "message": ai_reply.text,
            "sender": ai_reply.sender,
            "created_at": _TIMESTAMP.to_representation(ai_reply.created_at),
        }
    return body


def _rebuild_user_message_body(message: SupportMessage) -> Any:
    reply = message.replies.filter(sender=Sender.AI).first()
    return user_message_body(message, reply)


class _SharedCacheThrottle(SimpleRateThrottle):
    """A rate limit counted in the shared cache (Redis in production). When the cache
    cannot be reached the request is let through and the failure logged: a rate limit is
    not worth refusing every customer for."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return bool(super().allow_request(request, view))
        except Exception:
            logger.exception("rate limit %s not checked: the cache is unreachable", self.scope)
            return True


class ConversationCreateThrottle(_SharedCacheThrottle):
    scope = "conversation_create"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.method != "POST":
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class QueuePagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ConversationsView(APIView):
    throttle_classes = [ConversationCreateThrottle]

    @extend_schema(
        operation_id="conversations_queue",
        parameters=[s.QueueQuery],
        responses={200: s.QueuePageOutput, **ERRORS},
        description="The staff queue, oldest waiting first. Agents and supervisors only.",
    )
    def get(self, request: Request) -> Response:
        require_staff(actor_of(request))
        query = _valid(s.QueueQuery, request.query_params.dict())
        conversations = selectors.queue(
            status=query.get("status"),
            assigned_agent=query.get("assigned_agent"),
            language=query.get("language"),
        )
        paginator = QueuePagination()
        page = paginator.paginate_queryset(conversations, request, view=self)
        return paginator.get_paginated_response(s.StaffConversationOutput(page, many=True).data)

    @extend_schema(
        operation_id="conversations_create",
        request=s.CreateConversationInput,
        responses={201: s.CreatedConversationOutput, **ERRORS},
        auth=[],
        description="Start a conversation. The answer carries `access_token`, shown only once. "
        "With a valid `user_hash` the customer is verified by the shop (the assistant may read "
        "their orders); without one, a guest; with one that does not verify, 403 "
        "`invalid_user_hash` and nothing is created.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.CreateConversationInput, request.data)
        verified = identity.verify_customer(
            user_id=data["user_id"], user_hash=data.get("user_hash")
        )
        conversation, secret = actions.do_create_conversation(
            user_id=data["user_id"], language=data["language"], customer_verified=verified
        )
        body = s.CreatedConversationOutput(conversation, context={"access_token": secret}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ConversationDetailView(APIView):
    @extend_schema(
        responses={200: s.ConversationDetailOutput, **ERRORS},
        description="The conversation; while it waits for an agent, `queue` has its place "
        "and estimated wait (null otherwise). Customers never get `handoff_brief`.",
    )
    def get(self, request: Request, conversation_id: UUID) -> Response:
        actor = require_actor(actor_of(request))
        conversation = access_conversation(actor, conversation_id, Action.VIEW)
        queue = waiting.queue_status(conversation)
        body = {**_conversation_body(actor, conversation), "queue": queue and queue.as_data()}
        return Response(body)


class MessagesView(APIView):
    @extend_schema(
        operation_id="conversation_messages_list",
        parameters=[s.MessagesQuery],
        responses={200: s.MessagePageOutput, **ERRORS},
        description="Messages in order, after `after` (a message id). Customers never see "
        "private notes.",
    )
    def get(self, request: Request, conversation_id: UUID) -> Response:
        actor = require_actor(actor_of(request))
        conversation = access_conversation(actor, conversation_id, Action.VIEW)
        query = _valid(s.MessagesQuery, request.query_params.dict())
        limit = query["limit"]
        messages = selectors.messages_for(
            actor, conversation, after=query.get("after"), limit=limit + 1
        )
        return Response(
            {
                "results": s.MessageOutput(messages[:limit], many=True).data,
                "has_more": len(messages) > limit,
            }
        )

    @extend_schema(
        operation_id="conversation_messages_create",
        request=s.MessageInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.UserMessageOutput, **ERRORS},
        description="The customer's message. While the conversation is open the assistant "
        "answers in `ai_response`; after escalation there is no `ai_response`.",
    )
    def post(self, request: Request, conversation_id: UUID) -> Response:
        actor = require_actor(actor_of(request))
        data = _valid(s.MessageInput, request.data)
        key = _idempotency_key(request, actor, "messages", data)
        try:
            turn = handle_customer_message(
                actor=actor,
                conversation_id=conversation_id,
                text=data["message"],
                idempotency_key=key,
            )
        except Replay as replay:
            return _replay(replay.record, _rebuild_user_message_body)
        body = user_message_body(turn.message, turn.ai_reply)
        store_response(turn.idempotency_record, status.HTTP_201_CREATED, body)
        return Response(body, status=status.HTTP_201_CREATED)


class EscalateView(APIView):
    @extend_schema(request=s.EscalateInput, responses={200: s.StaffConversationOutput, **ERRORS})
    def post(self, request: Request, conversation_id: UUID) -> Response:
        actor = require_actor(actor_of(request))
        data = _valid(s.EscalateInput, request.data)
        conversation = actions.do_escalate_conversation(
            actor=actor, conversation_id=conversation_id, reason=data.get("reason", "")
        )
        return Response(_conversation_body(actor, conversation))


class AssignView(APIView):
    @extend_schema(request=s.AssignInput, responses={200: s.StaffConversationOutput, **ERRORS})
    def post(self, request: Request, conversation_id: UUID) -> Response:
        actor = require_staff(actor_of(request))
        data = _valid(s.AssignInput, request.data)
        conversation = actions.do_assign_conversation(
            actor=actor, conversation_id=conversation_id, agent_id=data["agent_id"]
        )
        return Response(_conversation_body(actor, conversation))


class _AgentPostView(APIView):
    private = False
    endpoint = "agent_messages"

    def post(self, request: Request, conversation_id: UUID) -> Response:
        actor = require_staff(actor_of(request))
        data = _valid(s.MessageInput, request.data)
        key = _idempotency_key(request, actor, self.endpoint, data)
        try:
            posted = actions.do_post_agent_message(
                actor=actor,
                conversation_id=conversation_id,
                text=data["message"],
                private=self.private,
                idempotency_key=key,
            )
        except Replay as replay:
            return _replay(replay.record, lambda message: s.MessageOutput(message).data)
        body = s.MessageOutput(posted.message).data
        store_response(posted.idempotency_record, status.HTTP_201_CREATED, body)
        return Response(body, status=status.HTTP_201_CREATED)


class AgentMessageView(_AgentPostView):
    @extend_schema(
        request=s.MessageInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.MessageOutput, **ERRORS},
        description="An agent's reply to the customer.",
    )
    def post(self, request: Request, conversation_id: UUID) -> Response:
        return super().post(request, conversation_id)


class NoteView(_AgentPostView):
    private = True
    endpoint = "notes"

    @extend_schema(
        request=s.MessageInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: s.MessageOutput, **ERRORS},
        description="A private note for staff; never shown to the customer.",
    )
    def post(self, request: Request, conversation_id: UUID) -> Response:
        return super().post(request, conversation_id)


class ResolveView(APIView):
    @extend_schema(request=s.ResolveInput, responses={200: s.StaffConversationOutput, **ERRORS})
    def post(self, request: Request, conversation_id: UUID) -> Response:
        actor = require_staff(actor_of(request))
        data = _valid(s.ResolveInput, request.data)
        conversation = actions.do_resolve_conversation(
            actor=actor, conversation_id=conversation_id, reason=data.get("reason", "")
        )
        return Response(_conversation_body(actor, conversation))


class AgentsView(APIView):
    @extend_schema(responses={200: s.AgentOutput(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        require_staff(actor_of(request))
        agents = with_load(Agent.objects.order_by("agent_id"))
        return Response(s.AgentOutput(agents, many=True).data)


class TokenThrottle(_SharedCacheThrottle):
    scope = "token_obtain"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenView(APIView):
    authentication_classes: list[type] = []
    throttle_classes = [TokenThrottle]

    @extend_schema(
        request=s.TokenInput,
        responses={201: s.TokenOutput, **ERRORS},
        auth=[],
        description="Exchange an agent's username and password for a new API token.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.TokenInput, request.data)
        try:
            user = authenticate(
                request._request, username=data["username"], password=data["password"]
            )
        except AxesBackendPermissionDenied as locked:
            raise TooManyRequests(lockout_detail(), code="login_locked") from locked
        actor = Actor.for_user(user)
        if user is None or actor is None:
            raise NotAuthenticated("Wrong username or password.", code="invalid_credentials")
        token = issue_token(user=user, label="api login")
        return Response(
            {"token": token, "agent_id": actor.agent_id, "role": actor.kind},
            status=status.HTTP_201_CREATED,
        )


class ApiRootView(APIView):
    """``GET /api/v1/``: where things are, for someone who opens the API's base URL."""

    authentication_classes: list[type] = []

    @extend_schema(
        responses={200: s.ApiRootOutput},
        auth=[],
        description="Links to the API's documentation, its schema and its main collections.",
    )
    def get(self, request: Request) -> Response:
        def link(name: str) -> str:
            return request.build_absolute_uri(reverse(name))

        return Response(
            {
                "docs": link("api-docs"),
                "schema": link("schema"),
                "conversations": link("conversations"),
                "agents": link("agents"),
                "auth_token": link("auth-token"),
            }
        )
