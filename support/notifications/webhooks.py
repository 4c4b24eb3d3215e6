"""Webhook delivery (docs/webhooks.md).

Each attempt POSTs ``{"event_id", "type", "occurred_at", "data"}`` (the same bytes on every
attempt) with ``X-KS-Event-Id``, ``X-KS-Timestamp`` and ``X-KS-Signature: sha256=<hex of
HMAC-SHA256(secret, "<timestamp>.<body>")>``. A 2xx answer delivers it. Timeouts, connection
errors, 5xx, 408 and 429 are retried with exponential backoff until WEBHOOK_MAX_ATTEMPTS;
any other answer (3xx, 4xx) gives up at once: a wrong URL or secret does not heal by
waiting, and a supervisor sees the failure in the admin and retries after fixing it.
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import deliveries, outbox
from .deliveries import Claim, Result
from .models import OutboxEvent, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

USER_AGENT = "KeralaSellersSupport-Webhooks/1"
RETRYABLE_STATUS = frozenset({408, 429})


def envelope(event: OutboxEvent) -> dict[str, Any]:
    return {
        "event_id": str(event.event_id),
        "type": event.kind,
        "occurred_at": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.payload,
    }


def body(event: OutboxEvent) -> bytes:
    """The request body; the same bytes on every attempt."""
    return json.dumps(
        envelope(event), ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode()


def signature(secret: str, timestamp: int, payload: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def headers(
    event: OutboxEvent, endpoint: WebhookEndpoint, *, payload: bytes, timestamp: int, attempt: int
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-KS-Event-Id": str(event.event_id),
        "X-KS-Event-Type": event.kind,
        "X-KS-Timestamp": str(timestamp),
        "X-KS-Signature": signature(endpoint.secret, timestamp, payload),
        "X-KS-Attempt": str(attempt),
    }


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retryable: bool = False
    status_code: int | None = None
    error: str = ""
    retry_after: float | None = None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def post(url: str, *, payload: bytes, request_headers: dict[str, str]) -> Outcome:
    """One attempt. Never raises: every failure is an Outcome, retryable or not."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    try:
        response = httpx.post(
            url, content=payload, headers=request_headers, timeout=timeout, follow_redirects=False
        )
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
        return Outcome(delivered=False, error=f"invalid URL: {error}")
    except httpx.TimeoutException:
        return Outcome(delivered=False, retryable=True, error=f"timed out after {timeout:g} s")
    except httpx.HTTPError as error:
        return Outcome(delivered=False, retryable=True, error=f"{type(error).__name__}: {error}")
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(delivered=True, status_code=code)
    return Outcome(
        delivered=False,
        retryable=code >= 500 or code in RETRYABLE_STATUS,
        status_code=code,
        error=f"HTTP {code}: {response.text[:300]}",
        retry_after=_retry_after(response),
    )


def deliver(delivery_id: int, *, now: datetime | None = None) -> Result | None:
    """Claim the next attempt of a due delivery, send it, and record the outcome.

    None when the delivery was not ours to send (not due yet, claimed by another worker,
    delivered or given up). ``now`` fixes the clock (tests); by default the real time.
    """
    claimed = deliveries.claim(WebhookDelivery, delivery_id, now=now or timezone.now())
    if claimed is None:
        return None
    delivery = WebhookDelivery.objects.select_related("event__conversation", "endpoint").get(
        pk=delivery_id
    )
    event, endpoint = delivery.event, delivery.endpoint
    if not endpoint.active:
        outcome = Outcome(delivered=False, error="the endpoint is inactive")
    else:
        payload = body(event)
        timestamp = int((now or timezone.now()).timestamp())
        request_headers = headers(
            event, endpoint, payload=payload, timestamp=timestamp, attempt=claimed.attempt
        )
        outcome = post(endpoint.url, payload=payload, request_headers=request_headers)
    return _record_outcome(delivery, claimed, outcome, now=now or timezone.now())


def _record_outcome(
    delivery: WebhookDelivery, claimed: Claim, outcome: Outcome, *, now: datetime
) -> Result:
    if outcome.delivered:
        return deliveries.succeed(
            WebhookDelivery, claimed, now=now, last_status_code=outcome.status_code
        )
    with transaction.atomic():
        result = deliveries.fail(
            WebhookDelivery,
            claimed,
            now=now,
            error=outcome.error,
            retryable=outcome.retryable,
            max_attempts=settings.WEBHOOK_MAX_ATTEMPTS,
            not_before=outcome.retry_after,
            last_status_code=outcome.status_code,
        )
        if result is Result.GAVE_UP:
            _report_gave_up(delivery, attempts=claimed.attempt, error=outcome.error)
    if result is Result.RETRY:
        logger.info(
            "webhook %s to %s failed (attempt %d), will retry: %s",
            delivery.event.event_id,
            delivery.endpoint.url,
            claimed.attempt,
            outcome.error,
        )
    return result


def _report_gave_up(delivery: WebhookDelivery, *, attempts: int, error: str) -> None:
    event = delivery.event
    logger.warning(
        "gave up delivering %s %s to %s after %d attempts: %s",
        event.kind,
        event.event_id,
        delivery.endpoint.url,
        attempts,
        error,
    )
    if settings.NOTIFY_EMAIL_SUPERVISORS:
        outbox.record(
            outbox.WEBHOOK_GAVE_UP,
            conversation=event.conversation,
            data={
                "webhook": {
                    "event_id": str(event.event_id),
                    "type": event.kind,
                    "url": delivery.endpoint.url,
                    "attempts": attempts,
                    "last_error": error[:300],
                }
            },
        )


def sweep(
    *, now: datetime | None = None, limit: int = 200, run: Callable[[int], object] | None = None
) -> int:
    """Send every due delivery (or hand its id to ``run``, e.g. to enqueue it); returns how
    many were due. Deliveries whose worker died are due again once their lease ends."""
    ids = deliveries.due(WebhookDelivery, now=now or timezone.now(), limit=limit)
    for pk in ids:
        if run is None:
            deliver(pk, now=now)
        else:
            run(pk)
    return len(ids)
