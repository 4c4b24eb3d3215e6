"""Which language a customer's message is in: "en", "ml" (Malayalam script) or "ml-Latn" (Manglish).

1. Malayalam script (U+0D00-U+0D7F) making up at least half of the letters: "ml".
2. Nothing to go on (no letters, or only words every language uses: "ok", "hi", "thanks",
   an order number): the conversation's current language (``previous``), else English.
3. Otherwise a character n-gram classifier trained on English (Bitext, CLINC150, the
   project's examples) and Manglish (Dakshina romanizations, DravidianCodeMix comments, the
   project's examples) decides. A short message with an everyday Manglish word ("chetta",
   "sheri", "ente") is Manglish; for one or two words the classifier must be sure
   (probability 0.8), else the message keeps the conversation's language.

The classifier lives in the intent artifact (support/assistant/nlu/model.py); without it
(a broken artifact, logged) step 3 keeps the conversation's language.
"""

import logging

from .nlu.data import EN, LANGUAGES, MANGLISH, ML
from .nlu.model import load_artifact
from .nlu.text import malayalam_share, normalize, tokens

logger = logging.getLogger(__name__)

SHORT_WORDS = 2
FEW_WORDS = 4
SURE = 0.8

# Words that say nothing about the language: Manglish speakers use them as much as English ones.
NEUTRAL = frozenset(
    """
    ok okay okey k kk hi hii hai hello helo hlo hey heyy yes yeah yep ya no nope hmm hm
    thanks thank thx tnx ty u you pls plz please sir madam mam maam bye good fine sure done
    oh ohh ah what why how lol ks order
    """.split()  # noqa: SIM905 - a word list reads best as text
)
# Everyday Manglish words no English message has: in a message of up to FEW_WORDS words,
# one of them settles it ("hi machane", "kitti, thanks").
MANGLISH_MARKERS = frozenset(
    """
    chetta chettan chetan chettai chechi machane machan machaa mone mole mol sheri seri shari
    nanni ente ende nte enikku enik ningal ningalude njan alle ille illa illallo undo undu
    aano aanu venam venda vendi kitti kittiyilla kittumo vannilla evide evideya eppo eppol
    enthu entha enthaa engane ithu athu onnu pinne ketto aayi cheyyu cheyyamo paranju ippo
    mathi adipoli pwoli poli kollam tharamo tharu para parayu
    """.split()  # noqa: SIM905 - a word list reads best as text
)


def detect_language(text: str, previous: str | None = None) -> str:
    """The message's language; for a short or ambiguous one, ``previous`` (English if none)."""
    detected = clear_language(text)
    if detected is not None:
        return detected
    return previous if previous in LANGUAGES else EN


def clear_language(text: str) -> str | None:
    """The message's language when the text shows it, else None (keep the one before)."""
    if malayalam_share(text) >= 0.5:
        return ML
    words = [w for w in tokens(normalize(text)) if not w.isdigit() and w.isascii()]
    if not words or all(word in NEUTRAL for word in words):
        return None
    if len(words) <= FEW_WORDS and any(word in MANGLISH_MARKERS for word in words):
        return MANGLISH
    probability = manglish_probability(text)
    if probability is None:
        return None
    if len(words) <= SHORT_WORDS:
        if probability >= SURE:
            return MANGLISH
        return EN if probability <= 1 - SURE else None
    return MANGLISH if probability >= 0.5 else EN


def manglish_probability(text: str) -> float | None:
    """The classifier's probability that Latin-script ``text`` is Manglish (None: no model)."""
    try:
        model = load_artifact().language_fast
    except (OSError, ValueError, EOFError, AttributeError, ImportError, KeyError):
        logger.exception("the language model could not be loaded")
        return None
    manglish = list(model.classes_).index(MANGLISH)
    return float(model.predict_proba([text])[0][manglish])
