"""Workers racing for the same deliveries send each attempt once (PostgreSQL: real row locks
and concurrent transactions; SQLite serialises every write and proves nothing here)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.utils import timezone

from support.conversations import actions
from support.notifications import outbox, webhooks
from support.notifications.deliveries import Result
from support.notifications.models import WebhookDelivery, WebhookEndpoint

from .webhook_receiver import Receiver

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]

WORKERS = 8


@pytest.fixture
def receiver():
    receiver = Receiver().up()
    yield receiver
    receiver.close()


def _in_thread(work):
    def run(*args):
        try:
            return work(*args)
        finally:
            connection.close()

    return run


def _record(count: int) -> list[str]:
    conversation, _ = actions.do_create_conversation(user_id="customer_race")
    with transaction.atomic():
        return [
            str(outbox.record(outbox.ESCALATED, conversation=conversation, data={"n": n}).event_id)
            for n in range(count)
        ]


def test_workers_racing_for_one_delivery_send_it_once(receiver):
    WebhookEndpoint.objects.create(url=receiver.url)
    (event_id,) = _record(1)
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    start = threading.Barrier(WORKERS)

    @_in_thread
    def worker(_: int) -> Result | None:
        start.wait()
        return webhooks.deliver(delivery.pk, now=now)

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(worker, range(WORKERS)))

    assert sorted(results, key=str) == sorted([Result.DELIVERED] + [None] * (WORKERS - 1), key=str)
    assert receiver.event_ids() == [event_id]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)


def test_concurrent_sweeps_deliver_every_event_once(receiver):
    WebhookEndpoint.objects.create(url=receiver.url)
    WebhookEndpoint.objects.create(url=receiver.url + "?second")
    event_ids = _record(20)
    now = timezone.now()
    start = threading.Barrier(WORKERS)

    @_in_thread
    def sweeper(_: int) -> int:
        start.wait()
        return webhooks.sweep(now=now)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(sweeper, range(WORKERS)))

    assert sorted(receiver.event_ids()) == sorted(event_ids * 2)  # once per endpoint
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("delivered", 1)}
