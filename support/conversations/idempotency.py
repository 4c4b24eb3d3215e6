"""Idempotency-Key handling for message posts (IETF draft-ietf-httpapi-idempotency-key-header).

A key is claimed in the same transaction, under the same row lock, as the message it
protects, so a retry can never store the message twice. The first answer is stored once it
is known and replayed to every retry; a retry that arrives while the first request is still
running gets 409, and the same key with a different body gets 422.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from support.common.errors import Conflict, InvalidInput, Unprocessable

from .models import IdempotencyRecord, SupportConversation

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class IdempotencyKey:
    scope: str
    key: str
    fingerprint: str

    @classmethod
    def from_request(cls, *, key: str | None, scope: str, payload: Any) -> "IdempotencyKey | None":
        if key is None:
            return None
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidInput(
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.",
                code="invalid_idempotency_key",
            )
        body = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        fingerprint = hashlib.sha256(body.encode("utf-8")).hexdigest()
        return cls(scope=scope, key=key, fingerprint=fingerprint)


class Replay(Exception):
    """The request is a retry; ``record`` holds (or will hold) the first answer."""

    def __init__(self, record: IdempotencyRecord) -> None:
        super().__init__(record.key)
        self.record = record


def claim(
    conversation: SupportConversation, key: IdempotencyKey | None
) -> IdempotencyRecord | None:
    """Call under the conversation's row lock. Raises Replay for a key seen before."""
    if key is None:
        return None
    existing = IdempotencyRecord.objects.filter(
        conversation=conversation, scope=key.scope, key=key.key
    ).first()
    if existing is None:
        return IdempotencyRecord.objects.create(
            conversation=conversation, scope=key.scope, key=key.key, fingerprint=key.fingerprint
        )
    if existing.fingerprint != key.fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was already used with a different request.",
            code="idempotency_key_reused",
        )
    raise Replay(existing)


def store_response(record: IdempotencyRecord | None, status: int, body: Any) -> None:
    if record is None:
        return
    IdempotencyRecord.objects.filter(pk=record.pk, response_status__isnull=True).update(
        response_status=status, response_body=body
    )


def replayed_response(record: IdempotencyRecord) -> tuple[int, Any] | None:
    """The stored first answer, or None when the first request never stored one (it
    crashed after committing). Raises 409 while the first request may still be running."""
    record.refresh_from_db()
    if record.response_status is not None:
        return record.response_status, record.response_body
    age = timezone.now() - record.created_at
    if age < timedelta(seconds=settings.IDEMPOTENCY_PENDING_SECONDS):
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            code="idempotency_request_in_progress",
        )
    return None
