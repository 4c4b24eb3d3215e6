"""The `openai` provider: any OpenAI-compatible chat-completions endpoint (OpenAI itself, vLLM,
llama.cpp's server, Ollama, LM Studio, ...). docs/assistant.md, "LLM providers".

The model sees only what the ReplyContext holds (the customer's order facts, the matching
knowledge articles, the recent transcript and the new message) and may call two tools:
``handoff_to_human`` (the turn ends with an escalation; anything it wrote alongside is
discarded) and ``cannot_answer`` (a reply marked as a fallback, so that repeated ones hand
the conversation to a human).

Every failure — timeout, connection error, any HTTP error status, a malformed or empty
answer — is raised as ProviderError; nothing else escapes. The caller (turns.py) retries once
and then escalates, so the client itself never retries (``max_retries=0``).
"""

import json
import logging
import re
import threading
from typing import Any

import openai
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .answers import template
from .providers import AssistantReply, KnowledgeFact, OrderFact, ProviderError, ReplyContext

logger = logging.getLogger(__name__)

HANDOFF_TOOL = "handoff_to_human"
CANNOT_ANSWER_TOOL = "cannot_answer"
HANDOFF_REASON_MAX_LENGTH = 500
# When AI_API_KEY is empty (local servers need none): the SDK refuses an empty key.
_NO_KEY = "no-key"

LANGUAGE_NAMES = {
    "en": "English",
    "ml": "Malayalam, in Malayalam script (മലയാളം)",
    "ml-Latn": "Manglish: Malayalam written in Latin letters, as Keralites text",
}

SYSTEM_PROMPT = """\
You are the Kerala Sellers assistant, the customer-support chat of Kerala Sellers, an Indian \
online marketplace.
Rules:
- Answer only from the order facts and the knowledge articles below. Never invent or guess an \
order status, a date, an amount or a policy. If an order the customer names is not listed, \
say you cannot see it on their account.
- Answer in the customer's language: {language_name} (code {language}). Be brief: a few short \
sentences.
- If the facts below do not answer the question, call {cannot_answer} instead of answering.
- If the customer asks for a human, or needs something only a person can do, call {handoff}.
- Never promise refunds, replacements or compensation beyond what the articles say.
Today is {today}."""

TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": HANDOFF_TOOL,
            "description": (
                "Hand the customer to a human support agent. Call it when the customer asks "
                "for a human, or when you cannot help them and a person must act. The "
                "conversation then goes to an agent and you stop replying."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "reason": {
                        "type": "string",
                        "description": "One sentence for the agent: why a human is needed.",
                    }
                },
                "required": ["reason"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": CANNOT_ANSWER_TOOL,
            "description": (
                "Use instead of a normal answer when the order facts and knowledge articles "
                "given do not answer the customer's question (unknown order, no matching "
                "policy, unclear question)."
            ),
            "parameters": {
                "type": "object",
                "properties": {
                    "reply": {
                        "type": "string",
                        "description": (
                            "A short message to the customer, in their language: you could not "
                            "help with this, and they can ask for a human agent."
                        ),
                    }
                },
                "required": ["reply"],
            },
        },
    },
]

_ROLES = {"user": "user", "ai": "assistant"}  # system notices (and anything else) are skipped
_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


class OpenAIProvider:
    """Answers with an OpenAI-compatible chat-completions endpoint.

    Without ``client``, one is built from the settings (AI_BASE_URL, AI_API_KEY,
    AI_TIMEOUT_SECONDS) at the first reply; AI_MODEL and AI_BASE_URL are checked at once.
    """

    name = "openai"

    def __init__(self, client: openai.OpenAI | None = None, *, model: str | None = None) -> None:
        self.model = model or settings.AI_MODEL
        missing = []
        if not self.model:
            missing.append("AI_MODEL (the model name, e.g. gpt-4o-mini or llama3.1:8b)")
        if client is None and not settings.AI_BASE_URL:
            missing.append("AI_BASE_URL (the endpoint, e.g. http://localhost:11434/v1)")
        if missing:
            raise ImproperlyConfigured(
                "AI_PROVIDER=openai needs " + " and ".join(missing) + ", and neither may be empty."
            )
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self) -> openai.OpenAI:
        with self._lock:
            if self._client is None:
                self._client = openai.OpenAI(
                    base_url=settings.AI_BASE_URL,
                    api_key=settings.AI_API_KEY or _NO_KEY,
                    timeout=settings.AI_TIMEOUT_SECONDS,
                    max_retries=0,  # turns.py retries once, then escalates
                )
            return self._client

    def reply(self, context: ReplyContext) -> AssistantReply:
        try:
            return self._reply(context)
        except ProviderError as error:
            logger.warning("openai provider: %s (%s)", error, context.conversation_id)
            raise
        except openai.APITimeoutError as error:
            raise self._failed(context, "the request timed out", error) from error
        except openai.APIConnectionError as error:
            raise self._failed(context, "could not connect to the endpoint", error) from error
        except openai.APIStatusError as error:
            raise self._failed(context, f"HTTP {error.status_code}", error) from error
        except Exception as error:  # anything else the SDK or the response throws at us
            raise self._failed(context, f"unexpected {type(error).__name__}", error) from error

    def _failed(self, context: ReplyContext, what: str, error: Exception) -> ProviderError:
        logger.warning("openai provider: %s (%s): %s", what, context.conversation_id, error)
        return ProviderError(what)

    def _reply(self, context: ReplyContext) -> AssistantReply:
        raw = self.client.chat.completions.with_raw_response.create(
            model=self.model,
            messages=build_messages(context),  # type: ignore[arg-type]
            tools=TOOLS,  # type: ignore[arg-type]
        )
        try:
            data = json.loads(raw.text)
        except ValueError as error:
            raise ProviderError("the response is not JSON") from error
        return parse_completion(data, context.language)


def build_messages(context: ReplyContext) -> list[dict[str, str]]:
    """The request's messages: one system message (instructions and facts), the transcript
    as user/assistant turns, then the new message."""
    language = context.language
    system = SYSTEM_PROMPT.format(
        language_name=LANGUAGE_NAMES.get(language, language),
        language=language,
        cannot_answer=CANNOT_ANSWER_TOOL,
        handoff=HANDOFF_TOOL,
        today=timezone.localdate().isoformat(),
    )
    system += "\n\n" + render_facts(context)
    history = list(context.history)
    if history and history[-1] == ("user", context.text):
        history.pop()  # the new message is already stored: it comes last, below
    turns: list[dict[str, str]] = []
    for sender, text in [*history, ("user", context.text)]:
        role = _ROLES.get(sender)
        if role is None or not text.strip():
            continue
        if turns and turns[-1]["role"] == role:
            # Some chat templates insist on alternating roles.
            turns[-1]["content"] += "\n" + text
        else:
            turns.append({"role": role, "content": text})
    return [{"role": "system", "content": system}, *turns]


NOT_SIGNED_IN = (
    "Orders: this customer is not signed in at the shop, so who they are is unknown and no "
    "order facts are given. If they ask about an order, say that you can look "
    "up orders only when they sign in to Kerala Sellers and open this chat from there, or that "
    "they can ask for a human agent. Never say anything about any order."
)


def render_facts(context: ReplyContext) -> str:
    if not context.customer_verified:
        return "\n".join([NOT_SIGNED_IN, *_knowledge_lines(context)])
    lines = ["Orders on this customer's account (as the shop last reported them):"]
    if context.orders:
        lines += [_order_line(order) for order in context.orders]
    else:
        lines.append("- none found")
    found = {order.order_number for order in context.orders}
    unknown = [n for n in context.order_numbers_mentioned if n not in found]
    if unknown:
        lines.append(
            "Orders the customer named that are NOT on their account (you know nothing about "
            "them): " + ", ".join(unknown)
        )
    return "\n".join([*lines, *_knowledge_lines(context)])


def _knowledge_lines(context: ReplyContext) -> list[str]:
    if not context.knowledge:
        return ["Knowledge articles:", "- none matches this question"]
    return ["Knowledge articles:", *[_article_line(article) for article in context.knowledge]]


def _order_line(order: OrderFact) -> str:
    parts = [f"status {order.status}"]
    items = ", ".join(item for item in order.items if item)
    if items:
        parts.append(f"items: {items}")
    parts.append(f"total ₹{order.total_rupees}")
    parts.append(f"payment {order.payment_method}")
    parts.append(f"placed {order.placed_on.isoformat()}")
    if order.expected_delivery:
        parts.append(f"expected delivery {order.expected_delivery.isoformat()}")
    if order.delivered_on:
        parts.append(f"delivered {order.delivered_on.isoformat()}")
    return f"- {order.order_number}: " + "; ".join(parts)


def _article_line(article: KnowledgeFact) -> str:
    return f"- [{article.slug}] {article.title}: {article.text}"


def parse_completion(data: Any, language: str) -> AssistantReply:
    """The reply in a chat-completions response body; ProviderError when it holds none."""
    if not isinstance(data, dict):
        raise ProviderError("the response is not a JSON object")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ProviderError("the response has no choices")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise ProviderError("the first choice has no message")
    calls = message.get("tool_calls") or []
    if not isinstance(calls, list):
        raise ProviderError("tool_calls is not a list")
    requested = [_tool_call(call) for call in calls]
    for name, arguments in requested:
        if name == HANDOFF_TOOL:
            # A handoff ends the turn: whatever the model wrote alongside is not posted.
            reason = _string_argument(arguments, "reason")
            return AssistantReply(
                text="",
                handoff_requested=True,
                handoff_reason=reason[:HANDOFF_REASON_MAX_LENGTH],
            )
    content = _content(message.get("content"))
    for name, arguments in requested:
        if name == CANNOT_ANSWER_TOOL:
            text = _string_argument(arguments, "reply") or content
            return AssistantReply(text=_clip(text or template("fallback", language)), fallback=True)
    if not content:
        raise ProviderError("the answer is empty")
    return AssistantReply(text=_clip(content))


def _tool_call(call: Any) -> tuple[str, dict[str, Any]]:
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict):
        raise ProviderError("a tool call has no function")
    name = function.get("name")
    if name not in (HANDOFF_TOOL, CANNOT_ANSWER_TOOL):
        raise ProviderError(f"the model called an unknown tool {name!r}")
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError as error:
            raise ProviderError(f"the arguments of {name} are not JSON") from error
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise ProviderError(f"the arguments of {name} are not an object")
    return name, arguments


def _string_argument(arguments: dict[str, Any], key: str) -> str:
    value = arguments.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ProviderError(f"the tool argument {key!r} is not a string")
    return value.strip()


def _content(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):  # content parts, as some servers send them
        value = "".join(part.get("text", "") for part in value if isinstance(part, dict))
    if not isinstance(value, str):
        raise ProviderError("the answer is not text")
    return _THINKING.sub("", value).strip()  # reasoning models may think out loud


def _clip(text: str) -> str:
    return text[: settings.MESSAGE_MAX_LENGTH].strip()
