"""High-precision rules for an explicit request for a human, in English, Malayalam and Manglish.

A request needs two things near each other: someone human (agent, executive, a person,
customer care, "oru aal", "ഏജന്റ്") and a request to reach them (talk, connect, transfer,
"samsarikkanam", "vilikku", "കണക്ട് ചെയ്യൂ"). Weak verbs (want, give, call, "venam",
"tharu") do not count when the message asks for contact details ("customer care number
venam" asks for a number, not a handoff). Questions about the assistant itself ("are you a
real person?", "nee bot aano?") and people who are not support staff ("the delivery agent
did not call") are not requests. Angry words alone never are.

The rules run on ``normalize``d text, so the Malayalam patterns below are normalised too.
"""

import re

from .text import normalize, tokens, unify_malayalam

_SEP = r"[\s\-_.']*"  # "agent-ine", "agent ine", "agentine"

# People who are not support staff: removed before matching.
_NOT_STAFF = re.compile(
    unify_malayalam(
        r"\b(delivery|courier|shipping|pickup|pick up|sales|travel|insurance|field|post)"
        r"[\s\-]*(agent|person|guy|boy|man|executive|staff|aal|chettan)\w*"
        r"|(ഡെലിവറി|കൊറിയർ|പിക്കപ്പ്)\s*(ബോയ്|ഏജന്റ്|ആൾ|ചേട്ടൻ)\S*"
    )
)

# English

_EN_STAFF = (
    r"(human|humans|human being|person|people|someone|somebody|some one|agent|agents"
    r"|representative|rep|executive|operator|staff|staff member|supervisor|manager"
    r"|assistant|advisor|customer (care|service|support)( team| executive| agent)?"
    r"|support (team|executive|agent|staff)|live (agent|person|chat|support))"
)
_EN_PERSON = (
    r"(human|human being|person|someone|somebody|agent|representative|executive|operator"
    r"|staff|supervisor|manager|assistant|live agent|live person)"
)
_EN_STRONG = (
    r"(talk|talking|speak|speaking|chat|chatting|connect|connecting|transfer|transferring"
    r"|put me through|pass me|hand me over|hand (this |it |the chat )?over|direct me"
    r"|direct to me|escalate)"
)
_EN_WEAK = r"(want|need|get|give|bring|send|reach)"
_ENGLISH_STRONG = [
    rf"\b{_EN_STRONG}\b.{{0,40}}\b{_EN_STAFF}\b",
    rf"\b{_EN_STAFF}\b.{{0,30}}\b(i|we) (can|could) (talk|speak|chat)\b",
    r"\blive (agent|chat|person|support|human)\b",
    r"\b(not|no|stop|don'?t want to|do not want to) (talking|chatting|talk|chat) (to|with) "
    r"(a |an |the |this )?(bot|robot|machine|ai|chatbot)\b",
    r"\bescalate\b",
    rf"\bput (a |an |some |your )?(real |live )?{_EN_PERSON} on\b",
    rf"\b(contact|contacting|direct|directing)\b.{{0,25}}\b{_EN_PERSON}\b",
    rf"^\W*(a |an |the |your )?(real |live |human )?{_EN_PERSON}( agent)?"
    r"\W*(please|pls|plz|now|asap)?\W*$",
]
_ENGLISH_WEAK = [
    rf"\b{_EN_WEAK}\b( me| us)?( with)?( to)? (a |an |the |some |your |any )?(real |live |"
    rf"actual |human )?{_EN_PERSON}\b",
    rf"\b{_EN_PERSON}\b\W{{0,3}}(please|pls|plz|now|asap)\b",
]

# Manglish (Malayalam in Latin letters)

_ML_STAFF = (
    r"(agent|ajent|ejent|executive|exicutive|excecutive|staff|manager|supervisor"
    r"|representative|customer\s*(care|service|support)|support\s*team|human|person"
    r"|manush[iy]*an|manushyar|oraal|aal(e|u|odu|umaa?yi|inodu|ine)?|real\s*aal"
    r"|aa?r[eo]?[dy]?[eo]?n?[gk]ilum|aarelum|aareyelum|aarodelum)"
)
_ML_STRONG = (
    r"(sams?aa?rik?k?(anam|anum|an|aam|amo|atte|ane)|connect|conect|transfer"
    r"|chat\s*cheyy?(anam|anum|an|amo|u|oo)|bandhippikk?(u|oo|anam)"
    r"|kaimaa?r(u|oo|anam|amo|aamo)|hand\s*over)"
)
_ML_WEAK = (
    r"(vilik?k?(u|uu|oo|o|amo|aamo|anam|ane)|venam|venum|veno|thar(u|oo|amo|aamo|ane)|tha"
    r"|kittumo|kittuvo|kittum|kodukk(u|oo|anam))"
)
_MANGLISH_STRONG = [
    rf"\b{_ML_STAFF}\w*{_SEP}.{{0,30}}(?<![a-z]){_ML_STRONG}",
    rf"(?<![a-z]){_ML_STRONG}\w*.{{0,30}}\b{_ML_STAFF}",
    r"\bbot\w*\s+(venda|vendaa|alla)\b",
]
_MANGLISH_WEAK = [rf"\b{_ML_STAFF}\w*{_SEP}.{{0,20}}\b{_ML_WEAK}\b"]
# Malayalam script

_ml = unify_malayalam
_MAL_STAFF = _ml(
    r"(ഏജന്റ|ഏജൻറ|എക്സിക്യൂട്ടീവ|എക്സിക്യുട്ടീവ|മനുഷ്യ|ആള|ഒരാള|ആരെങ്കിലു|ആരോടെങ്കിലു"
    r"|ആരെയെങ്കിലു|സ്റ്റാഫ|മാനേജ|സൂപ്പർവൈസ|കസ്റ്റമ(ർ|റ)?\s*(കെയ|സർവീ|സപ്പോ)"
    r"|സപ്പോർട്ട്\s*ടീ|പ്രതിനിധി|ഉദ്യോഗസ്ഥ|ഹ്യൂമൻ|ലൈവ്\s*ഏജന്റ|യഥാർത്ഥ\s*ആള)"
)
_MAL_STRONG = _ml(
    r"(സംസാരിക്ക(ണ|ാ|ട്ടെ)|കണക്ട്|ബന്ധിപ്പിക്ക|ട്രാൻസ്ഫർ|ചാറ്റ്\s*ചെയ്യ(ണ|ാ|ൂ)"
    r"|കൈമാറ(ൂ|ണം|ാമോ|ുക))"
)
_MAL_WEAK = _ml(r"(വേണം|തരൂ|തരു|തരാമോ|വിളിക്കൂ|വിളിക്കു|വിളിക്കാമോ|കിട്ടുമോ|പ്ലീസ്)")
_MALAYALAM_STRONG = [
    rf"{_MAL_STAFF}\S*.{{0,30}}{_MAL_STRONG}",
    rf"{_MAL_STRONG}\S*.{{0,30}}{_MAL_STAFF}",
    _ml(r"ബോട്ട്\S*\s+വേണ്ട"),
    _ml(r"^\W*(ഹ്യൂമൻ\s*)?(ഏജന്റ്|എക്സിക്യൂട്ടീവ്)\W*(പ്ലീസ്)?\W*$"),
]
_MALAYALAM_WEAK = [rf"{_MAL_STAFF}\S*.{{0,20}}{_MAL_WEAK}"]

# Contact details of the staff ("customer care number", "manager's email", "നമ്പർ"): with
# only a weak verb, the message asks for these rather than for a person.
_DETAILS = _ml(
    r"(number|numbr|no\b|phone|mobile|email|e-mail|mail|id|address|timing|timings|time"
    r"|hours|helpline|whatsapp|landline|office|നമ്പർ|ഫോൺ|ഇമെയിൽ|മെയിൽ|വിലാസം|അഡ്രസ്സ്|സമയം)"
)
_CONTACT_DETAILS = re.compile(
    rf"({_EN_STAFF}|{_ML_STAFF}|{_MAL_STAFF})('s|[a-z\u0d00-\u0d7f]*)\s+(contact\s+)?{_DETAILS}"
    rf"|\b{_DETAILS}\s+(of|for)\s+(the |your |a )?({_EN_STAFF}|{_ML_STAFF})"
)
# Questions about the assistant itself.
_ABOUT_THE_BOT = re.compile(
    r"\b(are|r) (you|u)\b|\bam i (talking|speaking|chatting)\b|\bis (this|it|that) (a |an )?"
    r"(real|human|bot|robot|person|ai|computer|machine)\b|\bif (you|u|your|you'?re) "
    r"|\b(nee|ningal|ithu)\b.{0,25}\b(aano|ano)\b|\b\w+(aano|ano)\b\s*\??$"
)
_NEGATED = re.compile(
    r"\b(don'?t|do not|dont|no need to|never)( want to| need to| wanna)? (talk|speak|connect"
    r"|transfer)\b(?!.{0,12}\b(bot|robot|machine|ai|chatbot)\b)"
    rf"|\b{_ML_STAFF}\w*{_SEP}(venda|vendaa)\b|{_MAL_STAFF}\S*\s*വേണ്ട"
)

# Reports of an earlier contact ("I talked to an agent", "customer care-il vilichu"): the
# model may not escalate these on its own (the rules still can, if a request follows).
PAST_CONTACT = re.compile(
    unify_malayalam(
        r"\b(talked|spoke|spoken|chatted|called|contacted|told|said|already)\b"
        r"|\b(vilichu|vilichittu|vilichappo|samsarichu|samsarichittu|paranju)\b"
        r"|വിളിച്ചു|വിളിച്ചിട്ട്|സംസാരിച്ചു|പറഞ്ഞു"
    )
)
_ASKS = re.compile(
    r"\b(want|need|let me|get me|give me|connect|transfer|please|pls|can i|could i"
    r"|venam|samsarikkanam)\b"
)

_STRONG = [re.compile(p) for p in _ENGLISH_STRONG + _MANGLISH_STRONG + _MALAYALAM_STRONG]
_WEAK = [re.compile(p) for p in _ENGLISH_WEAK + _MANGLISH_WEAK + _MALAYALAM_WEAK]


def reports_past_contact(text: str) -> bool:
    return bool(PAST_CONTACT.search(normalize(text)))


def is_explicit_human_request(text: str) -> bool:
    """True when the customer explicitly asks for a human, in any of the three languages."""
    normalized = _NOT_STAFF.sub(" ", normalize(text))
    strong = any(pattern.search(normalized) for pattern in _STRONG)
    weak = any(pattern.search(normalized) for pattern in _WEAK)
    if not (strong or weak):
        return False
    if _ABOUT_THE_BOT.search(normalized) and not _ASKS.search(normalized):
        return False
    if _NEGATED.search(normalized):
        return False
    return strong or not _CONTACT_DETAILS.search(normalized)


# Whether a message is about the customer's own order: "when will it come?", "is my parcel
# shipped?", "ente order evide?" are; "how long does delivery take?" and "what is your return
# policy?" are not. Only then does the assistant carry over an order named earlier in the chat,
# or list the latest orders.
_OWN = frozenset(
    unify_malayalam(word)
    for word in """
    i me my mine we us our it its this that these those
    ente nte ende enikku enik enikk njan njaan njangal njangalude njangalkku athu ithu ath ith ee
    എന്റെ എനിക്ക് ഞാൻ ഞങ്ങൾ ഞങ്ങളുടെ അത് ഇത് അതു ഇതു ആ ഈ
    """.split()  # noqa: SIM905 - a word list reads best as text
)
_OWN_AFTER_THE = frozenset(
    {"order", "orders", "parcel", "package", "item", "items", "product", "delivery", "shipment"}
    | {"refund", "money"}
)
_NOT_OWN_AFTER = frozenset({"policy", "policies", "rules", "process"})


def is_about_own_order(text: str) -> bool:
    """True when the message speaks of the customer's own order(s), in any of the three
    languages: a first-person or pointing word, or "the order" (not "the refund policy")."""
    words = tokens(normalize(text))
    for index, word in enumerate(words):
        if word in _OWN:
            return True
        thing = words[index + 1] if index + 1 < len(words) else ""
        after = words[index + 2] if index + 2 < len(words) else ""
        if word == "the" and thing in _OWN_AFTER_THE and after not in _NOT_OWN_AFTER:
            return True
    return False
