"""The built-in assistant: templated answers per intent, no network."""

from .intents import Intent
from .providers import AssistantReply, ReplyContext

_ANSWERS: dict[Intent, str] = {
    Intent.GREETING: "Hello! I'm the Kerala Sellers assistant. How can I help you today?",
    Intent.ORDER_STATUS: (
        "I can help you track your order. Please share your order number (it looks like "
        "KS-10023); you can also see every order's status under My Orders."
    ),
    Intent.CANCEL_ORDER: (
        "Orders can be cancelled from My Orders until they are shipped. If yours has already "
        "shipped, you can refuse the delivery or return it after it arrives."
    ),
    Intent.REFUND: (
        "Refunds go back to your original payment method within 5-7 working days after the "
        "seller receives the returned item. Cash-on-delivery orders are refunded to your bank "
        "account or UPI ID."
    ),
    Intent.RETURN: (
        "Most items can be returned within 7 days of delivery. Open the order in My Orders and "
        "choose Return; a courier will pick it up."
    ),
    Intent.PAYMENT: (
        "If money was deducted but the order failed, it is refunded automatically within "
        "5 working days. We accept UPI, cards, net banking and cash on delivery."
    ),
    Intent.DELIVERY: (
        "Delivery within Kerala usually takes 2-5 days; remote areas can take up to 7. "
        "You get tracking details by SMS once the order ships."
    ),
    Intent.THANKS: "You're welcome! Is there anything else I can help you with?",
    Intent.UNKNOWN: (
        "Sorry, I didn't understand that. I can help with orders, delivery, returns, refunds "
        "and payments. You can also ask to talk to a human agent."
    ),
}


class BuiltinProvider:
    name = "builtin"

    def reply(self, context: ReplyContext) -> AssistantReply:
        intent = context.prediction.intent
        if intent == Intent.ESCALATION:
            return AssistantReply(text="", handoff_requested=True, handoff_reason=context.text)
        return AssistantReply(text=_ANSWERS.get(intent, _ANSWERS[Intent.UNKNOWN]))
