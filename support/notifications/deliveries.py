"""Claiming, retrying and giving up: the same for webhooks and emails.

A worker claims a due delivery with one conditional UPDATE (compare-and-set): the row must
still be pending and due; the update counts the attempt and moves ``next_attempt_at`` to the
end of a lease. When two workers race for a row the database serialises their UPDATEs and
the second finds ``next_attempt_at`` in the future: it claims nothing. The attempt is sent
outside any transaction; its outcome is written only if the row still belongs to that
attempt. A worker that dies mid-attempt loses its lease: the row is due again when the lease
ends (that attempt counts; a crash during the last one earns one more).
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F

from .models import Delivery, DeliveryStatus

D = TypeVar("D", bound=Delivery)

JITTER = 0.2  # up to 20% more, so receivers that come back are not hit by every retry at once


@dataclass(frozen=True)
class Claim:
    pk: int
    attempt: int  # the attempt this worker owns (1 for the first)


class Result(Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    GAVE_UP = "gave_up"
    STALE = "stale"  # another attempt owns the row now; this outcome was not written


def lease() -> timedelta:
    """How long a claimed attempt may run before the row is due again: well past the HTTP
    timeout, so a slow attempt is never sent twice at the same time."""
    return timedelta(seconds=max(60.0, 4 * settings.WEBHOOK_TIMEOUT_SECONDS))


def backoff(attempt: int, *, not_before: float | None = None) -> timedelta:
    """The wait after the ``attempt``-th failed attempt: base · 2^(attempt-1), up to 20%
    jitter, capped; at least ``not_before`` seconds (a receiver's Retry-After) within the cap."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    cap = settings.WEBHOOK_RETRY_MAX_SECONDS
    seconds = base * 2 ** min(max(attempt - 1, 0), 30) * (1 + random.uniform(0, JITTER))
    if not_before is not None:
        seconds = max(seconds, not_before)
    return timedelta(seconds=min(seconds, cap))


def due(model: type[D], *, now: datetime, limit: int) -> list[int]:
    """Pending deliveries whose time has come, oldest first."""
    return list(
        model._default_manager.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def claim(model: type[D], pk: int, *, now: datetime) -> Claim | None:
    """Take the next attempt of delivery ``pk`` if it is pending and due; None otherwise."""
    with transaction.atomic():
        taken = model._default_manager.filter(
            pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).update(attempts=F("attempts") + 1, next_attempt_at=now + lease())
        if not taken:
            return None
        # The UPDATE's row lock is held until this block ends: this reads our own attempt.
        attempt = model._default_manager.filter(pk=pk).values_list("attempts", flat=True).get()
    return Claim(pk=pk, attempt=attempt)


def succeed(model: type[D], claimed: Claim, *, now: datetime, **fields: Any) -> Result:
    """Mark it delivered. A success counts even when a later attempt owns the row."""
    done = model._default_manager.filter(pk=claimed.pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.DELIVERED, delivered_at=now, last_error="", **fields
    )
    return Result.DELIVERED if done else Result.STALE


def fail(
    model: type[D],
    claimed: Claim,
    *,
    now: datetime,
    error: str,
    retryable: bool,
    max_attempts: int,
    not_before: float | None = None,
    **fields: Any,
) -> Result:
    """Schedule the next attempt with backoff, or give up (not retryable, or the last
    attempt failed). Written only while the row still belongs to this attempt."""
    mine = model._default_manager.filter(
        pk=claimed.pk, status=DeliveryStatus.PENDING, attempts=claimed.attempt
    )
    if retryable and claimed.attempt < max_attempts:
        when = now + backoff(claimed.attempt, not_before=not_before)
        done = mine.update(next_attempt_at=when, last_error=error[:2000], **fields)
        return Result.RETRY if done else Result.STALE
    done = mine.update(
        status=DeliveryStatus.FAILED,
        gave_up_at=now,
        next_attempt_at=now,
        last_error=error[:2000],
        **fields,
    )
    return Result.GAVE_UP if done else Result.STALE


def retry_now(model: type[D], pks: list[int], *, now: datetime) -> int:
    """Give given-up deliveries a fresh count of attempts, due now (the admin's "retry"
    action). Pending ones are left alone: one of them may be mid-attempt."""
    return model._default_manager.filter(pk__in=pks, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, gave_up_at=None
    )
