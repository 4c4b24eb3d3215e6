import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from support.assistant.intents import detect_intents
from support.assistant.language import detect_language
from support.assistant.nlu import model
from support.assistant.nlu.data import training_data_sha256
from support.assistant.nlu.evaluation import intent_report, language_report


def _predict(texts: list[str]) -> list[tuple[str, str]]:
    return [(str(p.intent), p.source) for p in detect_intents(texts)]


class Command(BaseCommand):
    help = (
        "Evaluate language and intent detection (rules + model, as in production) on the "
        "held-out Bitext split, HINT3, the negatives and the project's own test set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--artifact", default=str(model.ARTIFACT_PATH), help="artifact path")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        artifact = model.read(Path(options["artifact"]))
        model.use_artifact(artifact)
        meta = artifact.metadata
        current = training_data_sha256()
        state = "matches" if meta["training_data_sha256"] == current else "DOES NOT MATCH"
        self.stdout.write(
            f"artifact {options['artifact']}: trained on data {meta['training_data_sha256'][:12]} "
            f"({state} the data in the repository), scikit-learn {meta['sklearn']}"
        )
        self.stdout.write("")
        for line in intent_report(_predict):
            self.stdout.write(line)
        self.stdout.write("")
        for line in language_report(detect_language):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"evaluated in {time.perf_counter() - started:.0f} s")
