"""Background jobs of agents (support.jobs): Celery tasks in production, the in-process
worker's jobs in the embedded mode. Both are idempotent and safe to run in many workers."""

from support import jobs

from .availability import sweep_offline_agents
from .routing import ASSIGN_WAITING, SWEEP, assign_waiting


@jobs.task(ASSIGN_WAITING)
def assign_waiting_job() -> None:
    """Drain the queue: enqueued after escalations and whenever an agent has room."""
    assign_waiting()


@jobs.task(SWEEP)
def sweep() -> None:
    """Periodic (AGENT_SWEEP_SECONDS): agents whose console closed go offline, and waiting
    conversations whose language wait ran out go to any agent with room."""
    sweep_offline_agents()
    assign_waiting()
