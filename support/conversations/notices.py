"""System notices the customer sees at each step, in their language."""

from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from support.agents.models import Agent, Availability

from . import hours
from .opening import when_back
from .states import EscalationSource, Language

if TYPE_CHECKING:
    from .models import SupportConversation

_NOTICES: dict[str, dict[str, str]] = {
    "escalated": {
        Language.ENGLISH: (
            "You are being connected to a human agent. Please stay here; "
            "an agent will reply shortly."
        ),
        Language.MALAYALAM: (
            "നിങ്ങളെ ഒരു ഏജന്റുമായി ബന്ധിപ്പിക്കുന്നു. ദയവായി ഇവിടെ തുടരുക; ഒരു ഏജന്റ് ഉടൻ മറുപടി നൽകും."
        ),
        Language.MANGLISH: (
            "Ningale oru agent-umaayi bandhippikkunnu. Dayavaayi ivide thudaruka; "
            "oru agent udan marupadi nalkum."
        ),
    },
    "ai_failure": {
        Language.ENGLISH: (
            "Sorry, I am having trouble answering right now. I am connecting you to a human "
            "agent; please stay here."
        ),
        Language.MALAYALAM: (
            "ക്ഷമിക്കണം, ഇപ്പോൾ മറുപടി നൽകാൻ എനിക്ക് കഴിയുന്നില്ല. നിങ്ങളെ ഒരു ഏജന്റുമായി "
            "ബന്ധിപ്പിക്കുന്നു; ദയവായി ഇവിടെ തുടരുക."
        ),
        Language.MANGLISH: (
            "Kshamikkanam, ippol marupadi nalkaan enikku kazhiyunnilla. Ningale oru "
            "agent-umaayi bandhippikkunnu; dayavaayi ivide thudaruka."
        ),
    },
    # Escalated outside business hours ({when}: opening.when_back).
    "away": {
        Language.ENGLISH: (
            "Our agents are away right now. They will be back {when}. This conversation stays "
            "open, and an agent will reply here then."
        ),
        Language.MALAYALAM: (
            "ഞങ്ങളുടെ ഏജന്റുമാർ ഇപ്പോൾ ലഭ്യമല്ല. {when} അവർ തിരിച്ചെത്തും. ഈ സംഭാഷണം "
            "തുറന്നിരിക്കും; അപ്പോൾ ഒരു ഏജന്റ് ഇവിടെ മറുപടി നൽകും."
        ),
        Language.MANGLISH: (
            "Njangalude agent-maar ippol illa. {when} avar thirichethum. Ee sambhashanam "
            "open aayi irikkum; appol oru agent ivide marupadi tharum."
        ),
    },
    # Out of hours with no opening in sight (every day of the next year closed).
    "away_no_opening": {
        Language.ENGLISH: (
            "Our agents are away right now. This conversation stays open, and an agent will "
            "reply here as soon as we are back."
        ),
        Language.MALAYALAM: (
            "ഞങ്ങളുടെ ഏജന്റുമാർ ഇപ്പോൾ ലഭ്യമല്ല. ഈ സംഭാഷണം തുറന്നിരിക്കും; ഞങ്ങൾ "
            "തിരിച്ചെത്തിയാലുടൻ ഒരു ഏജന്റ് ഇവിടെ മറുപടി നൽകും."
        ),
        Language.MANGLISH: (
            "Njangalude agent-maar ippol illa. Ee sambhashanam open aayi irikkum; njangal "
            "thirichethiyaal udan oru agent ivide marupadi tharum."
        ),
    },
    # Before "away" when the assistant failed out of hours.
    "sorry": {
        Language.ENGLISH: "Sorry, I am having trouble answering right now.",
        Language.MALAYALAM: "ക്ഷമിക്കണം, ഇപ്പോൾ മറുപടി നൽകാൻ എനിക്ക് കഴിയുന്നില്ല.",
        Language.MANGLISH: "Kshamikkanam, ippol marupadi nalkaan enikku kazhiyunnilla.",
    },
    "assigned": {
        Language.ENGLISH: "{name} has joined the conversation.",
        Language.MALAYALAM: "{name} സംഭാഷണത്തിൽ ചേർന്നു.",
        Language.MANGLISH: "{name} sambhashanathil chernnu.",
    },
    # An agent unassigned: "left", then "another_agent" or the "away" notice.
    "left": {
        Language.ENGLISH: "{name} has left the conversation.",
        Language.MALAYALAM: "{name} സംഭാഷണത്തിൽ നിന്ന് പോയി.",
        Language.MANGLISH: "{name} sambhashanathil ninnu poyi.",
    },
    "another_agent": {
        Language.ENGLISH: "Another agent will be with you shortly.",
        Language.MALAYALAM: "മറ്റൊരു ഏജന്റ് ഉടൻ നിങ്ങളെ സഹായിക്കും.",
        Language.MANGLISH: "Mattoru agent udan ningale sahaayikkum.",
    },
    "resolved": {
        Language.ENGLISH: (
            "This conversation is resolved. Thank you for contacting Kerala Sellers. "
            "If you need more help, please start a new conversation."
        ),
        Language.MALAYALAM: (
            "ഈ സംഭാഷണം പരിഹരിച്ചു. Kerala Sellers-നെ ബന്ധപ്പെട്ടതിന് നന്ദി. "
            "കൂടുതൽ സഹായം വേണമെങ്കിൽ ദയവായി പുതിയ സംഭാഷണം തുടങ്ങുക."
        ),
        Language.MANGLISH: (
            "Ee sambhashanam pariharichu. Kerala Sellers-ne bandhappettathinu nanni. "
            "Kooduthal sahaayam venamenkil dayavaayi puthiya sambhashanam thudanguka."
        ),
    },
}


def notice(which: str, language: str, **values: str) -> str:
    texts = _NOTICES[which]
    return texts.get(language, texts[Language.ENGLISH]).format(**values)


def _someone_can_answer(at: datetime, *, besides: str | None = None) -> bool:
    """Business hours, or an agent online anyway (a late shift): a human can answer now.
    ``besides``: an agent who does not count (the one leaving)."""
    if hours.is_open(at):
        return True
    online = Agent.objects.filter(availability=Availability.ONLINE)
    if besides:
        online = online.exclude(agent_id=besides)
    return online.exists()


def _away(language: str, at: datetime) -> str:
    opening = hours.next_opening(at)
    if opening is None:
        return notice("away_no_opening", language)
    return notice("away", language, when=when_back(opening, now=at, language=language))


def escalation_notice(conversation: "SupportConversation") -> str:
    """What the customer is told when their conversation has just been escalated, in its
    language: when a human can answer (business hours, or an agent online outside them),
    that an agent is coming; otherwise that agents are away, when they are back
    (hours.next_opening) and that the conversation stays open."""
    language, at = conversation.language, conversation.escalated_at or timezone.now()
    failed = conversation.escalation_source == EscalationSource.AI_FAILURE
    if _someone_can_answer(at):
        return notice("ai_failure" if failed else "escalated", language)
    away = _away(language, at)
    return f"{notice('sorry', language)} {away}" if failed else away


def unassigned_notice(conversation: "SupportConversation", *, agent: Agent) -> str:
    """What the customer is told when ``agent`` hands the conversation back to the queue:
    that another agent is coming only if one can answer now."""
    language, at = conversation.language, timezone.now()
    left = notice("left", language, name=agent.display_name)
    if _someone_can_answer(at, besides=agent.agent_id):
        return f"{left} {notice('another_agent', language)}"
    return f"{left} {_away(language, at)}"
