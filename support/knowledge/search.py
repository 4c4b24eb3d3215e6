"""Finding the articles that answer a question.

The knowledge base is small (tens of articles), so retrieval is a transparent score: the
article's intents matching the detected intent, plus the customer's words found among the
article's keywords and title. Both are cheap enough to compute per message.
"""

import re
from dataclasses import dataclass

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


def search(*, text: str, intent: str, language: str, limit: int = 2) -> list[Snippet]:
    words = _words(text)
    scored: list[Snippet] = []
    for article in Article.objects.filter(active=True):
        score = INTENT_WEIGHT if intent in article.intents else 0.0
        score += len(words & _keywords(article))
        if score > 0:
            scored.append(Snippet(article.slug, article.title, article.body(language), score))
    scored.sort(key=lambda s: (-s.score, s.slug))
    return scored[:limit]
