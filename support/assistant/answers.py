"""The built-in assistant's answers, in English, Malayalam and Manglish.

Answers are grounded: order facts come from the customer's real order rows, policies from
the knowledge base. When neither helps, the answer says so, offers a human and is marked as
a fallback (two in a row hand the conversation to an agent).

Orders are only ever described to customers the shop vouched for. Any other customer who asks
about an order is told that orders need them signed in at the shop, and offered a human. That
answer is not a fallback: it is the whole truth, not a failure to understand, and counting it
would send every guest who asks twice to an agent instead of to the shop's sign-in.
"""

from datetime import date

from .intents import Intent
from .providers import AssistantReply, OrderFact, ReplyContext

EN, ML, MANGLISH = "en", "ml", "ml-Latn"

TEMPLATES: dict[str, dict[str, str]] = {
    "greeting": {
        EN: "Hello! I'm the Kerala Sellers assistant. How can I help you today?",
        ML: "നമസ്കാരം! ഞാൻ Kerala Sellers സഹായിയാണ്. ഇന്ന് എങ്ങനെ സഹായിക്കാം?",
        MANGLISH: "Namaskaaram! Njan Kerala Sellers assistant aanu. Innu engane sahaayikkaam?",
    },
    "thanks": {
        EN: "You're welcome! Is there anything else I can help you with?",
        ML: "സന്തോഷം! മറ്റെന്തെങ്കിലും സഹായം വേണോ?",
        MANGLISH: "Santhosham! Vere enthenkilum sahaayam veno?",
    },
    "fallback": {
        EN: (
            "Sorry, I couldn't help with that. I can answer questions about orders, delivery, "
            "returns, refunds and payments, or you can tap “Talk to a human” for an agent."
        ),
        ML: (
            "ക്ഷമിക്കണം, അതിൽ എനിക്ക് സഹായിക്കാൻ കഴിഞ്ഞില്ല. ഓർഡർ, ഡെലിവറി, റിട്ടേൺ, റീഫണ്ട്, "
            "പേയ്മെന്റ് എന്നിവയെക്കുറിച്ച് ചോദിക്കാം; അല്ലെങ്കിൽ ഏജന്റിനോട് സംസാരിക്കാൻ "
            "“Talk to a human” അമർത്തുക."
        ),
        MANGLISH: (
            "Kshamikkanam, athil enikku sahaayikkaan kazhinjilla. Order, delivery, return, "
            "refund, payment ivaye kurichu chodikkaam; allenkil agent-inodu samsaarikkaan "
            "“Talk to a human” amarthuka."
        ),
    },
    "ask_order_number": {
        EN: (
            "I couldn't find any orders on your account. Please share your order number "
            "(it looks like KS-10023) and I'll check it."
        ),
        ML: ("നിങ്ങളുടെ അക്കൗണ്ടിൽ ഓർഡറുകളൊന്നും കണ്ടില്ല. ഓർഡർ നമ്പർ (KS-10023 പോലെ) അയക്കൂ, ഞാൻ പരിശോധിക്കാം."),
        MANGLISH: (
            "Ningalude account-il order onnum kandilla. Order number (KS-10023 pole) "
            "ayakkoo, njan nokkaam."
        ),
    },
    "order_not_found": {
        EN: (
            "I couldn't find order {numbers} on your account, so I can't tell its status. "
            "Please check the number, or tap “Talk to a human” and an agent will look into it."
        ),
        ML: (
            "{numbers} എന്ന ഓർഡർ നിങ്ങളുടെ അക്കൗണ്ടിൽ കണ്ടില്ല, അതിനാൽ അതിന്റെ നില പറയാൻ "
            "കഴിയില്ല. നമ്പർ ഒന്നുകൂടി നോക്കൂ, അല്ലെങ്കിൽ “Talk to a human” അമർത്തുക."
        ),
        MANGLISH: (
            "{numbers} enna order ningalude account-il kandilla, athukondu athinte status "
            "parayaan pattilla. Number onnukoodi nokkoo, allenkil “Talk to a human” amarthuka."
        ),
    },
    "sign_in_for_orders": {
        EN: (
            "Sorry, I can't look up orders because you're not signed in to Kerala Sellers. "
            "Sign in at the shop and open this chat from there, and I'll check your order. "
            "Or tap “Talk to a human” and an agent will help."
        ),
        ML: (
            "ക്ഷമിക്കണം, നിങ്ങൾ Kerala Sellers-ൽ സൈൻ ഇൻ ചെയ്തിട്ടില്ലാത്തതിനാൽ എനിക്ക് ഓർഡറുകൾ "
            "നോക്കാൻ കഴിയില്ല. ഷോപ്പിൽ സൈൻ ഇൻ ചെയ്ത് അവിടെ നിന്ന് ഈ ചാറ്റ് തുറന്നാൽ ഞാൻ "
            "നിങ്ങളുടെ ഓർഡർ പരിശോധിക്കാം. അല്ലെങ്കിൽ “ഒരു ഏജന്റുമായി സംസാരിക്കുക” അമർത്തുക, "
            "ഒരു ഏജന്റ് സഹായിക്കും."
        ),
        MANGLISH: (
            "Kshamikkanam, ningal Kerala Sellers-il sign in cheythittillaathathu kondu enikku "
            "orders nokkaan pattilla. Shop-il sign in cheythu avide ninnu ee chat thurannaal "
            "njan ningalude order nokkaam. Allenkil “Oru agent-umaayi samsaarikkuka” "
            "amarthuka, oru agent sahaayikkum."
        ),
    },
    "your_orders": {
        EN: "Here are your latest orders:",
        ML: "നിങ്ങളുടെ അവസാന ഓർഡറുകൾ:",
        MANGLISH: "Ningalude avasaana orders:",
    },
}

STATUS_WORDS: dict[str, dict[str, str]] = {
    "placed": {EN: "placed", ML: "ഓർഡർ ചെയ്തു", MANGLISH: "order cheythu"},
    "packed": {EN: "packed", ML: "പാക്ക് ചെയ്തു", MANGLISH: "pack cheythu"},
    "shipped": {EN: "shipped", ML: "ഷിപ്പ് ചെയ്തു", MANGLISH: "ship cheythu"},
    "out_for_delivery": {
        EN: "out for delivery",
        ML: "ഡെലിവറിക്കായി പുറപ്പെട്ടു",
        MANGLISH: "delivery-kku purappettu",
    },
    "delivered": {EN: "delivered", ML: "ഡെലിവർ ചെയ്തു", MANGLISH: "deliver cheythu"},
    "cancelled": {EN: "cancelled", ML: "റദ്ദാക്കി", MANGLISH: "cancel cheythu"},
    "return_requested": {
        EN: "return requested",
        ML: "തിരിച്ചയക്കാൻ അപേക്ഷിച്ചു",
        MANGLISH: "return request cheythu",
    },
    "returned": {EN: "returned", ML: "തിരിച്ചയച്ചു", MANGLISH: "return cheythu"},
    "refunded": {EN: "refunded", ML: "പണം തിരികെ നൽകി", MANGLISH: "refund cheythu"},
}

_EXPECTED = {EN: "expected by {date}", ML: "{date}-നകം പ്രതീക്ഷിക്കുന്നു", MANGLISH: "{date}-nakam ethum"}
_DELIVERED_ON = {EN: "on {date}", ML: "{date}-ന്", MANGLISH: "{date}-nu"}

# Intents whose answer is an order's facts first, then the matching policy.
ORDER_INTENTS = {
    Intent.ORDER_STATUS,
    Intent.DELIVERY,
    Intent.CANCEL_ORDER,
    Intent.RETURN,
    Intent.REFUND,
}


def template(name: str, language: str, **values: str) -> str:
    texts = TEMPLATES[name]
    return texts.get(language, texts[EN]).format(**values)


def _date(value: date) -> str:
    return value.strftime("%a %d %b")


def describe_order(order: OrderFact, language: str) -> str:
    words = STATUS_WORDS.get(order.status, {EN: order.status})
    status = words.get(language, words[EN])
    items = ", ".join(i for i in order.items if i) or order.order_number
    line = f"{order.order_number} ({items}): {status}"
    if order.status == "delivered" and order.delivered_on:
        line += " " + _DELIVERED_ON.get(language, _DELIVERED_ON[EN]).format(
            date=_date(order.delivered_on)
        )
    elif order.expected_delivery and order.status in (
        "placed",
        "packed",
        "shipped",
        "out_for_delivery",
    ):
        line += ", " + _EXPECTED.get(language, _EXPECTED[EN]).format(
            date=_date(order.expected_delivery)
        )
    return line + "."


def compose(context: ReplyContext) -> AssistantReply:
    intent = context.prediction.intent
    language = context.language
    if intent == Intent.ESCALATION:
        return AssistantReply(text="", handoff_requested=True, handoff_reason=context.text)
    if intent in (Intent.GREETING, Intent.THANKS):
        return AssistantReply(text=template(intent.value, language))
    parts: list[str] = []
    # About the customer's own order, or only a policy ("how do refunds work?": no order).
    own = (
        intent == Intent.ORDER_STATUS
        or bool(context.order_numbers_mentioned)
        or context.about_own_order
    )
    if intent in ORDER_INTENTS and not context.customer_verified:
        # No orders were read (context.py). About an order: say why, then any policy below.
        if own:
            parts.append(template("sign_in_for_orders", language))
    elif intent in ORDER_INTENTS and own:
        found = {order.order_number for order in context.orders}
        missing = [n for n in context.order_numbers_mentioned if n not in found]
        if missing:
            # Never guess the status of an order we cannot see.
            return AssistantReply(
                text=template("order_not_found", language, numbers=", ".join(missing)),
                fallback=True,
            )
        if context.orders:
            if not context.order_numbers_mentioned:
                parts.append(template("your_orders", language))
            parts.extend(describe_order(order, language) for order in context.orders)
        elif intent == Intent.ORDER_STATUS:
            return AssistantReply(text=template("ask_order_number", language), fallback=True)
    # The matching policy, except after an order status (the facts are the answer there).
    if context.knowledge and (intent != Intent.ORDER_STATUS or not parts):
        parts.append(context.knowledge[0].text)
    if not parts:
        return AssistantReply(text=template("fallback", language), fallback=True)
    return AssistantReply(text="\n".join(parts))
