"""A customer's turn: store the message, then let the assistant answer if it still may.

The assistant's answer is generated outside any transaction and stored by
``do_post_ai_reply``, which re-checks the status under the row lock (DESIGN.md section 1):

1. the message is stored (and the conversation escalated, for an explicit request);
2. if the conversation is not open, the turn ends: no provider call;
3. the status is read again just before the provider is called (with the history the
   assistant reads, and before a retry);
4. the reply is stored only if the conversation is still open under the lock.
"""

import contextlib
import logging
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings

from support.common.errors import Conflict
from support.conversations import actions
from support.conversations.actors import ASSISTANT, Actor
from support.conversations.idempotency import IdempotencyKey
from support.conversations.models import IdempotencyRecord, SupportConversation, SupportMessage
from support.conversations.states import AI_STATUSES, EscalationSource, Status

from .context import build_context
from .intents import Intent, IntentPrediction, detect_intent
from .language import clear_language
from .providers import (
    AssistantReply,
    ProviderError,
    call_provider,
    get_provider,
)
from .rules import match_rule

logger = logging.getLogger(__name__)

PROVIDER_ATTEMPTS = 2  # one retry


@dataclass(frozen=True)
class CustomerTurn:
    message: SupportMessage
    conversation: SupportConversation
    prediction: IntentPrediction
    ai_reply: SupportMessage | None
    idempotency_record: IdempotencyRecord | None


def handle_customer_message(
    *,
    actor: Actor,
    conversation_id: UUID,
    text: str,
    idempotency_key: IdempotencyKey | None = None,
) -> CustomerTurn:
    prediction = detect_intent(text)
    escalation = _escalation_for(text, prediction)
    posted = actions.do_post_user_message(
        actor=actor,
        conversation_id=conversation_id,
        text=text,
        detected_intent=prediction.intent,
        intent_confidence=prediction.confidence,
        # Short or ambiguous messages (None) keep the conversation's language.
        language=clear_language(text),
        escalation=escalation,
        idempotency_key=idempotency_key,
    )
    ai_reply = None
    conversation = posted.conversation
    if conversation.status == Status.OPEN:
        ai_reply = _answer(conversation, posted.message, prediction)
        if ai_reply is not None:
            conversation = ai_reply.conversation  # as the reply's transaction left it
        else:
            # Escalated meanwhile, or by the assistant's own turn: read it again.
            conversation.refresh_from_db()
    return CustomerTurn(
        message=posted.message,
        conversation=conversation,
        prediction=prediction,
        ai_reply=ai_reply,
        idempotency_record=posted.idempotency_record,
    )


def _escalation_for(text: str, prediction: IntentPrediction) -> actions.EscalationRequest | None:
    """An explicit request for a human, or a keyword rule (fraud, legal threats)."""
    if prediction.intent == Intent.ESCALATION:
        return actions.EscalationRequest(source=EscalationSource.INTENT, reason=text)
    rule = match_rule(text)
    if rule is not None:
        return actions.EscalationRequest(
            source=EscalationSource.RULE, reason=f"{rule.reason} ({rule.name} rule): {text}"
        )
    return None


def _still_open(conversation_id: UUID) -> bool:
    return SupportConversation.objects.filter(
        conversation_id=conversation_id, status__in=AI_STATUSES
    ).exists()


def _answer(
    conversation: SupportConversation, message: SupportMessage, prediction: IntentPrediction
) -> SupportMessage | None:
    conversation_id = conversation.conversation_id
    context = build_context(conversation, message, prediction)
    if context is None:
        return None  # escalated or resolved meanwhile: the assistant stays silent
    provider = get_provider()
    reply: AssistantReply | None = None
    for attempt in range(1, PROVIDER_ATTEMPTS + 1):
        # The first check is the status read with the history, just before this call.
        if attempt > 1 and not _still_open(conversation_id):
            return None
        try:
            reply = call_provider(provider, context)
            break
        except ProviderError:
            logger.warning(
                "provider %s failed for %s (attempt %d)", provider.name, conversation_id, attempt
            )
    if reply is None:
        _escalate(conversation_id, EscalationSource.AI_FAILURE, "The assistant could not answer.")
        return None
    if reply.handoff_requested:
        # A handoff ends the assistant's turn: nothing it wrote alongside is posted.
        _escalate(conversation_id, EscalationSource.INTENT, reply.handoff_reason or message.text)
        return None
    return actions.do_post_ai_reply(
        conversation_id=conversation_id,
        in_reply_to_id=message.pk,
        text=reply.text,
        detected_intent=prediction.intent,
        fallback=reply.fallback,
        fallback_limit=settings.ASSISTANT_FALLBACK_LIMIT,
    )


def _escalate(conversation_id: UUID, source: EscalationSource, reason: str) -> None:
    """Escalate on the assistant's behalf if nobody else did meanwhile."""
    # Conflict: someone else escalated or resolved it meanwhile; nothing left to do.
    with contextlib.suppress(Conflict):
        actions.do_escalate_conversation(
            actor=ASSISTANT, conversation_id=conversation_id, reason=reason, source=source
        )
