import dataclasses
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from support.assistant.nlu import model
from support.assistant.nlu.data import training_data_sha256
from support.assistant.nlu.evaluation import cross_validate

# The candidates `--compare` scores (3-fold cross-validation on the training data).
CANDIDATES = {
    "chars(2-5)+words(1-2), C=10 [default]": model.DEFAULT_CONFIG,
    "chars(2-5) only": dataclasses.replace(model.DEFAULT_CONFIG, use_words=False),
    "chars(1-4)+words": dataclasses.replace(model.DEFAULT_CONFIG, char_ngrams=(1, 4)),
    "C=3": dataclasses.replace(model.DEFAULT_CONFIG, C=3.0),
    "C=30": dataclasses.replace(model.DEFAULT_CONFIG, C=30.0),
    "own examples weight 1": dataclasses.replace(model.DEFAULT_CONFIG, own_weight=1.0),
}


class Command(BaseCommand):
    help = (
        "Train the intent and language models from support/assistant/data and write the "
        "artifact (deterministic: the same data gives the same predictions)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default=str(model.ARTIFACT_PATH), help="artifact path")
        parser.add_argument(
            "--compare",
            action="store_true",
            help="cross-validate the candidate configurations instead (writes nothing)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["compare"]:
            self._compare()
            return
        started = time.perf_counter()
        artifact = model.train()
        trained = time.perf_counter() - started
        output = Path(options["output"])
        model.save(artifact, output)
        started = time.perf_counter()
        model.read(output)
        loaded = time.perf_counter() - started
        meta = artifact.metadata
        self.stdout.write(f"training data sha256 {meta['training_data_sha256']}")
        self.stdout.write(f"examples by source  {meta['training_examples']}")
        self.stdout.write(f"intent examples     {meta['intent_examples']}")
        self.stdout.write(f"features            {meta['features']}")
        self.stdout.write(
            f"trained in {trained:.1f} s; wrote {output} ({output.stat().st_size / 1e6:.2f} MB), "
            f"which loads in {1000 * loaded:.0f} ms"
        )

    def _compare(self) -> None:
        self.stdout.write(f"training data sha256 {training_data_sha256()}")
        for name, config in CANDIDATES.items():
            started = time.perf_counter()
            figures = cross_validate(config)
            shown = "  ".join(f"{k} {v:.3f}" for k, v in figures.items())
            self.stdout.write(f"{name:40} {shown}  ({time.perf_counter() - started:.0f} s)")
