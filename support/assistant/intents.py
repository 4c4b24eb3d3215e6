"""Intent detection: what the customer wants from one message.

Rules first: an explicit request for a human must never be missed, so the escalation
patterns run before anything else and win. The rest are keyword rules over English.
"""

import re
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    GREETING = "greeting"
    ORDER_STATUS = "order_status"
    CANCEL_ORDER = "cancel_order"
    REFUND = "refund"
    RETURN = "return"
    PAYMENT = "payment"
    DELIVERY = "delivery"
    THANKS = "thanks"
    ESCALATION = "escalation"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class IntentPrediction:
    intent: Intent
    confidence: float
    source: str  # "rule" or the model's name


_HUMAN = (
    r"(human|person|real (?:person|human)|agent|representative|executive|someone|staff"
    r"|operator|customer care|customer service|support team|manager)"
)
_STAFF = r"(human|real person|person|agent|representative|executive|operator|manager)"
_ESCALATION_PATTERNS = [
    rf"\b(talk|speak|chat|connect|transfer|put)\b.{{0,30}}\b{_HUMAN}\b",
    rf"\b(get|need|want|give)\b.{{0,20}}\b{_STAFF}\b",
    rf"\b{_STAFF}\b.{{0,20}}\b(please|pls|plz|now|asap)\b",
    r"\blive (agent|chat|support|person)\b",
    r"\b(not|no|stop) (talking|chatting) (to|with) (a )?(bot|robot|machine|ai)\b",
    r"\bescalate\b",
]
_ESCALATION = [re.compile(p, re.IGNORECASE) for p in _ESCALATION_PATTERNS]
_NOT_A_REQUEST = re.compile(
    r"\b(are you|r u|is this) (a |an )?(human|bot|robot|real person|ai)\b", re.IGNORECASE
)

_KEYWORDS: list[tuple[Intent, re.Pattern[str]]] = [
    (Intent.CANCEL_ORDER, re.compile(r"\bcancel", re.IGNORECASE)),
    (Intent.REFUND, re.compile(r"\b(refund|money back|reimburse)", re.IGNORECASE)),
    (Intent.RETURN, re.compile(r"\b(return|exchange|replace(ment)?)\b", re.IGNORECASE)),
    (
        Intent.PAYMENT,
        re.compile(
            r"\b(pay|payment|paid|upi|card|debit|credit|charged|cod|cash on delivery)\b",
            re.IGNORECASE,
        ),
    ),
    (
        Intent.ORDER_STATUS,
        re.compile(
            r"\b(where is|status|track|tracking)\b.*\border|\border\b.*\b(status|where)|"
            r"\bks-\d+",
            re.IGNORECASE,
        ),
    ),
    (
        Intent.DELIVERY,
        re.compile(r"\b(deliver|delivery|shipping|ship|courier|arrive|dispatch)", re.IGNORECASE),
    ),
    (Intent.THANKS, re.compile(r"\b(thanks|thank you|thx|ty|nanni)\b", re.IGNORECASE)),
    (
        Intent.GREETING,
        re.compile(
            r"^\s*(hi|hello|hey|namaskaram|good (morning|afternoon|evening))\b", re.IGNORECASE
        ),
    ),
]


def is_explicit_human_request(text: str) -> bool:
    if _NOT_A_REQUEST.search(text) and not re.search(r"\b(talk|speak|connect)\b", text, re.I):
        return False
    return any(pattern.search(text) for pattern in _ESCALATION)


def detect_intent(text: str) -> IntentPrediction:
    if is_explicit_human_request(text):
        return IntentPrediction(Intent.ESCALATION, 1.0, "rule")
    for intent, pattern in _KEYWORDS:
        if pattern.search(text):
            return IntentPrediction(intent, 0.9, "rule")
    return IntentPrediction(Intent.UNKNOWN, 0.0, "rule")
