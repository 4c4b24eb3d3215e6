"""Background work: Celery workers on Redis in production (``BACKGROUND_WORKER=celery``), a
few threads inside the web process in the embedded mode (``inprocess``, the default), so
`make run` needs nothing else.

A job is a plain function registered with ``@task("app.name")`` in an app's ``tasks.py``; it
is a Celery task of the same name too. Jobs must be idempotent: one may run twice (a Celery
redelivery, a sweep that finds the same row again) or never (a process that stopped before
it ran). Work that must not be lost is therefore kept in the database (an outbox row) and
re-found by a periodic sweep; enqueueing a job only makes it happen sooner.

- ``enqueue_on_commit(task, *args)``: run the job once the current transaction commits
  (never before: a worker must see the rows the transaction wrote).
- ``settings.PERIODIC_TASKS`` (``{job name: seconds}``) is the registration point of periodic
  sweeps: Celery beat runs them (``CELERY_BEAT_SCHEDULE`` is built from it), and so does the
  in-process sweeper thread.

The in-process worker runs only where it was started: by the ASGI server through ``lifespan``
(config/asgi.py), or by a test that calls ``start_inprocess_worker()``. Elsewhere (management
commands, tests) enqueued jobs are skipped and left to the sweep of a running server.
"""

import asyncio
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

INPROCESS = "inprocess"
CELERY = "celery"


@dataclass(frozen=True)
class Task:
    """A registered background job; calling it runs it here and now."""

    name: str
    func: Callable[..., object]
    celery: Any  # the Celery task of the same name

    def __call__(self, *args: Any) -> object:
        return self.func(*args)


_tasks: dict[str, Task] = {}


def task(name: str) -> Callable[[Callable[..., object]], Task]:
    """Register ``func`` as the background job ``name`` (and the Celery task of that name)."""

    def register(func: Callable[..., object]) -> Task:
        registered = Task(
            name=name, func=func, celery=shared_task(name=name, ignore_result=True)(func)
        )
        _tasks[name] = registered
        return registered

    return register


def get(name: str) -> Task:
    """The job registered as ``name``; every app's ``tasks`` module is imported first."""
    if name not in _tasks:
        autodiscover_modules("tasks")
    try:
        return _tasks[name]
    except KeyError:
        raise LookupError(f"There is no background job named {name!r}.") from None


def enqueue(job: Task | str, *args: Any) -> bool:
    """Run ``job(*args)`` in the background now. Inside a transaction use enqueue_on_commit.
    Returns False when no worker takes it (the in-process worker is not running here)."""
    resolved = job if isinstance(job, Task) else get(job)
    if settings.BACKGROUND_WORKER == CELERY:
        resolved.celery.apply_async(args=args)
        return True
    return _worker.submit(resolved, args)


def enqueue_on_commit(job: Task | str, *args: Any) -> None:
    """Run ``job(*args)`` in the background after the current transaction commits (at once
    outside a transaction). A job that cannot be enqueued (the broker is down) is logged;
    the periodic sweep that owns the work finds it later."""
    resolved = job if isinstance(job, Task) else get(job)  # unknown names fail here, loudly
    transaction.on_commit(partial(_enqueue_logged, resolved, args))


def _enqueue_logged(job: Task, args: tuple[Any, ...]) -> None:
    try:
        enqueue(job, *args)
    except Exception:
        logger.exception("could not enqueue %s%r; its sweep will pick it up", job.name, args)


def run_logged(job: Task, args: tuple[Any, ...]) -> None:
    """Run a job in a worker thread the way a request runs: fresh database connections
    before and after, and a failure is logged, never raised into the thread."""
    close_old_connections()
    try:
        job(*args)
    except Exception:
        logger.exception("background job %s%r failed", job.name, args)
    finally:
        close_old_connections()


class InProcessWorker:
    """A few daemon threads that run enqueued jobs, and a sweeper thread that runs the
    periodic jobs one after the other. One per process; ``stop`` ends them cleanly."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[Task, tuple[Any, ...]] | None] = queue.Queue()
        self._workers: list[threading.Thread] = []
        self._sweeper: threading.Thread | None = None
        self._stopping = threading.Event()
        self._pid = 0

    @property
    def running(self) -> bool:
        return bool(self._workers) and self._pid == os.getpid() and not self._stopping.is_set()

    def start(self, *, threads: int, periodic: Mapping[str, float], tick: float = 1.0) -> None:
        with self._lock:
            if self.running:
                return
            schedule = {get(name): float(every) for name, every in periodic.items()}
            self._stopping = threading.Event()
            self._queue = queue.Queue()
            self._pid = os.getpid()
            self._workers = [
                threading.Thread(target=self._work, name=f"jobs-{n}", daemon=True)
                for n in range(max(1, threads))
            ]
            self._sweeper = threading.Thread(
                target=self._sweep, args=(schedule, tick), name="jobs-sweeper", daemon=True
            )
            for thread in [*self._workers, self._sweeper]:
                thread.start()
            logger.info(
                "in-process worker: %d threads, periodic %s",
                len(self._workers),
                ", ".join(f"{job.name} every {every:g}s" for job, every in schedule.items()),
            )

    def submit(self, job: Task, args: tuple[Any, ...]) -> bool:
        if not self.running:
            logger.debug("no in-process worker here; %s%r is left to its sweep", job.name, args)
            return False
        self._queue.put((job, args))
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking jobs, let running ones finish (up to ``timeout`` seconds) and end the
        threads. Jobs still queued are dropped: their sweep finds the work again."""
        with self._lock:
            if not self._workers:
                return
            self._stopping.set()
            for _ in self._workers:
                self._queue.put(None)
            deadline = time.monotonic() + timeout
            for thread in [*self._workers, *([self._sweeper] if self._sweeper else [])]:
                thread.join(max(0.0, deadline - time.monotonic()))
                if thread.is_alive():
                    logger.warning("background thread %s did not stop in time", thread.name)
            self._workers, self._sweeper = [], None

    def _work(self) -> None:
        try:
            while (item := self._queue.get()) is not None:
                if not self._stopping.is_set():
                    run_logged(*item)
        finally:
            connections.close_all()

    def _sweep(self, schedule: Mapping[Task, float], tick: float) -> None:
        last_run = dict.fromkeys(schedule, float("-inf"))
        try:
            while not self._stopping.is_set():
                for job, every in schedule.items():
                    if self._stopping.is_set():
                        break
                    if time.monotonic() - last_run[job] >= every:
                        last_run[job] = time.monotonic()
                        run_logged(job, ())
                self._stopping.wait(tick)
        finally:
            connections.close_all()


_worker = InProcessWorker()


def start_inprocess_worker(*, tick: float = 1.0) -> None:
    """Start this process's in-process worker (once; later calls do nothing)."""
    _worker.start(threads=settings.BACKGROUND_THREADS, periodic=settings.PERIODIC_TASKS, tick=tick)


def stop_inprocess_worker(timeout: float = 10.0) -> None:
    _worker.stop(timeout)


def inprocess_worker_running() -> bool:
    return _worker.running


async def lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """ASGI lifespan: the server starts the in-process worker (when BACKGROUND_WORKER is
    inprocess) with the application, and stops it on shutdown."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                if settings.BACKGROUND_WORKER == INPROCESS:
                    start_inprocess_worker()
            except Exception as error:
                logger.exception("could not start the in-process worker")
                await send({"type": "lifespan.startup.failed", "message": str(error)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await asyncio.to_thread(stop_inprocess_worker)
            await send({"type": "lifespan.shutdown.complete"})
            return
