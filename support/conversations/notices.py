"""System notices the customer sees at each step, in their language."""

from .states import Language

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
    "assigned": {
        Language.ENGLISH: "{name} has joined the conversation.",
        Language.MALAYALAM: "{name} സംഭാഷണത്തിൽ ചേർന്നു.",
        Language.MANGLISH: "{name} sambhashanathil chernnu.",
    },
    "unassigned": {
        Language.ENGLISH: (
            "{name} has left the conversation. Another agent will be with you shortly."
        ),
        Language.MALAYALAM: ("{name} സംഭാഷണത്തിൽ നിന്ന് പോയി. മറ്റൊരു ഏജന്റ് ഉടൻ നിങ്ങളെ സഹായിക്കും."),
        Language.MANGLISH: (
            "{name} sambhashanathil ninnu poyi. Mattoru agent udan ningale sahaayikkum."
        ),
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
