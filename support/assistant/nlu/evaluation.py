"""Evaluation of language and intent detection on data the models never saw in training.

``python manage.py evaluate_intents`` prints every figure; docs/assistant.md records them.
Predictions go through the production path (``detect_intents``: rules, then the model and
its thresholds), so the figures are those of the service.

Escalation is scored twice, following the data sets' own notes: *strict* leaves the
borderline rows (asking for contact details or a call back: Bitext
contact_customer_service, HINT3 CALL_CENTER/CONTACT_NUMBER) out; *with borderline* counts
them as escalation. How many borderline rows escalated is printed too.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold

from . import data
from .model import Config, build_intent_pipeline, intent_training_set

YES, NO, BORDERLINE = "yes", "no", "borderline"
# UNKNOWN (not confident) gets the same answer as out_of_scope, so it counts as right there.
_OUT_OF_SCOPE = ("out_of_scope", "unknown")


@dataclass(frozen=True)
class Item:
    text: str
    accepted: tuple[str, ...]  # right answers; empty when the label has no counterpart
    escalation: str  # YES, NO or BORDERLINE
    language: str
    group: str  # the source label (or language, for the project's own set)
    subset: str = ""  # HINT3's bot


def _accepted(intent: str) -> tuple[str, ...]:
    if not intent:
        return ()
    return _OUT_OF_SCOPE if intent == "out_of_scope" else (intent,)


def bitext_items() -> list[Item]:
    items = []
    for row in data.bitext_heldout():
        escalation = YES if row.intent == "escalation" else NO
        if row.group in data.BITEXT_BORDERLINE:
            escalation = BORDERLINE
        items.append(Item(row.text, _accepted(row.intent), escalation, row.language, row.group))
    return items


def hint3_items() -> list[Item]:
    items = []
    for row, accepted, bot in data.hint3_test():
        escalation = YES if row.group in data.HINT3_ESCALATION else NO
        if row.group in data.HINT3_BORDERLINE:
            escalation = BORDERLINE
        items.append(Item(row.text, accepted, escalation, row.language, row.group, bot))
    return items


def negative_items() -> list[Item]:
    return [Item(row.text, _OUT_OF_SCOPE, NO, row.language, row.group) for row in data.negatives()]


def own_items(name: str = "test") -> list[Item]:
    return [
        Item(
            row.text,
            _accepted(row.intent),
            YES if row.intent == "escalation" else NO,
            row.language,
            row.language,
        )
        for row in data.own_test(name)
    ]


# Scores


def _ratio(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.3f}" if denominator else "  -  "


@dataclass(frozen=True)
class Scored:
    item: Item
    intent: str
    source: str

    @property
    def escalated(self) -> bool:
        return self.intent == "escalation"

    @property
    def correct(self) -> bool:
        return self.intent in self.item.accepted

    @property
    def gold(self) -> str:
        return self.intent if self.correct else self.item.accepted[0]


def accuracy_line(scored: Sequence[Scored]) -> str:
    labelled = [s for s in scored if s.item.accepted]
    right = sum(s.correct for s in labelled)
    return f"accuracy {_ratio(right, len(labelled))} ({right}/{len(labelled)} with a mapped label)"


def per_intent_lines(scored: Sequence[Scored]) -> list[str]:
    labelled = [s for s in scored if s.item.accepted]
    predicted = Counter(s.intent for s in labelled)
    gold = Counter(s.gold for s in labelled)
    right = Counter(s.gold for s in labelled if s.correct)
    lines = [f"  {'intent':14} {'precision':>9} {'recall':>7} {'support':>7}"]
    for intent in sorted(set(gold) | set(predicted)):
        lines.append(
            f"  {intent:14} {_ratio(right[intent], predicted[intent]):>9} "
            f"{_ratio(right[intent], gold[intent]):>7} {gold[intent]:7d}"
        )
    return lines


def escalation_lines(scored: Sequence[Scored]) -> list[str]:
    lines = []
    strict = [s for s in scored if s.item.escalation != BORDERLINE]
    for name, rows, positive in (
        ("strict", strict, {YES}),
        ("with borderline", scored, {YES, BORDERLINE}),
    ):
        positives = sum(s.item.escalation in positive for s in rows)
        flagged = sum(s.escalated for s in rows)
        hits = sum(s.escalated and s.item.escalation in positive for s in rows)
        if not positives:
            continue
        lines.append(
            f"escalation ({name}): precision {_ratio(hits, flagged)} recall "
            f"{_ratio(hits, positives)} ({hits} of {positives} found, {flagged} flagged)"
        )
    borderline = [s for s in scored if s.item.escalation == BORDERLINE]
    if borderline:
        escalated = sum(s.escalated for s in borderline)
        lines.append(f"borderline rows escalated: {escalated} of {len(borderline)}")
    sources = Counter(s.source for s in scored if s.escalated)
    if sources:
        lines.append(
            "escalations by source: " + ", ".join(f"{k} {v}" for k, v in sorted(sources.items()))
        )
    return lines


def false_escalation_lines(scored: Sequence[Scored]) -> list[str]:
    by_group: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        by_group[s.item.group].append(s)
    lines = []
    for group, rows in [*sorted(by_group.items()), ("all negatives", list(scored))]:
        flagged = sum(s.escalated for s in rows)
        out_of_scope = sum(s.correct for s in rows)
        lines.append(
            f"  {group:22} false escalation rate {_ratio(flagged, len(rows))} "
            f"({flagged}/{len(rows)})   out_of_scope/unknown {_ratio(out_of_scope, len(rows))}"
        )
    return lines


Predictor = Callable[[list[str]], list[tuple[str, str]]]  # texts -> (intent, source) each


def score(items: Sequence[Item], predict: Predictor) -> list[Scored]:
    predictions = predict([item.text for item in items])
    pairs = zip(items, predictions, strict=True)
    return [Scored(item, intent, source) for item, (intent, source) in pairs]


def intent_report(predict: Predictor) -> Iterable[str]:
    bitext = score(bitext_items(), predict)
    yield "== (a) Bitext held-out split (English, never trained on)"
    yield accuracy_line(bitext)
    yield from per_intent_lines(bitext)
    yield from escalation_lines(bitext)

    hint3 = score(hint3_items(), predict)
    yield ""
    yield "== (b) HINT3 test split (real Indian users' English; evaluation only)"
    yield accuracy_line(hint3)
    yield from per_intent_lines(hint3)
    yield from escalation_lines(hint3)
    explicit = {row["text"] for row in data.read_rows("own/hint3_explicit.csv")}
    found = sum(s.escalated for s in hint3 if s.item.text in explicit)
    yield (
        f"explicit requests for a human among them (the project's reading, "
        f"own/hint3_explicit.csv): {found} of {len(explicit)} escalated"
    )
    for bot in sorted({s.item.subset for s in hint3}):
        rows = [s for s in hint3 if s.item.subset == bot]
        yield f"  -- {bot}: {accuracy_line(rows)}"
        for line in escalation_lines(rows)[:1]:
            yield f"     {line}"

    negatives = score(negative_items(), predict)
    yield ""
    yield "== (c) negatives: CLINC150 are_you_a_bot + out-of-scope test rows, DravidianCodeMix test"
    yield from false_escalation_lines(negatives)

    for title, name in (
        ("(d) the project's own multilingual test set (apart from its training data)", "test"),
        ("(e) the project's second test set, written once rules and model froze", "test_blind"),
    ):
        own = score(own_items(name), predict)
        yield ""
        yield f"== {title}"
        yield accuracy_line(own)
        if name == "test":
            yield from per_intent_lines(own)
        yield from escalation_lines(own)
        for language in data.LANGUAGES:
            rows = [s for s in own if s.item.language == language]
            yield f"  -- {language}: {accuracy_line(rows)}"
            for line in escalation_lines(rows)[:1]:
                yield f"     {line}"


def language_report(detect: Callable[[str], str]) -> Iterable[str]:
    rows = data.language_test()
    totals: Counter[tuple[str, str]] = Counter()
    right: Counter[tuple[str, str]] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    for row in rows:
        guess = detect(row.text)
        totals[(row.group, row.language)] += 1
        right[(row.group, row.language)] += guess == row.language
        confusion[(row.language, guess)] += 1
    yield "== language detection (texts never trained on)"
    for key in sorted(totals):
        group, language = key
        figure = f"{_ratio(right[key], totals[key])} ({right[key]}/{totals[key]})"
        yield f"  {group:10} {language:8} accuracy {figure}"
    all_right, all_rows = sum(right.values()), sum(totals.values())
    yield f"  overall accuracy {_ratio(all_right, all_rows)} ({all_right}/{all_rows})"
    yield "  confusion (true -> detected): " + ", ".join(
        f"{t}->{g} {n}" for (t, g), n in sorted(confusion.items()) if t != g
    )


# Choosing the model: k-fold cross-validation on the training data only


def cross_validate(config: Config, folds: int = 3) -> dict[str, float]:
    """Out-of-fold figures of the bare classifier (no rules, no thresholds) for ``config``.

    Folds are stratified by intent, source (own or public) and language, with a fixed seed.
    """
    examples = [e for e in data.training_examples() if e.intent]
    strata = [f"{e.intent}|{e.source == 'own'}|{e.language}" for e in examples]
    predicted = np.empty(len(examples), dtype=object)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    for train_index, test_index in splitter.split(np.zeros(len(examples)), strata):
        texts, intents, weights = intent_training_set([examples[i] for i in train_index], config)
        pipeline = build_intent_pipeline(config)
        pipeline.fit(texts, intents, model__sample_weight=weights)
        predicted[test_index] = pipeline.predict([examples[i].text for i in test_index])
    gold = np.array([e.intent for e in examples])
    right = predicted == gold
    figures = {"accuracy": float(right.mean())}
    for language in data.LANGUAGES:
        own = np.array([e.source == "own" and e.language == language for e in examples])
        figures[f"own {language}"] = float(right[own].mean())
    flagged, positive = predicted == "escalation", gold == "escalation"
    figures["escalation precision"] = float((flagged & positive).sum() / max(1, flagged.sum()))
    figures["escalation recall"] = float((flagged & positive).sum() / positive.sum())
    return figures
