"""Finding the articles that answer a question.

The knowledge base is small (tens of articles), so retrieval is a transparent score: the
article's intents matching the detected intent, plus the customer's words found among the
article's keywords and title. Both are cheap enough to compute per message.
"""

import re
import time
from dataclasses import dataclass

from django.conf import settings

from .models import Article

_WORD = re.compile(r"[\w\u0d00-\u0d7f]+", re.UNICODE)
INTENT_WEIGHT = 3.0


@dataclass(frozen=True)
class Snippet:
    slug: str
    title: str
    text: str
    score: float


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) > 2}


def _keywords(article: Article) -> set[str]:
    phrases = [k.strip().lower() for k in article.keywords.split(",") if k.strip()]
    return {w for phrase in phrases for w in _words(phrase)} | _words(article.title)


@dataclass(frozen=True)
class _Loaded:
    at: float
    articles: list[tuple[Article, set[str]]]


_loaded: _Loaded | None = None


def _active_articles() -> list[tuple[Article, set[str]]]:
    """The active articles with their keywords. Each process keeps them for
    KNOWLEDGE_CACHE_SECONDS: every assistant answer reads them, an edit is rare, and an
    edit in this process (``forget_articles``) shows at once."""
    global _loaded
    loaded, now = _loaded, time.monotonic()
    if loaded is None or now - loaded.at >= settings.KNOWLEDGE_CACHE_SECONDS:
        articles = [(a, _keywords(a)) for a in Article.objects.filter(active=True)]
        loaded = _loaded = _Loaded(at=now, articles=articles)
    return loaded.articles


def forget_articles() -> None:
    global _loaded
    _loaded = None


def search(*, text: str, intent: str, language: str, limit: int = 2) -> list[Snippet]:
    words = _words(text)
    scored: list[Snippet] = []
    for article, keywords in _active_articles():
        score = INTENT_WEIGHT if intent in article.intents else 0.0
        score += len(words & keywords)
        if score > 0:
            scored.append(Snippet(article.slug, article.title, article.body(language), score))
    scored.sort(key=lambda s: (-s.score, s.slug))
    return scored[:limit]
