"""Bad input gets a 400 (or 404/415) with an exact ``code``, never a 500, and stores nothing.
Text that is valid, in any script, is stored and returned exactly as sent."""

import json
import logging
import unicodedata
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from support.agents.models import AgentToken
from support.assistant.providers import provider_calls
from support.conversations.models import (
    ConversationEvent,
    IdempotencyRecord,
    SupportConversation,
    SupportMessage,
)

from .conftest import Client

pytestmark = pytest.mark.django_db

MAX = 4000  # settings.MESSAGE_MAX_LENGTH


@dataclass
class Target:
    client: Client
    url: str
    valid: dict[str, Any]

    def post(self, body: Any) -> Any:
        return self.client.post(self.url, body)

    def post_raw(self, raw: str | bytes, content_type: str = "application/json") -> Any:
        return self.client.post(self.url, data=raw, content_type=content_type)


POST_ENDPOINTS = [
    "create",
    "post_message",
    "escalate",
    "assign",
    "reply",
    "note",
    "resolve",
    "token",
]
MESSAGE_ENDPOINTS = ["post_message", "reply", "note"]


@pytest.fixture
def target(make_customer, anu, supervisor, anonymous):
    """The client, URL and a valid body of a POST endpoint, with a conversation in the
    status where that body succeeds."""

    def build(endpoint: str) -> Target:
        if endpoint == "create":
            return Target(anonymous, "/api/v1/conversations/", {"user_id": "customer_777"})
        if endpoint == "token":
            body = {"username": "agent_anu", "password": "pw-123456"}
            return Target(anonymous, "/api/v1/auth/token/", body)
        if endpoint in ("post_message", "escalate"):
            customer = make_customer("open")
            suffix = "messages/" if endpoint == "post_message" else "escalate/"
            body = {"message": "Hello"} if endpoint == "post_message" else {"reason": "Please"}
            return Target(customer.client(), customer.url(suffix), body)
        if endpoint == "assign":
            customer = make_customer("escalated")
            return Target(supervisor.client(), customer.url("assign/"), {"agent_id": "agent_anu"})
        customer = make_customer("assigned", agent=anu)
        if endpoint == "resolve":
            return Target(supervisor.client(), customer.url("resolve/"), {"reason": "Done"})
        suffix = {"reply": "agent/messages/", "note": "notes/"}[endpoint]
        return Target(anu.client(), customer.url(suffix), {"message": "Hello from Anu"})

    return build


def snapshot() -> dict[str, Any]:
    return {
        "conversations": {
            c.pk: (c.status, c.assigned_agent_id, c.message_count, c.language, c.resolved_at)
            for c in SupportConversation.objects.all()
        },
        "messages": list(SupportMessage.objects.values_list("pk", "text")),
        "audit": ConversationEvent.objects.count(),
        "idempotency": IdempotencyRecord.objects.count(),
        "tokens": AgentToken.objects.count(),
        "provider_calls": provider_calls.total(),
    }


@pytest.fixture
def unchanged(events):
    """Call with a zero-argument function: asserts it changed nothing and published nothing."""

    def check(send: Any) -> Any:
        before = snapshot()
        events.clear()
        response = send()
        assert snapshot() == before
        assert events == []
        return response

    return check


def assert_error(response: Any, status: int, code: str, detail: str | None = None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if detail is not None:
        assert body["detail"] == detail


# The valid body works, so each refusal below is caused by what was changed in it.


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_the_valid_body_of_each_endpoint_is_accepted(target, endpoint):
    t = target(endpoint)

    response = t.post(t.valid)

    assert response.status_code in (200, 201), response.json()


# Bodies that are not a JSON object.


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
@pytest.mark.parametrize(
    "raw",
    ['{"message": "unterminated', "{bad", '{"message": NaN}', b'{"message": "\xff"}'],
    ids=["unterminated", "not-json", "nan", "invalid-utf8"],
)
def test_it_refuses_malformed_json(target, unchanged, endpoint, raw):
    t = target(endpoint)

    response = unchanged(lambda: t.post_raw(raw))

    assert_error(response, 400, "malformed_request")
    assert response.json()["detail"].startswith("The request body is not valid JSON: ")


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_it_refuses_json_nested_too_deeply(target, unchanged, endpoint):
    t = target(endpoint)

    response = unchanged(lambda: t.post_raw("[" * 100_000 + "]" * 100_000))

    assert_error(
        response,
        400,
        "malformed_request",
        "The request body is not valid JSON: JSON parse error - nested too deeply",
    )


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_it_refuses_a_body_over_the_upload_limit_in_the_error_shape(
    target, unchanged, endpoint, settings, caplog
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    t = target(endpoint)
    raw = json.dumps({"message": "x" * 20_000})

    response = unchanged(lambda: t.post_raw(raw))

    assert_error(
        response,
        413,
        "request_too_large",
        "The request body is too large: this API accepts at most 10,000 bytes.",
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
@pytest.mark.parametrize(
    ("raw", "kind"),
    [("[]", "list"), ('["x"]', "list"), ('"hello"', "str"), ('""', "str"), ("42", "int")],
    ids=["empty-list", "list", "string", "empty-string", "number"],
)
def test_it_refuses_a_json_body_that_is_not_an_object(target, unchanged, endpoint, raw, kind):
    t = target(endpoint)

    response = unchanged(lambda: t.post_raw(raw))

    assert_error(response, 400, "invalid", f"Invalid data. Expected a dictionary, but got {kind}.")


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_it_refuses_a_json_null_body(target, unchanged, endpoint):
    t = target(endpoint)

    response = unchanged(lambda: t.post_raw("null"))

    assert_error(response, 400, "null", "No data provided")


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_it_refuses_a_body_that_is_not_json(target, unchanged, endpoint, content_type):
    t = target(endpoint)

    response = unchanged(lambda: t.post_raw("message=hi", content_type=content_type))

    assert_error(
        response,
        415,
        "unsupported_media_type",
        f'Unsupported media type "{content_type}" in request.',
    )


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_it_refuses_unknown_fields(target, unchanged, endpoint):
    t = target(endpoint)

    response = unchanged(lambda: t.post({**t.valid, "priority": "urgent"}))

    assert_error(response, 400, "unknown_field", "priority: Unknown field.")
    assert response.json()["errors"] == {"priority": ["Unknown field."]}


# Required fields and their types.


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [
        ("create", "user_id"),
        ("post_message", "message"),
        ("assign", "agent_id"),
        ("reply", "message"),
        ("note", "message"),
        ("token", "password"),
    ],
)
def test_it_refuses_a_missing_required_field(target, unchanged, endpoint, field):
    t = target(endpoint)
    body = {name: value for name, value in t.valid.items() if name != field}

    response = unchanged(lambda: t.post(body))

    assert_error(response, 400, "required", f"{field}: This field is required.")


@pytest.mark.parametrize("endpoint", MESSAGE_ENDPOINTS)
@pytest.mark.parametrize(
    ("value", "code", "detail"),
    [
        (123, "not_a_string", "message: Must be a string."),
        (12.5, "not_a_string", "message: Must be a string."),
        (True, "not_a_string", "message: Must be a string."),
        (["x"], "not_a_string", "message: Must be a string."),
        ({"text": "x"}, "not_a_string", "message: Must be a string."),
        (None, "message_empty", "message: This field may not be null."),
        ("", "message_empty", "message: The message is empty."),
        (" ", "message_empty", "message: The message contains only whitespace."),
        ("\n\t \r\n", "message_empty", "message: The message contains only whitespace."),
        ("\u00a0\u3000\u2003", "message_empty", "message: The message contains only whitespace."),
        (
            "a" * (MAX + 1),
            "message_too_long",
            "message: The message is longer than 4000 characters.",
        ),
        (
            "\u0d15" * (MAX + 1),
            "message_too_long",
            "message: The message is longer than 4000 characters.",
        ),
    ],
    ids=[
        "int",
        "float",
        "bool",
        "list",
        "object",
        "null",
        "empty",
        "space",
        "newlines-and-tabs",
        "unicode-spaces",
        "4001-ascii",
        "4001-malayalam",
    ],
)
def test_it_refuses_a_bad_message(target, unchanged, endpoint, value, code, detail):
    t = target(endpoint)

    response = unchanged(lambda: t.post({"message": value}))

    assert_error(response, 400, code, detail)


BAD_CHARACTER = "message: Contains a character that cannot be stored (NUL or a lone surrogate)."


@pytest.mark.parametrize("endpoint", MESSAGE_ENDPOINTS)
@pytest.mark.parametrize(
    "raw",
    [
        '{"message": "a\\u0000b"}',
        '{"message": "\\u0000"}',
        '{"message": "abc \\ud800 def"}',
        '{"message": "\\udc00"}',
        '{"message": "\\ude00\\ud83d"}',
    ],
    ids=["nul-inside", "only-nul", "lone-high-surrogate", "lone-low-surrogate", "reversed-pair"],
)
def test_it_refuses_characters_no_database_stores_with_400_not_500(
    target, unchanged, endpoint, raw
):
    t = target(endpoint)

    response = unchanged(lambda: t.post_raw(raw))

    assert_error(response, 400, "bad_character", BAD_CHARACTER)


@pytest.mark.parametrize(
    ("endpoint", "field", "value", "code"),
    [
        ("create", "user_id", 5, "not_a_string"),
        ("create", "user_id", None, "null"),
        ("create", "user_id", "", "blank"),
        ("create", "user_id", "   ", "blank"),
        ("create", "user_id", "u" * 129, "max_length"),
        ("create", "user_id", "a\x00b", "bad_character"),
        ("create", "language", "fr", "invalid_choice"),
        ("create", "language", 1, "invalid_choice"),
        ("assign", "agent_id", 5, "not_a_string"),
        ("assign", "agent_id", ["agent_anu"], "not_a_string"),
        ("assign", "agent_id", "", "blank"),
        ("escalate", "reason", 5, "not_a_string"),
        ("escalate", "reason", "r" * 1001, "max_length"),
        ("escalate", "reason", "a\x00b", "bad_character"),
        ("resolve", "reason", False, "not_a_string"),
        ("resolve", "reason", "r" * 1001, "max_length"),
        ("token", "username", 5, "not_a_string"),
    ],
)
def test_it_refuses_a_field_of_the_wrong_type_or_size(
    target, unchanged, endpoint, field, value, code
):
    t = target(endpoint)

    response = unchanged(lambda: t.post({**t.valid, field: value}))

    assert_error(response, 400, code)
    assert list(response.json()["errors"]) == [field]
    assert response.json()["detail"].startswith(f"{field}: ")


def test_it_refuses_to_assign_an_agent_that_does_not_exist(target, unchanged):
    t = target("assign")

    response = unchanged(lambda: t.post({"agent_id": "agent_nobody"}))

    assert_error(response, 400, "unknown_agent", "There is no agent agent_nobody.")


# Lengths at the limit.


@pytest.mark.parametrize("endpoint", MESSAGE_ENDPOINTS)
@pytest.mark.parametrize(
    "letter", ["a", "\u0d05", "\U0001f600"], ids=["ascii", "malayalam", "emoji"]
)
def test_it_accepts_a_message_of_exactly_4000_characters(target, endpoint, letter):
    t = target(endpoint)
    text = letter * MAX

    response = t.post({"message": text})

    assert response.status_code == 201
    assert response.json()["message"] == text
    assert SupportMessage.objects.get(pk=response.json()["message_id"]).text == text


# Paths and query parameters.

CONVERSATION_PATHS = [
    ("get", ""),
    ("get", "messages/"),
    ("post", "messages/"),
    ("post", "escalate/"),
    ("post", "assign/"),
    ("post", "agent/messages/"),
    ("post", "notes/"),
    ("post", "resolve/"),
]


@pytest.mark.parametrize(("method", "suffix"), CONVERSATION_PATHS)
@pytest.mark.parametrize(
    "bad_id", ["not-a-uuid", "123", "00000000-0000-0000-0000-00000000000g", "%00"]
)
def test_it_answers_404_in_the_error_shape_for_a_malformed_conversation_id(
    supervisor, unchanged, method, suffix, bad_id
):
    client = supervisor.client()
    url = f"/api/v1/conversations/{bad_id}/{suffix}"

    response = unchanged(lambda: getattr(client, method)(url, {"message": "hi"}))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize(("method", "suffix"), CONVERSATION_PATHS)
def test_it_answers_404_for_a_conversation_that_does_not_exist(
    supervisor, unchanged, method, suffix
):
    client = supervisor.client()
    url = f"/api/v1/conversations/6f1c1b7e-0000-4000-8000-000000000000/{suffix}"
    body = {"agent_id": "supervisor_meera"} if suffix == "assign/" else {"message": "hi"}
    if suffix in ("escalate/", "resolve/"):
        body = {}

    response = unchanged(lambda: getattr(client, method)(url, body))

    assert response.status_code == 404
    assert response.json() == {
        "detail": "Conversation not found.",
        "code": "conversation_not_found",
    }


@pytest.mark.parametrize(
    ("query", "code", "detail"),
    [
        ({"status": "bogus"}, "invalid_choice", 'status: "bogus" is not a valid choice.'),
        ({"status": "OPEN"}, "invalid_choice", 'status: "OPEN" is not a valid choice.'),
        ({"language": "xx"}, "invalid_choice", 'language: "xx" is not a valid choice.'),
        ({"page": "0"}, "min_value", "page: Ensure this value is greater than or equal to 1."),
        ({"page": "abc"}, "invalid", "page: A valid integer is required."),
        (
            {"page_size": "1000"},
            "max_value",
            "page_size: Ensure this value is less than or equal to 200.",
        ),
    ],
)
def test_it_refuses_bad_queue_filters(supervisor, query, code, detail):
    response = supervisor.client().get("/api/v1/conversations/", query)

    assert_error(response, 400, code, detail)


def test_it_answers_404_for_a_queue_page_past_the_end(supervisor):
    response = supervisor.client().get("/api/v1/conversations/", {"page": "99"})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page.", "code": "not_found"}


@pytest.mark.parametrize(
    ("query", "code", "detail"),
    [
        ({"after": "-1"}, "min_value", "after: Ensure this value is greater than or equal to 0."),
        ({"after": "abc"}, "invalid", "after: A valid integer is required."),
        ({"after": "1.5"}, "invalid", "after: A valid integer is required."),
        ({"limit": "0"}, "min_value", "limit: Ensure this value is greater than or equal to 1."),
        ({"limit": "501"}, "max_value", "limit: Ensure this value is less than or equal to 500."),
    ],
)
def test_it_refuses_bad_message_paging(make_customer, anu, query, code, detail):
    customer = make_customer("assigned", agent=anu)

    for client in (customer.client(), anu.client()):
        response = client.get(customer.url("messages/"), query)
        assert_error(response, 400, code, detail)


# Text in any script comes back exactly as it was sent.

MALAYALAM = "എന്റെ ഓർഡർ എവിടെ?"
TEXTS = {
    "malayalam": MALAYALAM,
    "malayalam-with-zwnj-and-zwj": "ക്\u200cക ന്\u200d അവന്\u200d",
    "manglish": "ente order evide? KS-10023 innu varumo",
    "emoji-zwj-sequences": (
        "👩\u200d👩\u200d👧\u200d👦 🏳️\u200d🌈 👨🏽\u200d💻 🧑🏿\u200d🤝\u200d🧑🏻"
    ),
    "emoji-skin-tone-and-flags": "👍🏽 🇮🇳 ❤️ 1️⃣",
    "combining-marks-nfd": "Cafe\u0301 nai\u0308ve Z\u0351\u0364\u0301algo",
    "mixed-scripts-and-rtl": "Order 123 — ഓർഡർ — طلب — 注文 — \u200f\u05e9\u05dc\u05d5\u05dd",
    "whitespace-kept-as-sent": "  two leading spaces\n\nand a blank line\t",
}


@pytest.mark.parametrize("text", list(TEXTS.values()), ids=list(TEXTS))
def test_the_customer_s_text_round_trips_byte_exact(customer, text):
    client = customer.client()

    posted = client.post(customer.url("messages/"), {"message": text})
    listed = client.get(customer.url("messages/"))

    assert posted.status_code == 201
    assert posted.json()["message"] == text
    message_id = posted.json()["message_id"]
    [returned] = [m for m in listed.json()["results"] if m["message_id"] == message_id]
    assert returned["message"].encode("utf-8") == text.encode("utf-8")
    assert SupportMessage.objects.get(pk=message_id).text == text
    assert json.dumps(text, ensure_ascii=False).encode("utf-8") in listed.content


@pytest.mark.parametrize("text", list(TEXTS.values()), ids=list(TEXTS))
def test_the_agent_s_text_round_trips_byte_exact_to_the_customer(make_customer, anu, text):
    customer = make_customer("assigned", agent=anu)

    posted = anu.client().post(customer.url("agent/messages/"), {"message": text})
    listed = customer.client().get(customer.url("messages/"))

    assert posted.status_code == 201
    agent_messages = [m for m in listed.json()["results"] if m["sender"] == "agent"]
    assert [m["message"].encode("utf-8") for m in agent_messages] == [text.encode("utf-8")]


def test_decomposed_text_is_not_normalised():
    # Guards the sample above: it must differ from its NFC form to prove nothing normalises it.
    text = TEXTS["combining-marks-nfd"]
    assert unicodedata.normalize("NFC", text) != text


def test_a_json_escaped_surrogate_pair_is_one_emoji(target):
    t = target("reply")

    response = t.post_raw('{"message": "\\ud83d\\ude00 ok"}')

    assert response.status_code == 201
    assert response.json()["message"] == "\U0001f600 ok"


def test_a_malayalam_question_gets_an_answer_while_open(customer):
    response = customer.client().post(customer.url("messages/"), {"message": MALAYALAM})

    assert response.status_code == 201
    assert response.json()["message"] == MALAYALAM
    assert response.json()["ai_response"]["sender"] == "ai"


STORABLE_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    min_size=1,
    max_size=MAX,
).filter(lambda text: text.strip() != "")


@hypothesis_settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=STORABLE_TEXT)
def test_any_storable_text_an_agent_sends_comes_back_exactly(make_customer, supervisor, text):
    # A fresh conversation per example: the examples share one test transaction.
    customer = make_customer("escalated")

    posted = supervisor.client().post(customer.url("agent/messages/"), {"message": text})
    listed = customer.client().get(customer.url("messages/"))

    assert posted.status_code == 201, posted.json()
    assert posted.json()["message"] == text
    agent_messages = [m["message"] for m in listed.json()["results"] if m["sender"] == "agent"]
    assert agent_messages == [text]
    assert SupportMessage.objects.get(pk=posted.json()["message_id"]).text == text
