"""The handoff brief: what an agent needs the moment a conversation reaches them.

Built in the escalation's transaction from what is stored, so it always matches the
transcript. Staff only: the API never shows it to the customer.
"""

from typing import Any

from support.orders.services import order_numbers_in, orders_for

from .actors import Actor
from .models import SupportConversation, SupportMessage
from .states import Sender

LAST_MESSAGES = 10


def _stamp(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def build_brief(
    conversation: SupportConversation, *, actor: Actor, source: str, reason: str
) -> dict[str, Any]:
    messages = list(
        SupportMessage.objects.filter(conversation=conversation, is_private=False).order_by("id")
    )
    customer_texts = [m.text for m in messages if m.sender == Sender.USER]
    intents = list(
        dict.fromkeys(
            m.detected_intent for m in messages if m.sender == Sender.USER and m.detected_intent
        )
    )
    mentioned = list(
        dict.fromkeys(number for text in customer_texts for number in order_numbers_in(text))
    )
    found = {o.order_number: o for o in orders_for(user_id=conversation.user_id, numbers=mentioned)}
    orders = []
    for number in mentioned:
        order = found.get(number)
        due = order.expected_delivery if order else None
        orders.append(
            {
                "order_number": number,
                "found": order is not None,
                "status": order.status if order else None,
                "expected_delivery": due.isoformat() if due else None,
            }
        )
    return {
        "source": source,
        "reason": reason,
        "escalated_by": {"kind": actor.kind, "id": actor.actor_id},
        "language": conversation.language,
        "intents": intents,
        "orders_mentioned": orders,
        "customer_messages": len(customer_texts),
        "assistant_fallbacks": conversation.assistant_fallbacks,
        "last_messages": [
            {
                "message_id": m.pk,
                "sender": m.sender,
                "message": m.text,
                "detected_intent": m.detected_intent or None,
                "created_at": _stamp(m.created_at),
            }
            for m in messages[-LAST_MESSAGES:]
        ],
    }
