"""``POST .../messages/`` from a customer, without DRF's dispatch: the busiest request.

DRF's request wrapper, authenticator loop, content negotiation, serializer and renderer
cost about 0.5 ms of the 2 ms a customer's message costs in the web process
(bench/README.md). The common case is answered here, with the parts MessagesView uses: the
conversation token's lookup, MessageInput's field, ``handle_customer_message``, the same
answer body and renderer, and the same error body for a refusal. The common case is:

- the conversation token (``X-Conversation-Token``) and no ``Authorization`` header;
- no ``Idempotency-Key``;
- a JSON body in UTF-8 that is exactly ``{"message": <valid text>}``, within Django's upload
  limit;
- an ``Accept`` header that is absent, ``*/*`` or ``application/json``;
- no query string (``?format=`` chooses a renderer);
- MessagesView set up as today: the staff token, then the conversation token, authenticate
  first; JSON is its one parser and its one renderer (with DEBUG the browsable API is a
  second one); no permission, throttle or versioning classes.

Anything else goes to MessagesView unchanged, which answers every error as before (an
invalid token, a body that fails validation) and gives the OpenAPI schema. Nothing is
stored before that decision, so a request is handled by one path only.
"""

import json
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from support.assistant.turns import handle_customer_message
from support.common.errors import SupportError
from support.conversations.selectors import customer_for_token

from . import serializers as s
from .authentication import (
    CONVERSATION_TOKEN_HEADER,
    AgentTokenAuthentication,
    ConversationTokenAuthentication,
)
from .errors import support_error_answer
from .parsers import JsonParser
from .views import MessagesView, user_message_body

_api_view = MessagesView.as_view()
_renderer = JSONRenderer()
_text_field = s.MessageInput().fields["message"]
_ACCEPTED = {None, "*/*", "application/json"}
_CHARSETS = {"", "utf-8", "utf8"}
_HEADERS_FOR_THE_API_VIEW = ("HTTP_AUTHORIZATION", "HTTP_IDEMPOTENCY_KEY")


def messages(request: HttpRequest, conversation_id: UUID) -> HttpResponse:
    if request.method == "POST":
        answer = _customer_post(request, conversation_id)
        if answer is not None:
            return answer
    return _api_view(request, conversation_id=conversation_id)  # type: ignore[no-any-return]


# What DRF's as_view() sets, so that URL introspection (drf-spectacular's schema) sees the
# API view, and so that Django's CSRF check is skipped as for every API view.
messages.cls = MessagesView  # type: ignore[attr-defined]
messages.initkwargs = {}  # type: ignore[attr-defined]
messages.csrf_exempt = True  # type: ignore[attr-defined]


def _customer_post(request: HttpRequest, conversation_id: UUID) -> HttpResponse | None:
    """The answer for the common case, or None: let MessagesView answer."""
    meta = request.META
    secret = meta.get(CONVERSATION_TOKEN_HEADER)
    if (
        secret is None
        or any(header in meta for header in _HEADERS_FOR_THE_API_VIEW)
        or meta.get("HTTP_ACCEPT") not in _ACCEPTED
        or meta.get("QUERY_STRING")  # ?format= is content negotiation too
        or request.content_type != "application/json"
        or (request.content_params or {}).get("charset", "").lower() not in _CHARSETS
        or not _nothing_more_in_the_api_view()
        or not _within_upload_limit(meta.get("CONTENT_LENGTH"))
    ):
        return None
    # The token first, as DRF authenticates before it parses.
    actor = customer_for_token(secret)
    if actor is None:
        return None  # MessagesView answers 401 invalid_token
    text = _message_text(request.body)
    if text is None:
        return None
    try:
        turn = handle_customer_message(actor=actor, conversation_id=conversation_id, text=text)
    except SupportError as error:  # a refusal, in the API's shape
        answer_status, body, headers = support_error_answer(error)
        answer = _json(body, answer_status)
        for name, value in headers.items():
            answer[name] = value
        return answer
    return _json(user_message_body(turn.message, turn.ai_reply), 201)


def _nothing_more_in_the_api_view() -> bool:
    """MessagesView is set up as this path assumes: the staff token (``Authorization`` only)
    and then the conversation token authenticate first, JSON is its one parser and renderer,
    and it has no permission, throttle or versioning classes. Should any of that change, it
    answers every request."""
    view = MessagesView
    return (
        list(view.authentication_classes[:2])
        == [AgentTokenAuthentication, ConversationTokenAuthentication]
        and list(view.parser_classes) == [JsonParser]
        and len(view.renderer_classes) == 1
        and not view.permission_classes
        and not view.throttle_classes
        and view.versioning_class is None
    )


def _within_upload_limit(content_length: str | None) -> bool:
    if not content_length or not (content_length.isascii() and content_length.isdigit()):
        return False
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is None or int(content_length) <= limit


def _message_text(body: bytes) -> str | None:
    """The validated text of ``{"message": ...}``, as MessageInput validates it, or None."""
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_refuse)
    except (ValueError, RecursionError):
        # Not UTF-8, not JSON, NaN or Infinity (DRF refuses them too), or nested too deep.
        return None
    if not isinstance(data, dict) or data.keys() != {"message"}:
        return None
    try:
        text: str = _text_field.run_validation(data["message"])
    except serializers.ValidationError:
        return None
    return text


def _refuse(constant: str) -> Any:
    raise ValueError(f"{constant} is not valid JSON")


def _json(body: Any, status: int) -> HttpResponse:
    response = HttpResponse(_renderer.render(body), status=status, content_type="application/json")
    response["Allow"] = _ALLOW
    return response


def _allowed_methods() -> str:
    view = MessagesView()
    view.setup(HttpRequest())  # as as_view() does per request: HEAD answers like GET
    return ", ".join(view.allowed_methods)


_ALLOW = _allowed_methods()
