"""Text normalisation shared by the rules, the language detector and the model.

The trained model pickles a reference to ``normalize``: renaming or moving it breaks the
committed artifact (tests/test_intents.py loads it, so that would be caught).
"""

import re
import unicodedata

# Atomic chillu letters (Unicode 5.1) and the older "consonant + virama + ZWJ" spelling of
# the same letters are both in use; both become "consonant + virama" here.
_CHILLU = str.maketrans(
    {
        "\u0d7a": "\u0d23\u0d4d",  # ൺ
        "\u0d7b": "\u0d28\u0d4d",  # ൻ
        "\u0d7c": "\u0d30\u0d4d",  # ർ
        "\u0d7d": "\u0d32\u0d4d",  # ൽ
        "\u0d7e": "\u0d33\u0d4d",  # ൾ
        "\u0d7f": "\u0d15\u0d4d",  # ൿ
        "\u200c": None,  # zero-width non-joiner
        "\u200d": None,  # zero-width joiner
    }
)
_DIGITS = re.compile(r"\d")
_REPEATS = re.compile(r"(.)\1{2,}")
_SPACES = re.compile(r"\s+")

# A word: letters, digits or Malayalam signs. Python's \w leaves out Malayalam vowel signs
# (category Mc/Mn), which would cut "എവിടെ" into pieces.
WORD_PATTERN = r"(?:[^\W_]|[\u0d00-\u0d7f])+"
_TOKEN = re.compile(WORD_PATTERN)


def unify_malayalam(text: str) -> str:
    """One spelling for chillu letters; no zero-width joiners."""
    return text.translate(_CHILLU)


def normalize(text: str) -> str:
    """NFKC (fancy letters to plain), lower-case, one Malayalam spelling, digits to 0,
    "pleeeease" to "pleease"."""
    text = unicodedata.normalize("NFKC", text).translate(_CHILLU).lower()
    text = _DIGITS.sub("0", text)
    text = _REPEATS.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def malayalam_share(text: str) -> float:
    """Share of Malayalam-script characters among the letters and signs of ``text``."""
    malayalam = letters = 0
    for char in text:
        if "\u0d00" <= char <= "\u0d7f":
            malayalam += 1
            letters += 1
        elif char.isalpha():
            letters += 1
    return malayalam / letters if letters else 0.0


def has_letters(text: str) -> bool:
    return any(char.isalpha() or "\u0d00" <= char <= "\u0d7f" for char in text)
