"""Background work: the Celery app and its tasks, and the in-process worker of the embedded
mode (support.jobs)."""

import asyncio
import threading
import time

import pytest
from django.db import transaction
from django.test import TestCase

from config import celery_app
from config.asgi import application
from support import jobs
from support.notifications import outbox, tasks
from support.notifications.models import WebhookDelivery, WebhookEndpoint

from .webhook_receiver import Receiver

NOTIFICATION_TASKS = {
    "notifications.deliver_webhook",
    "notifications.deliver_email",
    "notifications.sweep_outbox",
}


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def eager_celery(settings):
    settings.BACKGROUND_WORKER = "celery"
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield celery_app
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False


def wait_until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def background_threads():
    return [t.name for t in threading.enumerate() if t.name.startswith("jobs-") and t.is_alive()]


def test_the_celery_app_is_configured_with_the_jobs_and_the_beat_schedule(settings):
    assert celery_app.main == "config"
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
    assert celery_app.conf.task_acks_late is True
    assert set(celery_app.tasks) >= NOTIFICATION_TASKS
    assert celery_app.conf.beat_schedule["notifications.sweep_outbox"] == {
        "task": "notifications.sweep_outbox",
        "schedule": settings.OUTBOX_SWEEP_SECONDS,
    }
    # Every periodic job names a registered task.
    for name in settings.PERIODIC_TASKS:
        assert name in celery_app.tasks
        assert jobs.get(name).name == name


def test_an_unknown_job_fails_when_it_is_enqueued():
    with pytest.raises(LookupError, match=r"no background job named 'nope\.nothing'"):
        jobs.enqueue_on_commit("nope.nothing", 1)


def test_without_a_running_worker_an_enqueued_job_is_left_to_its_sweep(settings):
    settings.BACKGROUND_WORKER = "inprocess"

    assert not jobs.inprocess_worker_running()
    assert jobs.enqueue(tasks.deliver_webhook, 12345) is False


@pytest.mark.django_db
def test_celery_delivers_a_recorded_event_after_commit(eager_celery, receiver, customer):
    receiver.up()
    WebhookEndpoint.objects.create(url=receiver.url)

    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        event = outbox.record(outbox.ESCALATED, conversation=customer.conversation())

    assert receiver.event_ids() == [str(event.event_id)]
    assert WebhookDelivery.objects.get().status == "delivered"


@pytest.mark.django_db
def test_the_celery_sweep_sends_what_is_due(eager_celery, receiver, customer):
    WebhookEndpoint.objects.create(url=receiver.url)
    with transaction.atomic():  # its commit callbacks are dropped, like a lost task
        event = outbox.record(outbox.RESOLVED, conversation=customer.conversation())
    receiver.up()

    tasks.sweep_outbox.celery.apply()

    assert receiver.event_ids() == [str(event.event_id)]
    assert WebhookDelivery.objects.get().status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_the_inprocess_worker_delivers_after_commit_retries_and_stops(
    settings, receiver, make_customer
):
    settings.BACKGROUND_WORKER = "inprocess"
    settings.PERIODIC_TASKS = {"notifications.sweep_outbox": 0.05}
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.05
    settings.WEBHOOK_RETRY_MAX_SECONDS = 0.1
    customer = make_customer("open")
    WebhookEndpoint.objects.create(url=receiver.url)
    jobs.start_inprocess_worker(tick=0.02)
    try:
        assert jobs.inprocess_worker_running()
        receiver.up()
        with transaction.atomic():
            first = outbox.record(outbox.ESCALATED, conversation=customer.conversation())
        wait_until(lambda: receiver.event_ids() == [str(first.event_id)])

        receiver.answers = [503]  # the next one fails once; the sweeper retries it
        with transaction.atomic():
            second = outbox.record(outbox.RESOLVED, conversation=customer.conversation())
        wait_until(lambda: receiver.event_ids().count(str(second.event_id)) == 2)
        wait_until(lambda: WebhookDelivery.objects.filter(status="delivered").count() == 2)
    finally:
        jobs.stop_inprocess_worker()

    assert not jobs.inprocess_worker_running()
    assert background_threads() == []
    assert WebhookDelivery.objects.get(event=second).attempts == 2


@pytest.mark.django_db(transaction=True)
def test_the_asgi_server_starts_and_stops_the_inprocess_worker(settings):
    settings.BACKGROUND_WORKER = "inprocess"
    settings.PERIODIC_TASKS = {}

    async def lifespan():
        inbox: asyncio.Queue = asyncio.Queue()
        sent = []

        async def send(message):
            sent.append(message["type"])

        server = asyncio.create_task(application({"type": "lifespan"}, inbox.get, send))
        await inbox.put({"type": "lifespan.startup"})
        while not sent:
            await asyncio.sleep(0.01)
        running = jobs.inprocess_worker_running()
        await inbox.put({"type": "lifespan.shutdown"})
        await server
        return sent, running

    sent, running_while_served = asyncio.run(lifespan())

    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert running_while_served
    assert not jobs.inprocess_worker_running()
    assert background_threads() == []


def test_the_celery_mode_leaves_the_asgi_server_without_threads(settings):
    settings.BACKGROUND_WORKER = "celery"

    async def lifespan():
        inbox: asyncio.Queue = asyncio.Queue()
        sent = []

        async def send(message):
            sent.append(message["type"])

        await inbox.put({"type": "lifespan.startup"})
        await inbox.put({"type": "lifespan.shutdown"})
        await application({"type": "lifespan"}, inbox.get, send)
        return sent

    assert asyncio.run(lifespan()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert background_threads() == []
