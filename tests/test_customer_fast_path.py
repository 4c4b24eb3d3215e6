"""A customer's message skips DRF's dispatch in the common case (support.api.customer_messages):
it must answer exactly as MessagesView does, and hand every other request to it."""

import json
import re

import pytest
from django.test import TestCase
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.throttling import BaseThrottle
from rest_framework.versioning import AcceptHeaderVersioning

from support.api import customer_messages
from support.api.authentication import ConversationTokenAuthentication
from support.api.parsers import JsonParser
from support.api.views import MessagesView
from support.conversations.models import SupportMessage

from .conftest import Staff

URL = "/api/v1/conversations/{}/messages/"
BODY = json.dumps({"message": "Where is my order KS-10023?"})


@pytest.fixture
def api_view_calls(monkeypatch):
    """How many requests reached MessagesView."""
    calls = []
    api_view = customer_messages._api_view

    def counted(request, **kwargs):
        calls.append(request.method)
        return api_view(request, **kwargs)

    monkeypatch.setattr(customer_messages, "_api_view", counted)
    return calls


def _comparable(response):
    """Status, the headers a client reads, and the body with its ids and times masked."""
    body = response.content.decode()
    body = re.sub(r'"(message_id)":\d+', r'"\1":0', body)
    body = re.sub(r'"(created_at)":"[^"]+"', r'"\1":"T"', body)
    headers = {h: response.get(h) for h in ("Content-Type", "Allow", "Vary", "WWW-Authenticate")}
    return response.status_code, headers, body


def _post(client, conversation_id, token, **extra):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.generic(
            "POST",
            URL.format(conversation_id),
            BODY,
            content_type="application/json",
            HTTP_X_CONVERSATION_TOKEN=token,
            **extra,
        )


@pytest.mark.parametrize(
    ("status", "target"),
    [
        ("open", "own"),  # answered by the assistant
        ("escalated", "own"),  # stored, no ai_response
        ("assigned", "own"),
        ("resolved", "own"),  # 409
        ("open", "other"),  # another customer's conversation
        ("open", "unknown"),  # no such conversation
    ],
)
def test_the_fast_path_answers_exactly_as_the_api_view(
    make_customer, anu: Staff, client, monkeypatch, api_view_calls, status, target
):
    def answer():
        customer = make_customer(status, agent=anu if status in ("assigned", "resolved") else None)
        conversation_id = {
            "own": customer.conversation_id,
            "other": make_customer("open", user_id="someone_else").conversation_id,
            "unknown": "00000000-0000-4000-8000-000000000000",
        }[target]
        return _post(client, conversation_id, customer.token)

    fast = answer()
    assert api_view_calls == []
    monkeypatch.setattr(customer_messages, "_customer_post", lambda request, cid: None)
    through_the_api_view = answer()
    assert api_view_calls == ["POST"]

    assert _comparable(fast) == _comparable(through_the_api_view)
    assert (
        fast.status_code
        == {
            ("open", "own"): 201,
            ("escalated", "own"): 201,
            ("assigned", "own"): 201,
            ("resolved", "own"): 409,
            ("open", "other"): 404,
            ("open", "unknown"): 404,
        }[status, target]
    )


def test_a_message_stored_by_the_fast_path_is_the_api_views_message(customer, client):
    response = _post(client, customer.conversation_id, customer.token)

    body = response.json()
    stored = SupportMessage.objects.get(pk=body["message_id"])
    assert (stored.sender, stored.text, stored.detected_intent) == (
        "user",
        "Where is my order KS-10023?",
        "order_status",
    )
    assert body["ai_response"]["message_id"] == stored.replies.get().pk


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"HTTP_IDEMPOTENCY_KEY": "retry-1"}, 201, None),
        ({"HTTP_AUTHORIZATION": "Token nonsense"}, 401, "invalid_token"),
        ({"HTTP_ACCEPT": "text/html"}, 406, "not_acceptable"),
        ({"HTTP_ACCEPT": "application/json; indent=4"}, 201, None),
        ({"HTTP_X_CONVERSATION_TOKEN": "not-a-token"}, 401, "invalid_token"),
        ({"content_type": "text/plain"}, 415, "unsupported_media_type"),
        ({"content_type": "application/json; charset=latin-1"}, 201, None),
        ({"body": '{"message": "hi", "extra": 1}'}, 400, "unknown_field"),
        ({"body": '{"message": "   "}'}, 400, "message_empty"),
        ({"body": '{"message": 5}'}, 400, "not_a_string"),
        ({"body": json.dumps({"message": "x" * 4001})}, 400, "message_too_long"),
        ({"body": '{"message": NaN}'}, 400, "malformed_request"),
        ({"body": "{"}, 400, "malformed_request"),
        ({"body": "[]"}, 400, "invalid"),
        ({"query": "?format=xml"}, 404, "not_found"),
        ({"query": "?format=json"}, 201, None),
        (
            {"HTTP_X_CONVERSATION_TOKEN": "not-a-token", "body": "[" * 100_000 + "]" * 100_000},
            401,
            "invalid_token",
        ),
    ],
)
def test_every_other_request_goes_to_the_api_view(
    customer, client, api_view_calls, change, status, code
):
    change = dict(change)
    body = change.pop("body", BODY)
    content_type = change.pop("content_type", "application/json")
    url = customer.url("messages/") + change.pop("query", "")
    headers = {"HTTP_X_CONVERSATION_TOKEN": customer.token, **change}

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.generic("POST", url, body, content_type=content_type, **headers)

    assert api_view_calls == ["POST"]
    assert response.status_code == status, response.content
    if code is not None:
        assert response.json()["code"] == code


def test_reading_messages_goes_to_the_api_view(customer, client, api_view_calls):
    response = client.get(customer.url("messages/"), HTTP_X_CONVERSATION_TOKEN=customer.token)

    assert response.status_code == 200
    assert api_view_calls == ["GET"]


class AllowAll(BaseThrottle):
    def allow_request(self, request, view):
        return True


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("throttle_classes", [AllowAll]),
        ("permission_classes", [AllowAny]),
        ("renderer_classes", [JSONRenderer, BrowsableAPIRenderer]),
        ("authentication_classes", [ConversationTokenAuthentication]),
        ("parser_classes", [JsonParser, FormParser]),
        ("versioning_class", AcceptHeaderVersioning),
    ],
)
def test_a_check_added_to_the_api_view_is_not_skipped(
    customer, client, api_view_calls, monkeypatch, attribute, value
):
    monkeypatch.setattr(MessagesView, attribute, value)

    response = _post(client, customer.conversation_id, customer.token)

    assert response.status_code == 201
    assert api_view_calls == ["POST"]
