"""The trained models: what they are, how they are trained, saved and loaded.

One joblib artifact (support/assistant/model/intents.joblib) holds two scikit-learn
pipelines and their metadata:

- ``intent``: TF-IDF over character n-grams (inside words) and word uni/bigrams of the
  normalised text, then a multinomial logistic regression over our intents. Its
  probabilities are the confidence ``detect_intent`` reports.
- ``language``: TF-IDF over character n-grams of Latin-script text, then a logistic
  regression telling English from Manglish. Malayalam script needs no model.

Training is deterministic: the inputs are read in file order (the files are written
sorted), the solver (lbfgs) uses no randomness, and nothing depends on hash order or memory
addresses: two trainings on the same data write byte-identical files.

The artifact is loaded once per process, lazily, and kept (``load_artifact``). Predictions
go through ``LinearTextModel``, the same arithmetic as the pipelines without scikit-learn's
per-call overhead.
"""

import functools
import hashlib
import logging
import pickle
import platform
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from . import text as text_module
from .data import EN, MANGLISH, Example, examples_sha256, training_examples
from .text import WORD_PATTERN, malayalam_share, normalize

logger = logging.getLogger(__name__)

ARTIFACT_PATH = Path(__file__).resolve().parent.parent / "model" / "intents.joblib"
FORMAT = 1
PICKLE_PROTOCOL = 5


@dataclass(frozen=True)
class Config:
    """Everything that shapes the trained models; part of the artifact's metadata."""

    char_ngrams: tuple[int, int] = (2, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    use_words: bool = True
    min_df: int = 2
    max_char_features: int = 60_000
    max_word_features: int = 20_000
    C: float = 10.0
    own_weight: float = 3.0  # the project's own examples: the only Malayalam/Manglish intents
    language_ngrams: tuple[int, int] = (1, 4)
    language_max_features: int = 30_000
    language_C: float = 10.0


DEFAULT_CONFIG = Config()


def text_code_sha256() -> str:
    """A digest of text.py: the model calls ``normalize`` at prediction time, so a change
    there without retraining would silently skew it (the artifact test compares this)."""
    return hashlib.sha256(Path(text_module.__file__).read_bytes()).hexdigest()


def _vectorizer(analyzer: str, ngrams: tuple[int, int], max_features: int, min_df: int) -> Any:
    return TfidfVectorizer(
        analyzer=analyzer,
        preprocessor=normalize,
        token_pattern=WORD_PATTERN if analyzer == "word" else None,
        ngram_range=ngrams,
        min_df=min_df,
        max_features=max_features,
        sublinear_tf=True,
        dtype=np.float32,
    )


def build_intent_pipeline(config: Config) -> Pipeline:
    parts = [
        (
            "char",
            _vectorizer("char_wb", config.char_ngrams, config.max_char_features, config.min_df),
        )
    ]
    if config.use_words:
        parts.append(
            (
                "word",
                _vectorizer("word", config.word_ngrams, config.max_word_features, config.min_df),
            )
        )
    return Pipeline(
        [
            ("features", FeatureUnion(parts)),
            ("model", LogisticRegression(C=config.C, max_iter=3000, class_weight="balanced")),
        ]
    )


def build_language_pipeline(config: Config) -> Pipeline:
    return Pipeline(
        [
            (
                "features",
                _vectorizer(
                    "char_wb", config.language_ngrams, config.language_max_features, min_df=2
                ),
            ),
            (
                "model",
                LogisticRegression(C=config.language_C, max_iter=3000, class_weight="balanced"),
            ),
        ]
    )


def intent_training_set(
    examples: Sequence[Example], config: Config
) -> tuple[list[str], list[str], np.ndarray]:
    chosen = [e for e in examples if e.intent]
    weights = np.array([config.own_weight if e.source == "own" else 1.0 for e in chosen])
    return [e.text for e in chosen], [e.intent for e in chosen], weights


def language_training_set(examples: Sequence[Example]) -> tuple[list[str], list[str]]:
    """Latin-script texts only: English versus Manglish."""
    chosen = [e for e in examples if e.language in (EN, MANGLISH) and malayalam_share(e.text) < 0.5]
    return [e.text for e in chosen], [e.language for e in chosen]


def _compact(pipeline: Pipeline) -> Pipeline:
    """Drop what prediction does not need: the (large) list of n-grams that were cut, and
    a cache key holding a memory address (it made two identical trainings differ)."""
    for step in pipeline.named_steps.values():
        vectorizers = (
            [v for _, v in step.transformer_list] if isinstance(step, FeatureUnion) else [step]
        )
        for vectorizer in vectorizers:
            for attribute in ("stop_words_", "_stop_words_id"):
                if hasattr(vectorizer, attribute):
                    delattr(vectorizer, attribute)
    return pipeline


# Words whose character n-grams are remembered, per model (a few MB at most).
WORD_CACHE_SIZE = 50_000


class LinearTextModel:
    """The fitted pipeline's prediction, without scikit-learn's per-call overhead.

    ``Pipeline.predict_proba`` on one message spends about 2 ms in input validation and
    FeatureUnion's joblib machinery around 50 µs of actual work. This does the same
    arithmetic (n-gram counts, sublinear tf, idf, l2 norm per vectorizer, linear scores,
    softmax or logistic) straight from the fitted attributes; tests/test_intents.py checks it
    against ``Pipeline.predict_proba``.

    The text is normalised once for all vectorizers (they share ``normalize`` as their
    preprocessor). Character n-grams inside words (``char_wb``) depend on one word alone, so
    each word's vocabulary indices are computed once and remembered: chat messages are made
    of the same few thousand words, and a word seen before costs one dictionary lookup
    instead of its n-grams (``WORD_CACHE_SIZE`` words per model, least recently used out).
    """

    def __init__(self, pipeline: Pipeline) -> None:
        features = pipeline.named_steps["features"]
        vectorizers = (
            [v for _, v in features.transformer_list]
            if isinstance(features, FeatureUnion)
            else [features]
        )
        self._blocks = []
        offset = 0
        for vectorizer in vectorizers:
            if vectorizer.norm != "l2" or not vectorizer.use_idf:
                raise ValueError("LinearTextModel expects l2-normalised tf-idf features")
            if vectorizer.preprocessor is not normalize:
                raise ValueError("LinearTextModel expects normalize as the preprocessor")
            self._blocks.append(
                (
                    self._indexer(vectorizer),
                    vectorizer.idf_.astype(np.float64),
                    offset,
                    vectorizer.sublinear_tf,
                )
            )
            offset += len(vectorizer.vocabulary_)
        classifier = pipeline.named_steps["model"]
        self.classes_ = classifier.classes_
        self._coef = np.ascontiguousarray(classifier.coef_.T, dtype=np.float64)  # features x k
        self._intercept = classifier.intercept_.astype(np.float64)
        self._binary = len(self.classes_) == 2

    @staticmethod
    def _indexer(vectorizer: TfidfVectorizer) -> Any:
        """A function from normalised text to the vocabulary indices of its n-grams, one per
        occurrence, as the vectorizer's analyzer finds them."""
        vocabulary = vectorizer.vocabulary_
        if vectorizer.analyzer == "char_wb":

            @functools.lru_cache(maxsize=WORD_CACHE_SIZE)
            def word_indices(word: str) -> tuple[int, ...]:
                # The n-grams scikit-learn's _char_wb_ngrams makes of one word.
                ngrams = vectorizer._char_wb_ngrams(word)
                return tuple(i for g in ngrams if (i := vocabulary.get(g)) is not None)

            def char_wb(text: str) -> list[int]:
                indices: list[int] = []
                for word in text.split():
                    indices += word_indices(word)
                return indices

            return char_wb
        if vectorizer.analyzer == "word":
            tokenize = vectorizer.build_tokenizer()
            stop_words = vectorizer.get_stop_words()

            def words(text: str) -> list[int]:
                ngrams = vectorizer._word_ngrams(tokenize(text), stop_words)
                return [i for g in ngrams if (i := vocabulary.get(g)) is not None]

            return words
        raise ValueError(f"LinearTextModel does not handle the {vectorizer.analyzer!r} analyzer")

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self._one(text) for text in texts])

    def _one(self, text: str) -> np.ndarray:
        text = normalize(text)
        scores = self._intercept.copy()
        for indexer, idf, offset, sublinear in self._blocks:
            counts = Counter(indexer(text))
            if not counts:
                continue
            indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if sublinear:
                weights = np.log(weights) + 1.0
            weights *= idf[indices]
            weights /= np.sqrt(weights @ weights)
            scores += weights @ self._coef[indices + offset]
        if self._binary:
            positive = 1.0 / (1.0 + np.exp(-scores[0]))
            return np.array([1.0 - positive, positive])
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()


@dataclass
class Artifact:
    intent: Pipeline
    language: Pipeline
    metadata: dict[str, Any] = field(default_factory=dict)
    # What the service predicts with: the same models, minus scikit-learn's overhead.
    intent_fast: LinearTextModel = field(init=False, repr=False)
    language_fast: LinearTextModel = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.intent_fast = LinearTextModel(self.intent)
        self.language_fast = LinearTextModel(self.language)


def train(examples: Sequence[Example] | None = None, config: Config = DEFAULT_CONFIG) -> Artifact:
    """Train both models; ``examples`` defaults to the repository's training data."""
    started = time.perf_counter()
    examples = training_examples() if examples is None else examples
    texts, intents, weights = intent_training_set(examples, config)
    intent = build_intent_pipeline(config)
    intent.fit(texts, intents, model__sample_weight=weights)
    language_texts, languages = language_training_set(examples)
    language = build_language_pipeline(config)
    language.fit(language_texts, languages)
    metadata = {
        "format": FORMAT,
        "training_data_sha256": examples_sha256(examples),
        "text_code_sha256": text_code_sha256(),
        "config": asdict(config),
        "labels": [str(label) for label in intent.classes_],
        "language_labels": [str(label) for label in language.classes_],
        "training_examples": dict(sorted(Counter(e.source for e in examples).items())),
        "intent_examples": dict(sorted(Counter(intents).items())),
        "features": {
            name: len(vectorizer.vocabulary_)
            for name, vectorizer in intent.named_steps["features"].transformer_list
        },
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }
    logger.debug("trained intent models in %.1f s", time.perf_counter() - started)
    return Artifact(intent, language, metadata)


def save(artifact: Artifact, path: Path = ARTIFACT_PATH) -> None:
    """One joblib file: the metadata, and the two pipelines pickled with the C pickler.

    joblib unpickles with pickle's pure-Python Unpickler, which took 0.4 s for the n-gram
    vocabularies; the C unpickler reads the same objects in 0.05 s.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    models = pickle.dumps(
        {"intent": _compact(artifact.intent), "language": _compact(artifact.language)},
        protocol=PICKLE_PROTOCOL,
    )
    joblib.dump({"metadata": artifact.metadata, "models": models}, path, compress=3)


def read(path: Path = ARTIFACT_PATH) -> Artifact:
    """Read an artifact. Like any pickle, only ever read files from this repository."""
    payload = joblib.load(path)
    metadata = payload.get("metadata", {}) if isinstance(payload, dict) else {}
    if metadata.get("format") != FORMAT:
        raise ValueError(f"{path} is not a format-{FORMAT} intent artifact; run train_intents")
    models = pickle.loads(payload["models"])  # noqa: S301 - our own file, see above
    return Artifact(models["intent"], models["language"], metadata)


_lock = threading.Lock()
_loaded: Artifact | None = None
_failed: Exception | None = None


def load_artifact() -> Artifact:
    """The committed artifact, read on first use and kept for the life of the process.

    A failure is kept too (and raised again), so a broken artifact is not re-read for
    every message.
    """
    global _loaded, _failed
    if _loaded is None:
        with _lock:
            if _failed is not None:
                raise _failed
            if _loaded is None:
                started = time.perf_counter()
                try:
                    _loaded = read()
                except Exception as error:
                    _failed = error
                    raise
                logger.info(
                    "loaded %s in %.0f ms",
                    ARTIFACT_PATH.name,
                    1000 * (time.perf_counter() - started),
                )
    return _loaded


def use_artifact(artifact: Artifact | None) -> None:
    """Replace the process's artifact (tests and evaluation of a freshly trained model)."""
    global _loaded, _failed
    with _lock:
        _loaded, _failed = artifact, None
