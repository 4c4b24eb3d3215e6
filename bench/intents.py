"""Per-message cost of language and intent detection (see bench/INTENTS.md).

    .venv/bin/python bench/intents.py [--messages 4000] [--repeat 3]

Times, one message at a time as the service does, over real messages from the repository's
evaluation data (HINT3, the held-out Bitext split, DravidianCodeMix comments, the project's
own test set, in a fixed shuffled order):

  baseline   one compiled regular expression searched over the message (the cost floor)
  rules      the multilingual escalation rules alone
  intent     detect_intent: rules, then the model (the production path)
  language   detect_language
  ... first sight   the same, once through the messages right after the artifact is read:
             the models remember each word's character n-grams (nlu/model.py), and here
             every word is new the first time it appears

The artifact is loaded (and timed) before the runs; each run is preceded by a warm-up.
No network, no database.
"""

import argparse
import platform
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from support.assistant.intents import detect_intent  # noqa: E402
from support.assistant.language import detect_language  # noqa: E402
from support.assistant.nlu import data, model  # noqa: E402
from support.assistant.nlu.rules import is_explicit_human_request  # noqa: E402

BASELINE = re.compile(r"\b(agent|human|person|executive)\b", re.IGNORECASE)


def messages(count: int) -> list[str]:
    texts = [r["text"] for r in data.read_rows("public/hint3_test.csv")]
    texts += [r.text for r in data.bitext_heldout()]
    texts += [r["text"] for r in data.read_rows("public/dravidian_test.csv")]
    texts += [r.text for r in data.own_test()]
    random.Random(20261128).shuffle(texts)
    return texts[:count]


def timed(function: Callable[[str], object], texts: list[str], repeat: int) -> list[float]:
    for text in texts[:200]:
        function(text)  # warm-up
    samples: list[float] = []
    for _ in range(repeat):
        for text in texts:
            started = time.perf_counter_ns()
            function(text)
            samples.append((time.perf_counter_ns() - started) / 1000)
    return samples


def first_sight(function: Callable[[str], object], texts: list[str]) -> list[float]:
    """One pass with the word caches empty: a fresh copy of the artifact, no warm-up."""
    model.use_artifact(model.read())
    samples: list[float] = []
    for text in texts:
        started = time.perf_counter_ns()
        function(text)
        samples.append((time.perf_counter_ns() - started) / 1000)
    return samples


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    artifact = model.read()
    load_ms = 1000 * (time.perf_counter() - started)
    model.use_artifact(artifact)
    texts = messages(args.messages)

    runs = {
        "baseline": lambda t: BASELINE.search(t),
        "rules": is_explicit_human_request,
        "intent": detect_intent,
        "language": detect_language,
    }
    results = {
        "intent, first sight": first_sight(detect_intent, texts),
        "language, first sight": first_sight(detect_language, texts),
    }
    model.use_artifact(artifact)
    results |= {name: timed(fn, texts, args.repeat) for name, fn in runs.items()}
    base = statistics.median(results["baseline"])

    size_mb = model.ARTIFACT_PATH.stat().st_size / 1e6
    print(f"python {platform.python_version()} on {platform.machine()}, {_cpus()} CPUs")
    print(
        f"{len(texts)} messages x {args.repeat} runs; artifact {size_mb:.2f} MB, "
        f"loaded in {load_ms:.0f} ms"
    )
    print()
    print("| what | median µs | p99 µs | median / baseline |")
    print("|---|---:|---:|---:|")
    for name, samples in results.items():
        median = statistics.median(samples)
        print(f"| {name} | {median:.1f} | {percentile(samples, 0.99):.1f} | {median / base:.0f}x |")


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    main()
