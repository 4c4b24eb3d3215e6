"""The `openai` provider (support/assistant/llm.py) against a fake OpenAI-compatible endpoint.

The endpoint is an ``httpx.MockTransport`` handler behind a real ``openai.OpenAI`` client, so
the SDK's request building, error mapping and timeouts are the real ones; the network is
never used. Behaviour is checked through the public HTTP API wherever it is visible there.
"""

import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import openai
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from support.assistant import providers
from support.assistant.intents import Intent, IntentPrediction
from support.assistant.llm import OpenAIProvider, build_messages
from support.assistant.providers import (
    AssistantReply,
    ReplyContext,
    provider_calls,
    use_provider,
)
from support.conversations.models import ConversationEvent, SupportMessage
from support.conversations.notices import notice
from support.knowledge.models import Article
from support.orders.models import Order

from .conftest import Customer, MakeCustomer, Staff, event_types

MODEL = "test-model"
Step = httpx.Response | Callable[[httpx.Request], httpx.Response]


# --- the fake endpoint ------------------------------------------------------------------


def completion(message: dict[str, Any], finish_reason: str = "stop") -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1767225600,
        "model": MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
    }


def answer(text: str) -> httpx.Response:
    return httpx.Response(200, json=completion({"role": "assistant", "content": text}))


def tool_call(name: str, arguments: Any, content: str | None = None) -> httpx.Response:
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments)
    message = {
        "role": "assistant",
        "content": content,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
        ],
    }
    return httpx.Response(200, json=completion(message, "tool_calls"))


class FakeLLM:
    """An OpenAI-compatible chat-completions endpoint. Answers with ``steps`` in turn (the
    last one repeats) and records every request body it receives."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.requests)

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/chat/completions"
        with self._lock:
            self.requests.append(json.loads(request.content))
            step = self.steps[min(len(self.requests), len(self.steps)) - 1]
        return step(request) if callable(step) else step

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(
            base_url="http://llm.test/v1",
            api_key="test-key",
            max_retries=0,
            http_client=httpx.Client(transport=httpx.MockTransport(self.handler)),
        )


@pytest.fixture(autouse=True)
def _model(settings: Any) -> None:
    settings.AI_MODEL = MODEL


@pytest.fixture
def llm() -> Iterator[Callable[..., FakeLLM]]:
    """``llm(*steps)`` serves those steps as the assistant for the rest of the test."""
    stack: list[Any] = []

    def serve(*steps: Step) -> FakeLLM:
        fake = FakeLLM(*steps)
        context = use_provider(OpenAIProvider(client=fake.client()))
        context.__enter__()
        stack.append(context)
        return fake

    yield serve
    for context in reversed(stack):
        context.__exit__(None, None, None)


def say(customer: Customer, text: str) -> Any:
    return customer.client().post(customer.url("messages/"), {"message": text})


def transcript(customer: Customer) -> list[tuple[str, str]]:
    response = customer.client().get(customer.url("messages/"))
    assert response.status_code == 200
    return [(m["sender"], m["message"]) for m in response.json()["results"]]


def conversation(customer: Customer) -> dict[str, Any]:
    response = customer.client().get(customer.url())
    assert response.status_code == 200
    return response.json()


def escalations(customer: Customer) -> list[tuple[str, str, dict[str, Any]]]:
    return list(
        ConversationEvent.objects.filter(
            conversation_id=customer.conversation_id, kind="escalated"
        ).values_list("actor_id", "reason", "data")
    )


def make_order(customer: Customer) -> Order:
    return Order.objects.create(
        order_number="KS-10023",
        user_id=customer.user_id,
        status="shipped",
        items=[{"name": "Kasavu saree", "qty": 1}],
        total_rupees=Decimal("2499.00"),
        payment_method="upi",
        placed_at=timezone.now() - timedelta(days=2),
        expected_delivery=date(2026, 3, 5),
    )


# --- answers ----------------------------------------------------------------------------


def test_an_answer_is_stored_and_the_model_sees_the_facts(make_customer: MakeCustomer, llm):
    customer = make_customer("open", language="ml-Latn")
    make_order(customer)
    fake = llm(answer("KS-10023 ship cheythu, March 5-nakam ethum."))
    text = "KS-10023 refund venam, saree kedaayirunnu"

    response = say(customer, text)

    assert response.status_code == 201
    body = response.json()
    assert body["conversation_status"] == "open"
    assert body["ai_response"]["sender"] == "ai"
    assert body["ai_response"]["message"] == "KS-10023 ship cheythu, March 5-nakam ethum."
    assert transcript(customer) == [
        ("user", text),
        ("ai", "KS-10023 ship cheythu, March 5-nakam ethum."),
    ]
    assert fake.calls == 1
    request = fake.requests[0]
    assert request["model"] == MODEL
    system = request["messages"][0]
    assert system["role"] == "system"
    prompt = system["content"]
    assert "Kerala Sellers assistant" in prompt
    # The real order row, rendered as facts.
    assert "KS-10023" in prompt
    assert "status shipped" in prompt
    assert "Kasavu saree" in prompt
    assert "₹2499.00" in prompt
    assert "payment upi" in prompt
    assert "expected delivery 2026-03-05" in prompt
    # The knowledge article, in the customer's language, and the language itself.
    refunds = Article.objects.get(slug="refunds").body("ml-Latn")
    assert refunds and refunds in prompt
    assert "ml-Latn" in prompt
    assert "Manglish" in prompt
    assert request["messages"][1:] == [{"role": "user", "content": text}]
    tools = {tool["function"]["name"]: tool["function"] for tool in request["tools"]}
    assert set(tools) == {"handoff_to_human", "cannot_answer"}
    assert tools["handoff_to_human"]["parameters"]["properties"] == {
        "reason": {
            "type": "string",
            "description": "One sentence for the agent: why a human is needed.",
        }
    }
    assert tools["handoff_to_human"]["parameters"]["required"] == ["reason"]


def test_the_transcript_goes_to_the_model_as_user_and_assistant_turns(customer, llm):
    make_order(customer)
    fake = llm(answer("KS-10023 is shipped."), answer("It is expected by 5 March."))

    assert say(customer, "Where is my order KS-10023?").status_code == 201
    assert say(customer, "When will it arrive?").status_code == 201

    second = fake.requests[1]
    assert second["messages"][1:] == [
        {"role": "user", "content": "Where is my order KS-10023?"},
        {"role": "assistant", "content": "KS-10023 is shipped."},
        {"role": "user", "content": "When will it arrive?"},
    ]
    # The order named earlier is still the one the facts describe.
    assert "KS-10023: status shipped" in second["messages"][0]["content"]


def test_orders_of_other_customers_never_reach_the_model(customer, other_customer, llm):
    make_order(other_customer)
    fake = llm(answer("I cannot see KS-10023 on your account."))

    assert say(customer, "Where is my order KS-10023?").status_code == 201

    prompt = fake.requests[0]["messages"][0]["content"]
    assert "Kasavu saree" not in prompt
    assert "NOT on their account" in prompt


def test_system_notices_are_not_sent_to_the_model():
    # An open conversation holds no notices today; the mapping must skip them regardless.
    context = ReplyContext(
        conversation_id="c",
        language="en",
        text="and now?",
        prediction=IntentPrediction(Intent.UNKNOWN, 0.0, "rule"),
        history=[
            ("user", "hi"),
            ("ai", "Hello!"),
            ("system", "You are being connected to a human agent."),
            ("user", "and now?"),
        ],
    )

    assert build_messages(context)[1:] == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "and now?"},
    ]


def test_a_long_answer_is_cut_to_the_message_limit(customer, llm, settings):
    llm(answer("x" * (settings.MESSAGE_MAX_LENGTH + 500)))

    response = say(customer, "Tell me about refunds")

    assert response.status_code == 201
    assert len(response.json()["ai_response"]["message"]) == settings.MESSAGE_MAX_LENGTH
    stored = SupportMessage.objects.get(conversation_id=customer.conversation_id, sender="ai")
    assert len(stored.text) == settings.MESSAGE_MAX_LENGTH


def test_thinking_out_loud_is_not_posted(customer, llm):
    llm(answer("<think>The customer wants refunds.</think>\nRefunds take 5-7 working days."))

    response = say(customer, "Tell me about refunds")

    assert response.json()["ai_response"]["message"] == "Refunds take 5-7 working days."


# --- could not help ---------------------------------------------------------------------


def test_cannot_answer_is_posted_as_a_fallback_and_two_in_a_row_hand_over(customer, llm):
    fake = llm(
        tool_call("cannot_answer", {"reply": "Sorry, I can't help with bulk orders."}),
        tool_call("cannot_answer", {"reply": "Sorry, I can't help with that either."}),
    )

    first = say(customer, "Do you sell coconut oil in bulk?")
    second = say(customer, "Is the seller in Kochi?")

    assert first.json()["ai_response"]["message"] == "Sorry, I can't help with bulk orders."
    assert first.json()["conversation_status"] == "open"
    assert second.status_code == 201
    assert "ai_response" not in second.json()
    assert second.json()["conversation_status"] == "escalated"
    assert conversation(customer)["escalation_source"] == "repeated_fallback"
    assert fake.calls == 2
    assert [m for m in transcript(customer) if m[0] == "ai"] == [
        ("ai", "Sorry, I can't help with bulk orders.")
    ]


def test_cannot_answer_without_a_reply_uses_the_fallback_in_the_customers_language(
    make_customer: MakeCustomer, llm
):
    customer = make_customer("open", language="ml")
    llm(tool_call("cannot_answer", {}))

    response = say(customer, "നിങ്ങൾ വെളിച്ചെണ്ണ മൊത്തമായി വിൽക്കുമോ?")

    assert response.json()["ai_response"]["message"].startswith("ക്ഷമിക്കണം")


# --- handoff ----------------------------------------------------------------------------

ALONGSIDE = "Sure! Your refund is approved and an agent will call you."


def test_a_handoff_tool_call_escalates_and_posts_nothing_the_model_wrote(customer, llm, events):
    reason = "Damaged saree; the customer's emails went unanswered."
    fake = llm(tool_call("handoff_to_human", {"reason": reason}, content=ALONGSIDE))

    response = say(customer, "My saree came torn and nobody answers my emails")

    assert response.status_code == 201
    assert "ai_response" not in response.json()
    assert response.json()["conversation_status"] == "escalated"
    details = conversation(customer)
    assert details["escalation_source"] == "intent"  # what turns.py records for a handoff
    assert details["escalation_reason"] == reason
    assert escalations(customer) == [("assistant", reason, {"source": "intent"})]
    assert not SupportMessage.objects.filter(
        conversation_id=customer.conversation_id, sender="ai"
    ).exists()
    assert transcript(customer) == [
        ("user", "My saree came torn and nobody answers my emails"),
        ("system", notice("escalated", "en")),
    ]
    assert all(ALONGSIDE not in json.dumps(event.data) for event in events)
    assert fake.calls == 1


def test_the_provider_itself_drops_what_the_model_wrote_alongside_a_handoff():
    # Defence in depth: turns.py posts nothing on a handoff either (the test above).
    fake = FakeLLM(tool_call("handoff_to_human", {"reason": "Wants a person."}, ALONGSIDE))
    context = ReplyContext(
        conversation_id="c",
        language="en",
        text="My saree came torn",
        prediction=IntentPrediction(Intent.UNKNOWN, 0.0, "rule"),
    )

    reply = OpenAIProvider(client=fake.client()).reply(context)

    assert reply == AssistantReply(
        text="", handoff_requested=True, handoff_reason="Wants a person."
    )


def test_after_a_handoff_the_endpoint_is_never_asked_again(customer, llm):
    fake = llm(tool_call("handoff_to_human", {"reason": "Asked for a person."}))
    say(customer, "My saree came torn and nobody answers my emails")

    for text in ("hello?", "Where is my order KS-10023?", "Tell me about refunds"):
        response = say(customer, text)
        assert response.status_code == 201
        assert "ai_response" not in response.json()

    assert fake.calls == 1
    assert provider_calls.total() == 1


# --- failures ---------------------------------------------------------------------------


def _raise(error: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("simulated", request=request)

    return handler


def _json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


FAILURES = {
    "read timeout": _raise(httpx.ReadTimeout),
    "connect timeout": _raise(httpx.ConnectTimeout),
    "connection refused": _raise(httpx.ConnectError),
    "HTTP 500": _json(500, {"error": {"message": "internal error"}}),
    "HTTP 429": httpx.Response(
        429, json={"error": {"message": "rate limited"}}, headers={"retry-after": "0"}
    ),
    "HTTP 401": _json(401, {"error": {"message": "bad key"}}),
    "HTTP 400": _json(400, {"error": {"message": "context too long"}}),
    "malformed JSON": httpx.Response(
        200, content=b'{"choices": [', headers={"content-type": "application/json"}
    ),
    "an HTML page": httpx.Response(200, text="<html>502 Bad Gateway</html>"),
    "empty choices": _json(200, {**completion({}), "choices": []}),
    "no choices": _json(200, {"id": "x"}),
    "no content and no tool call": _json(200, completion({"role": "assistant", "content": None})),
    "a whitespace answer": answer("  \n\t "),
    "bad tool-call JSON": tool_call("handoff_to_human", '{"reason": "unterminated'),
    "tool arguments not an object": tool_call("handoff_to_human", "[1, 2]"),
    "a non-string reason": tool_call("handoff_to_human", {"reason": 42}),
    # A tool it was never offered: whatever it wrote alongside assumes an action that never ran.
    "an unknown tool": tool_call(
        "refund_everything", {"amount": 1_000_000}, content="Done, I refunded everything!"
    ),
    "content parts that are not text": _json(
        200, completion({"role": "assistant", "content": [{"type": "text", "text": 5}]})
    ),
}


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
def test_a_failing_endpoint_is_retried_once_then_a_human_takes_over(customer, llm, failure):
    fake = llm(failure)

    response = say(customer, "Tell me about refunds")

    assert response.status_code == 201
    assert "ai_response" not in response.json()
    assert response.json()["conversation_status"] == "escalated"
    assert fake.calls == 2
    assert provider_calls.total() == 2
    assert conversation(customer)["escalation_source"] == "ai_failure"
    assert transcript(customer) == [
        ("user", "Tell me about refunds"),
        ("system", notice("ai_failure", "en")),
    ]
    assert escalations(customer) == [
        ("assistant", "The assistant could not answer.", {"source": "ai_failure"})
    ]
    # And the endpoint is left alone from then on.
    assert say(customer, "hello?").status_code == 201
    assert fake.calls == 2


def test_one_failure_then_an_answer_is_retried_and_posted(customer, llm):
    fake = llm(_json(500, {"error": {"message": "busy"}}), answer("Refunds take 5-7 days."))

    response = say(customer, "Tell me about refunds")

    assert response.status_code == 201
    assert response.json()["conversation_status"] == "open"
    assert response.json()["ai_response"]["message"] == "Refunds take 5-7 days."
    assert fake.calls == 2
    assert conversation(customer)["escalated"] is False
    assert escalations(customer) == []


def test_no_retry_once_the_conversation_was_escalated_during_a_failed_attempt(
    customer: Customer, supervisor: Staff, llm
):
    escalated: list[int] = []

    def escalate_then_fail(request: httpx.Request) -> httpx.Response:
        # The supervisor takes over while the first attempt is in flight; it then fails.
        response = supervisor.client().post(customer.url("escalate/"), {"reason": "Mine"})
        escalated.append(response.status_code)
        return _json(503, {"error": {"message": "overloaded"}})

    fake = llm(escalate_then_fail, answer("This must never be posted."))

    response = say(customer, "Tell me about refunds")

    assert escalated == [200]
    assert response.status_code == 201
    assert response.json()["conversation_status"] == "escalated"
    assert fake.calls == 1  # the retry saw the escalation and did not call
    assert conversation(customer)["escalation_source"] == "supervisor"
    assert [actor for actor, _, _ in escalations(customer)] == ["supervisor_meera"]


# --- the invariant (DESIGN.md section 1) --------------------------------------------------


def test_an_escalated_conversation_never_reaches_the_endpoint(make_customer: MakeCustomer, llm):
    customer = make_customer("escalated")
    fake = llm(answer("This must never be posted."))

    for text in ("Where is my order?", "hello", "Tell me about refunds"):
        response = say(customer, text)
        assert response.status_code == 201
        assert "ai_response" not in response.json()

    assert fake.calls == 0
    assert provider_calls.total() == 0


def _in_thread(work: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        try:
            return work()
        finally:
            connection.close()

    return run


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("require_postgres")
def test_a_reply_in_flight_when_the_supervisor_escalates_is_dropped(
    customer: Customer, supervisor: Staff, events, llm
):
    in_flight, escalation_committed = threading.Event(), threading.Event()
    waited: list[bool] = []

    def slow_answer(request: httpx.Request) -> httpx.Response:
        in_flight.set()
        waited.append(escalation_committed.wait(10))
        return answer("Your order is on its way!")

    fake = llm(slow_answer)

    with ThreadPoolExecutor(1) as pool:
        posting = pool.submit(_in_thread(lambda: say(customer, "Where is my order?")))
        assert in_flight.wait(10), "the assistant never called the endpoint"
        escalation = supervisor.client().post(customer.url("escalate/"), {"reason": "Mine now"})
        assert escalation.status_code == 200  # committed: the API answered
        escalation_committed.set()
        response = posting.result(timeout=30)

    assert waited == [True]
    assert response.status_code == 201
    assert response.json()["conversation_status"] == "escalated"
    assert "ai_response" not in response.json()
    assert fake.calls == 1  # the reply was generated...
    assert not SupportMessage.objects.filter(  # ...and dropped under the lock
        conversation_id=customer.conversation_id, sender="ai"
    ).exists()
    stream = [e for e in events if e.conversation_id == str(customer.conversation_id)]
    assert "conversation.escalated" in event_types(stream)
    escalated_at = event_types(stream).index("conversation.escalated")
    assert all(e.data.get("sender") != "ai" for e in stream[escalated_at:])
    assert all(e.data.get("sender") != "ai" for e in stream)
    assert escalations(customer) == [("supervisor_meera", "Mine now", {"source": "supervisor"})]

    # After the escalation, the customer's messages never reach the endpoint.
    for text in ("hello?", "Where is my order?"):
        later = say(customer, text)
        assert later.status_code == 201
        assert "ai_response" not in later.json()
    assert fake.calls == 1
    assert provider_calls.total() == 1


# --- configuration ----------------------------------------------------------------------


@pytest.fixture
def openai_configured(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings.AI_PROVIDER = "openai"
    settings.AI_BASE_URL = "http://localhost:11434/v1"
    settings.AI_API_KEY = ""
    settings.AI_TIMEOUT_SECONDS = 7.5
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr(providers, "_configured", None)  # restored after the test
    return settings


def test_openai_without_a_model_fails_loudly_at_first_use(openai_configured, customer):
    openai_configured.AI_MODEL = ""

    with pytest.raises(ImproperlyConfigured, match=r"AI_PROVIDER=openai needs AI_MODEL"):
        say(customer, "Tell me about refunds")


def test_openai_without_a_base_url_or_model_names_both(openai_configured):
    openai_configured.AI_MODEL = ""
    openai_configured.AI_BASE_URL = ""

    with pytest.raises(ImproperlyConfigured) as error:
        providers.get_provider()

    assert "AI_MODEL" in str(error.value)
    assert "AI_BASE_URL" in str(error.value)


def test_an_unknown_provider_names_the_known_ones(openai_configured):
    openai_configured.AI_PROVIDER = "gpt"

    with pytest.raises(ImproperlyConfigured, match="'builtin' or 'openai'"):
        providers.get_provider()


def test_the_configured_client_uses_the_settings_and_never_retries(openai_configured):
    provider = providers.get_provider()

    assert isinstance(provider, OpenAIProvider)
    assert provider.model == MODEL
    client = provider.client  # built on first use, without OPENAI_API_KEY in the environment
    assert client.max_retries == 0
    assert client.timeout == 7.5
    assert str(client.base_url) == "http://localhost:11434/v1/"
    assert provider.client is client
