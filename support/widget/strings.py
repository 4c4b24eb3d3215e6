"""The chat page's own words, in the three languages customers write in.

System notices ("connecting you to an agent", "Anu has joined", "resolved") are not here:
the server sends them as messages in the conversation's language
(support/conversations/notices.py).
"""

LANGUAGES = ("en", "ml", "ml-Latn")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "ml": "മലയാളം", "ml-Latn": "Manglish"}

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Kerala Sellers Support",
        "subtitle_ai": "Our assistant replies instantly",
        "subtitle_human": "Our support team is with you",
        "greeting": (
            "Hi! Ask us about an order, a delivery, a return or a refund. Our assistant "
            "replies instantly, and a person from our team can take over whenever you like."
        ),
        "language": "Language",
        "transcript": "Conversation",
        "message_label": "Message",
        "placeholder": "Write a message…",
        "send": "Send",
        "count": "{count} / {max} characters",
        "too_long": "{count} / {max} characters: shorten it by {over} to send.",
        "talk_to_human": "Talk to a human",
        "you": "You",
        "assistant": "Assistant",
        "agent": "Support agent",
        "typing": "{name} is typing…",
        "banner_escalated": "Connecting you to an agent. Please stay here.",
        "queue_position": "You are number {position} in the queue",
        "queue_wait": "about {minutes} min",
        "queue_closed": (
            "Our agents are away right now. They are back {when} and will reply here."
        ),
        "queue_closed_no_opening": (
            "Our agents are away right now. They will reply here when they are back."
        ),
        "banner_assigned": "An agent is looking after you.",
        "banner_assigned_named": "{name} is looking after you.",
        "banner_resolved": "This conversation is resolved.",
        "ended": "Thanks for chatting with us. Need anything else?",
        "new_conversation": "Start a new conversation",
        "reconnecting": "Reconnecting…",
        "close": "Close chat",
        "error_network": (
            "Could not reach Kerala Sellers Support. Check your connection and press Send "
            "to try again."
        ),
        "error_unknown": "Something went wrong",
        "error_lost": (
            "Your earlier conversation could not be opened. Write a message to start a new one."
        ),
        "error_rate_limited": "Too many attempts. Please wait a minute and try again.",
        "error_identity": (
            "We could not confirm that you are signed in at the shop. Please sign in again, "
            "then reopen this chat."
        ),
        "error_resolved": (
            "This conversation is resolved. Start a new conversation to write to us again."
        ),
    },
    "ml": {
        "title": "Kerala Sellers സപ്പോർട്ട്",
        "subtitle_ai": "അസിസ്റ്റന്റ് ഉടൻ മറുപടി നൽകും",
        "subtitle_human": "ഞങ്ങളുടെ സപ്പോർട്ട് ടീം കൂടെയുണ്ട്",
        "greeting": (
            "നമസ്കാരം! ഓർഡർ, ഡെലിവറി, റിട്ടേൺ, റീഫണ്ട് എന്നിവയെക്കുറിച്ച് ചോദിക്കൂ. ഞങ്ങളുടെ "
            "അസിസ്റ്റന്റ് ഉടൻ മറുപടി നൽകും; എപ്പോൾ വേണമെങ്കിലും ഞങ്ങളുടെ ടീമിലെ ഒരാളുമായി "
            "സംസാരിക്കാം."
        ),
        "language": "ഭാഷ",
        "transcript": "സംഭാഷണം",
        "message_label": "സന്ദേശം",
        "placeholder": "സന്ദേശം എഴുതുക…",
        "send": "അയയ്ക്കുക",
        "count": "{count} / {max} അക്ഷരങ്ങൾ",
        "too_long": "{count} / {max} അക്ഷരങ്ങൾ: അയയ്ക്കാൻ {over} അക്ഷരങ്ങൾ കുറയ്ക്കുക.",
        "talk_to_human": "ഒരു ഏജന്റുമായി സംസാരിക്കുക",
        "you": "നിങ്ങൾ",
        "assistant": "അസിസ്റ്റന്റ്",
        "agent": "സപ്പോർട്ട് ഏജന്റ്",
        "typing": "{name} ടൈപ്പ് ചെയ്യുന്നു…",
        "banner_escalated": "നിങ്ങളെ ഒരു ഏജന്റുമായി ബന്ധിപ്പിക്കുന്നു. ദയവായി ഇവിടെ തുടരുക.",
        "queue_position": "ക്യൂവിൽ നിങ്ങൾ {position}-ാം സ്ഥാനത്താണ്",
        "queue_wait": "ഏകദേശം {minutes} മിനിറ്റ്",
        "queue_closed": (
            "ഞങ്ങളുടെ ഏജന്റുമാർ ഇപ്പോൾ ലഭ്യമല്ല. തിരിച്ചെത്തുന്നത്: {when}. അപ്പോൾ ഇവിടെ മറുപടി നൽകും."
        ),
        "queue_closed_no_opening": ("ഞങ്ങളുടെ ഏജന്റുമാർ ഇപ്പോൾ ലഭ്യമല്ല. തിരിച്ചെത്തുമ്പോൾ ഇവിടെ മറുപടി നൽകും."),
        "banner_assigned": "ഒരു ഏജന്റ് നിങ്ങളെ സഹായിക്കുന്നു.",
        "banner_assigned_named": "{name} നിങ്ങളെ സഹായിക്കുന്നു.",
        "banner_resolved": "ഈ സംഭാഷണം പരിഹരിച്ചു.",
        "ended": "ഞങ്ങളുമായി സംസാരിച്ചതിന് നന്ദി. ഇനിയും സഹായം വേണോ?",
        "new_conversation": "പുതിയ സംഭാഷണം തുടങ്ങുക",
        "reconnecting": "വീണ്ടും ബന്ധിപ്പിക്കുന്നു…",
        "close": "ചാറ്റ് അടയ്ക്കുക",
        "error_network": "Kerala Sellers സപ്പോർട്ടിലേക്ക് എത്താനായില്ല. കണക്ഷൻ പരിശോധിച്ച് വീണ്ടും അയയ്ക്കുക.",
        "error_unknown": "എന്തോ പിശക് സംഭവിച്ചു",
        "error_lost": "നിങ്ങളുടെ മുൻ സംഭാഷണം തുറക്കാനായില്ല. പുതിയത് തുടങ്ങാൻ ഒരു സന്ദേശം എഴുതുക.",
        "error_rate_limited": "ഒരുപാട് ശ്രമങ്ങൾ. ഒരു മിനിറ്റ് കാത്തിരുന്ന് വീണ്ടും ശ്രമിക്കുക.",
        "error_identity": (
            "നിങ്ങൾ ഷോപ്പിൽ സൈൻ ഇൻ ചെയ്തിട്ടുണ്ടെന്ന് ഉറപ്പാക്കാനായില്ല. വീണ്ടും സൈൻ ഇൻ ചെയ്ത് ഈ ചാറ്റ് തുറക്കുക."
        ),
        "error_resolved": "ഈ സംഭാഷണം പരിഹരിച്ചു. വീണ്ടും എഴുതാൻ പുതിയ സംഭാഷണം തുടങ്ങുക.",
    },
    "ml-Latn": {
        "title": "Kerala Sellers Support",
        "subtitle_ai": "Assistant udan marupadi tharum",
        "subtitle_human": "Njangalude support team koodeyundu",
        "greeting": (
            "Namaskaram! Order, delivery, return, refund ennivaye kurichu chodikkoo. "
            "Njangalude assistant udan marupadi tharum; eppo venamenkilum njangalude "
            "team-ile oraalumaayi samsaarikkaam."
        ),
        "language": "Bhasha",
        "transcript": "Sambhashanam",
        "message_label": "Message",
        "placeholder": "Message ezhuthuka…",
        "send": "Ayakkuka",
        "count": "{count} / {max} aksharangal",
        "too_long": "{count} / {max} aksharangal: ayakkaan {over} aksharangal kurakkuka.",
        "talk_to_human": "Oru agent-umaayi samsaarikkuka",
        "you": "Ningal",
        "assistant": "Assistant",
        "agent": "Support agent",
        "typing": "{name} type cheyyunnu…",
        "banner_escalated": "Ningale oru agent-umaayi bandhippikkunnu. Dayavaayi ivide thudaruka.",
        "queue_position": "Queue-il ningal {position}-aam sthaanathaanu",
        "queue_wait": "ekadesham {minutes} minute",
        "queue_closed": (
            "Njangalude agent-maar ippol illa. Thirichu ethunnathu: {when}. Appol ivide "
            "marupadi tharum."
        ),
        "queue_closed_no_opening": (
            "Njangalude agent-maar ippol illa. Thirichethumbol ivide marupadi tharum."
        ),
        "banner_assigned": "Oru agent ningale sahaayikkunnu.",
        "banner_assigned_named": "{name} ningale sahaayikkunnu.",
        "banner_resolved": "Ee sambhashanam pariharichu.",
        "ended": "Njangalodu samsaarichathinu nanni. Iniyum sahaayam veno?",
        "new_conversation": "Puthiya sambhashanam thudanguka",
        "reconnecting": "Veendum connect cheyyunnu…",
        "close": "Chat adaykkuka",
        "error_network": (
            "Kerala Sellers Support-ilekku ethaan kazhinjilla. Connection nokki veendum ayakkuka."
        ),
        "error_unknown": "Entho oru prashnam undaayi",
        "error_lost": (
            "Ningalude munpathe sambhashanam thurakkaan kazhinjilla. Puthiyathu thudangaan "
            "oru message ezhuthuka."
        ),
        "error_rate_limited": "Orupaadu sramangal. Oru minute kazhinju veendum sramikkuka.",
        "error_identity": (
            "Ningal shop-il sign in cheythittundennu urappaakkaan kazhinjilla. Veendum sign in "
            "cheythu ee chat thurakkuka."
        ),
        "error_resolved": (
            "Ee sambhashanam pariharichu. Veendum ezhuthaan puthiya sambhashanam thudanguka."
        ),
    },
}


def language_from(value: str | None) -> str | None:
    """``value`` if it is one of the three languages, else None."""
    return value if value in LANGUAGES else None
