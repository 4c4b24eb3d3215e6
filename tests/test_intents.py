"""Language and intent detection: the rules, the committed model and its training.

No database and no full retraining: the committed artifact is loaded once, and the
determinism test trains on a small slice of the data.
"""

import dataclasses
import time
from collections.abc import Iterator

import numpy as np
import pytest
import sklearn

from support.assistant.intents import Intent, detect_intent, detect_intents
from support.assistant.language import detect_language
from support.assistant.nlu import data, model
from support.assistant.nlu.rules import is_about_own_order, is_explicit_human_request

# Language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Where is my order? It was due yesterday", "en"),
        ("I want to return the shoes, size is small", "en"),
        ("എന്റെ ഓർഡർ എവിടെ എത്തി?", "ml"),
        ("KS-10023 ഓർഡർ ഇതുവരെ കിട്ടിയില്ല", "ml"),
        ("my order ഇതുവരെ വന്നില്ല", "ml"),
        ("ente order ithuvare kittiyilla", "ml-Latn"),
        ("refund eppo kittum chetta?", "ml-Latn"),
        ("hi machane", "ml-Latn"),
        ("paisa poyi but order aayilla", "ml-Latn"),
    ],
)
def test_it_detects_the_language_of_a_message(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["ok", "hi", "Thanks!", "KS-10023", "👍", "", "123"])
def test_a_message_with_nothing_to_go_on_keeps_the_conversation_language(text):
    assert detect_language(text) == "en"
    assert detect_language(text, previous="ml") == "ml"
    assert detect_language(text, previous="ml-Latn") == "ml-Latn"


def test_an_unknown_previous_language_falls_back_to_english():
    assert detect_language("ok", previous="fr") == "en"


# Explicit requests for a human


@pytest.mark.parametrize(
    "text",
    [
        "I want to talk to a human agent",
        "connect me to a live agent please",
        "Can I speak with a customer care executive?",
        "I don't want to talk to a bot, give me a real person",
        "agent",
        "ഏജന്റിനോട് സംസാരിക്കണം",
        "ഒരു മനുഷ്യനോട് സംസാരിക്കണം",
        "കസ്റ്റമർ കെയറിലേക്ക് കണക്ട് ചെയ്യൂ",
        "ബോട്ട് വേണ്ട, ആളെ വേണം",
        "agent-ine vilikku",
        "oru manushyanodu samsarikkanam",
        "customer care-il connect cheyyu",
        "bot venda, aale venam",
        "executive-ine connect cheythu tharu",
        "need a human, no time to waste",
        "I need an agent, my phone is broken",
        "ee chat manushyanu kaimaaru",
    ],
)
def test_an_explicit_request_for_a_human_is_escalated_by_the_rules(text):
    prediction = detect_intent(text)

    assert is_explicit_human_request(text)
    assert (prediction.intent, prediction.source) == (Intent.ESCALATION, "rule")


@pytest.mark.parametrize(
    "text",
    [
        # angry or abusive, but not asking for anyone
        "ningal ellarum waste aanu, oru gunavum illa",
        "enthoru koothara service aanu myre",
        "fraud company, ente paisa thirichu tha",
        "നിങ്ങൾ കള്ളന്മാരാണ്, നാണമില്ലേ",
        "worst service ever, you people are useless",
        # questions about the assistant
        "are you a bot?",
        "are you a real person?",
        "am I talking to a human",
        "nee oru bot aano?",
        "ningal manushyan aano atho robot aano?",
        "നീ ഒരു ബോട്ട് ആണോ?",
        # contact details and people who are not support staff
        "customer care number venam",
        "കസ്റ്റമർ കെയർ നമ്പർ വേണം",
        "I need your manager's email",
        "please enne vilikku",
        "delivery agent vilichilla, order evide?",
        "the delivery agent was rude",
        "ഡെലിവറി ബോയ് വിളിച്ചില്ല, പാർസൽ എവിടെ?",
        "I already talked to an agent yesterday",
    ],
)
def test_it_does_not_escalate_what_is_not_a_request_for_a_human(text):
    assert not is_explicit_human_request(text)
    assert detect_intent(text).intent != Intent.ESCALATION


def test_it_finds_the_malayalam_and_manglish_requests_of_its_own_test_set():
    rows = [
        r for r in data.own_test() if r.intent == "escalation" and r.language in ("ml", "ml-Latn")
    ]
    found = [p.intent == Intent.ESCALATION for p in detect_intents([r.text for r in rows])]

    assert len(rows) >= 40
    assert sum(found) / len(found) >= 0.95


# The model


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Where is my order?", Intent.ORDER_STATUS),
        ("How long does delivery take?", Intent.DELIVERY),
        ("cancel my order", Intent.CANCEL_ORDER),
        ("refund eppo kittum?", Intent.REFUND),
        ("പാസ്‌വേഡ് മറന്നു പോയി", Intent.ACCOUNT),
        ("customer care number tharamo", Intent.CONTACT),
        ("KS-10023", Intent.ORDER_STATUS),
        ("thank you so much", Intent.THANKS),
    ],
)
def test_it_detects_common_intents_in_every_language(text, intent):
    assert detect_intent(text).intent == intent


@pytest.mark.parametrize(
    "text",
    ["", "   ", "👍👍", "?", "hmm", "qwerty zxcv", "a" * 5000, "ok " * 300, "ഓ", "\u200d"],
)
def test_confidence_is_a_probability(text):
    prediction = detect_intent(text)

    assert 0.0 <= prediction.confidence <= 1.0
    assert prediction.source in ("rule", "model")
    assert isinstance(prediction.intent, Intent)


def test_a_message_without_letters_is_unknown():
    assert detect_intent("🙏🙏").intent == Intent.UNKNOWN


def test_the_committed_artifact_matches_the_training_data():
    """Fails when the data changed without `python manage.py train_intents`."""
    artifact = model.read()
    meta = artifact.metadata

    assert meta["training_data_sha256"] == data.training_data_sha256()
    assert meta["text_code_sha256"] == model.text_code_sha256()
    assert meta["sklearn"] == sklearn.__version__
    assert meta["config"] == dataclasses.asdict(model.DEFAULT_CONFIG)
    assert set(meta["labels"]) == {i.value for i in Intent} - {"unknown"}
    assert meta["language_labels"] == ["en", "ml-Latn"]


def test_the_artifact_loads_fast_and_once():
    started = time.perf_counter()
    model.read()
    elapsed = time.perf_counter() - started

    assert elapsed < 1.0
    assert model.load_artifact() is model.load_artifact()


def test_the_fast_path_predicts_what_the_pipelines_predict():
    artifact = model.load_artifact()
    texts = [r.text for r in data.own_test()] + ["", "👍", "x" * 3000, "ok ok ok"]

    for pipeline, fast in (
        (artifact.intent, artifact.intent_fast),
        (artifact.language, artifact.language_fast),
    ):
        expected = pipeline.predict_proba(texts)
        assert np.allclose(fast.predict_proba(texts), expected, atol=1e-5)
        # Again, now that every word's n-grams are remembered, and one text at a time.
        assert np.allclose(fast.predict_proba(texts), expected, atol=1e-5)
        assert np.allclose(
            np.vstack([fast.predict_proba([t]) for t in reversed(texts)]), expected[::-1], atol=1e-5
        )
        assert list(fast.classes_) == list(pipeline.classes_)


@pytest.fixture
def broken_artifact(monkeypatch) -> Iterator[None]:
    def fail(path=model.ARTIFACT_PATH):
        raise OSError("no artifact")

    monkeypatch.setattr(model, "read", fail)
    model.use_artifact(None)
    yield
    monkeypatch.undo()
    model.use_artifact(None)


def test_without_a_model_the_rules_still_escalate_and_the_rest_is_unknown(broken_artifact):
    assert detect_intent("agent-ine vilikku").intent == Intent.ESCALATION
    assert detect_intent("Where is my order?").intent == Intent.UNKNOWN
    assert detect_language("ente order evide ethi?", previous="ml-Latn") == "ml-Latn"
    assert detect_language("എന്റെ ഓർഡർ എവിടെ?") == "ml"


# Training


def test_training_is_deterministic(tmp_path):
    examples = data.training_examples()[::12]
    probes = [r.text for r in data.own_test()[::5]] + ["where is my refund", "hai chetta"]

    first = model.train(examples)
    second = model.train(examples)
    model.save(first, tmp_path / "first.joblib")
    model.save(second, tmp_path / "second.joblib")

    assert (tmp_path / "first.joblib").read_bytes() == (tmp_path / "second.joblib").read_bytes()

    assert list(first.intent.classes_) == list(second.intent.classes_)
    assert np.array_equal(first.intent.predict_proba(probes), second.intent.predict_proba(probes))
    assert np.array_equal(
        first.language.predict_proba(probes), second.language.predict_proba(probes)
    )


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("When will it arrive?", True),
        ("Is my parcel shipped?", True),
        ("when will the delivery arrive?", True),
        ("I want to return the item", True),
        ("ente order evide?", True),
        ("athu eppo varum?", True),
        ("എന്റെ ഓർഡർ എവിടെ?", True),
        ("ഞാൻ ഓർഡർ ചെയ്തു", True),
        ("What is your return policy?", False),
        ("What is the refund policy?", False),
        ("How long does delivery take?", False),
        ("How do refunds work?", False),
        ("Do you have cash on delivery?", False),
        ("റിട്ടേൺ പോളിസി എന്താണ്?", False),
    ],
)
def test_a_message_about_the_customers_own_order_is_told_from_a_policy_question(text, own):
    assert is_about_own_order(text) is own
