"""The training and evaluation data kept in the repository (support/assistant/data).

``public/`` holds rows copied from public data sets (``import_intent_data``), ``own/`` the
project's own English, Malayalam and Manglish examples; LICENSES.md says which is which.
Training reads only the files in ``TRAINING_FILES``; everything else is for evaluation.
"""

import csv
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PUBLIC_DIR = DATA_DIR / "public"
OWN_DIR = DATA_DIR / "own"

TRAINING_FILES = (
    "public/bitext_train.csv",
    "public/clinc_train.csv",
    "public/dakshina_train.csv",
    "public/dravidian_train.csv",
    "own/train.csv",
)

EN, ML, MANGLISH = "en", "ml", "ml-Latn"
LANGUAGES = (EN, ML, MANGLISH)

# Every DravidianCodeMix comment is out of scope for a shop; this many of them (spread
# evenly over the file) train the intent model, all of them train the language model.
DRAVIDIAN_INTENT_EVERY = 3


@dataclass(frozen=True)
class Example:
    text: str
    intent: str  # "" when the example only teaches the language
    language: str
    source: str


def read_rows(relative: str) -> list[dict[str, str]]:
    with (DATA_DIR / relative).open(newline="", encoding="utf-8") as source:
        return list(csv.DictReader(source))


def _dravidian_language(script: str) -> str:
    return MANGLISH if script == "latin" else ML


def training_examples() -> list[Example]:
    """All training examples, in file order (the files are written sorted)."""
    examples = [Example(r["text"], r["intent"], EN, "bitext") for r in read_rows(TRAINING_FILES[0])]
    examples += [Example(r["text"], r["intent"], EN, "clinc") for r in read_rows(TRAINING_FILES[1])]
    examples += [Example(r["text"], "", MANGLISH, "dakshina") for r in read_rows(TRAINING_FILES[2])]
    for index, row in enumerate(read_rows(TRAINING_FILES[3])):
        if row["label"].startswith("not-malayalam") or row["script"] == "other":
            continue  # English, Tamil or Hindi comments; not the Manglish we want to learn
        intent = "out_of_scope" if index % DRAVIDIAN_INTENT_EVERY == 0 else ""
        examples.append(
            Example(row["text"], intent, _dravidian_language(row["script"]), "dravidian")
        )
    examples += [
        Example(r["text"], r["intent"], r["language"], "own") for r in read_rows(TRAINING_FILES[4])
    ]
    return examples


def examples_sha256(examples: Iterable[Example]) -> str:
    """A digest of what a model is trained on (text, intent, language, source of each)."""
    digest = hashlib.sha256()
    for e in examples:
        digest.update("\x1f".join((e.source, e.language, e.intent, e.text)).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def training_data_sha256() -> str:
    """The digest of the repository's training data, as the artifact records it."""
    return examples_sha256(training_examples())


# Evaluation sets


@dataclass(frozen=True)
class LabelledText:
    text: str
    intent: str  # our intent, "" when the source label has no counterpart
    language: str
    group: str  # the source label, or the bot / language for grouping


def own_test(name: str = "test") -> list[LabelledText]:
    """The project's own test set; ``name="test_blind"`` for the one written after the
    rules and the model were frozen (see docs/assistant.md)."""
    return [
        LabelledText(r["text"], r["intent"], r["language"], r["language"])
        for r in read_rows(f"own/{name}.csv")
    ]


def bitext_heldout() -> list[LabelledText]:
    return [
        LabelledText(r["text"], r["intent"], EN, r["source_intent"])
        for r in read_rows("public/bitext_heldout.csv")
    ]


# HINT3 label -> ours, where one exists (evaluation only). A tuple accepts either intent.
HINT3_INTENTS: dict[str, tuple[str, ...]] = {
    "CHAT_WITH_AGENT": ("escalation",),
    "CHAT_WITH_AN_AGENT": ("escalation",),
    "CALL_CENTER": ("contact",),
    "CONTACT_NUMBER": ("contact",),
    "CANCEL_ORDER": ("cancel_order",),
    "ORDER_STATUS": ("order_status", "delivery"),
    "DELAY_IN_DELIVERY": ("order_status", "delivery", "complaint"),
    "DELAY_IN_PARCEL": ("order_status", "delivery", "complaint"),
    "REFUNDS_RETURNS_REPLACEMENTS": ("return", "refund"),
    "RETURN_EXCHANGE": ("return",),
    "REFUND_OF_ADDED_CASH": ("refund",),
    "REFUND_OF_WRONG_AMOUNT": ("refund",),
    "CHECK_PINCODE": ("delivery",),
    "RESUME_DELIVERY": ("delivery",),
    "INTERNATIONAL_SHIPPING": ("delivery",),
    "MODIFY_ADDRESS": ("delivery",),
    "MODES_OF_PAYMENTS": ("payment",),
    "PAYMENT_AND_BILL": ("payment",),
    "COD": ("payment",),
    "EMI": ("payment",),
    "ACCOUNT_BALANCE_DEDUCTED": ("payment",),
    "DEDUCTED_AMOUNT_NOT_RECEIVED": ("payment",),
    "SIGN_UP": ("account",),
    "ACCOUNT_NOT_VERIFIED": ("account",),
    "ACCOUNT_RESET": ("account",),
    "CHANGE_MOBILE_NUMBER": ("account",),
    "VERIFY_EMAIL": ("account",),
    "VERIFY_MOBILE": ("account",),
    "GREETINGS_DAY": ("greeting",),
    "THANKS": ("thanks",),
    "APPRECIATION": ("thanks",),
    "CRITICISM": ("complaint",),
    "FEEDBACK": ("complaint",),
}
HINT3_ESCALATION = frozenset({"CHAT_WITH_AGENT", "CHAT_WITH_AN_AGENT"})
HINT3_BORDERLINE = frozenset({"CALL_CENTER", "CONTACT_NUMBER"})
BITEXT_BORDERLINE = frozenset({"contact_customer_service"})


def hint3_test() -> Iterator[tuple[LabelledText, tuple[str, ...], str]]:
    """HINT3's test rows with the intents that count as right, and the bot they came from."""
    for r in read_rows("public/hint3_test.csv"):
        accepted = HINT3_INTENTS.get(r["label"], ())
        text = LabelledText(r["text"], accepted[0] if accepted else "", EN, r["label"])
        yield text, accepted, r["bot"]


def negatives() -> list[LabelledText]:
    """Texts that must not escalate: CLINC's are_you_a_bot and out-of-scope test rows, and
    the DravidianCodeMix test split (film comments, many of them angry or abusive)."""
    rows = [
        LabelledText(r["text"], "", EN, f"clinc:{r['source_intent']}")
        for r in read_rows("public/clinc_negatives.csv")
    ]
    rows += [
        LabelledText(r["text"], "", _dravidian_language(r["script"]), f"dravidian:{r['script']}")
        for r in read_rows("public/dravidian_test.csv")
    ]
    return rows


def language_test() -> list[LabelledText]:
    """Texts with a known language, none of them seen in training."""
    rows = [
        LabelledText(r["text"], "", MANGLISH, "dakshina")
        for r in read_rows("public/dakshina_test.csv")
    ]
    rows += [
        LabelledText(r["native"], "", ML, "dakshina") for r in read_rows("public/dakshina_test.csv")
    ]
    rows += [LabelledText(t.text, "", EN, "bitext") for t in bitext_heldout()]
    rows += [
        LabelledText(r["text"], "", EN, "clinc") for r in read_rows("public/clinc_negatives.csv")
    ]
    rows += [LabelledText(t.text, "", t.language, "own") for t in own_test()]
    # Film comments labelled by script: noisy (some "latin" ones are English), kept apart.
    rows += [
        LabelledText(r["text"], "", _dravidian_language(r["script"]), "dravidian")
        for r in read_rows("public/dravidian_test.csv")
        if r["script"] in ("latin", "malayalam") and not r["label"].startswith("not-malayalam")
    ]
    return rows
