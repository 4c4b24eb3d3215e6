"""Background jobs of notifications (support.jobs): Celery tasks in production, the
in-process worker's jobs in the embedded mode. All idempotent: a delivery is claimed before
it is sent, and the sweep re-finds whatever a lost job left pending."""

from support import jobs

from . import emails, sla, webhooks
from .outbox import DELIVER_EMAIL, DELIVER_WEBHOOK

SWEEP_OUTBOX = "notifications.sweep_outbox"


@jobs.task(DELIVER_WEBHOOK)
def deliver_webhook(delivery_id: int) -> None:
    webhooks.deliver(delivery_id)


@jobs.task(DELIVER_EMAIL)
def deliver_email(delivery_id: int) -> None:
    emails.deliver(delivery_id)


@jobs.task(SWEEP_OUTBOX)
def sweep_outbox() -> None:
    """Every due delivery goes to a worker; with no worker to take it, it is sent here."""
    webhooks.sweep(run=lambda pk: jobs.enqueue(deliver_webhook, pk) or deliver_webhook(pk))
    emails.sweep(run=lambda pk: jobs.enqueue(deliver_email, pk) or deliver_email(pk))


@jobs.task(sla.SWEEP)
def sweep_sla() -> None:
    """Periodic (SLA_SWEEP_SECONDS): alert supervisors about missed service levels, once."""
    sla.sweep()
