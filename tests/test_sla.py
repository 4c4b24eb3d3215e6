"""Service levels: supervisors hear once when a conversation waits unassigned too long or its
agent does not reply in time; times count from the escalation or assignment, not the start."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from support import jobs
from support.conversations import actions
from support.conversations.assignment import do_unassign_conversation
from support.conversations.models import ConversationEvent, SupportConversation
from support.notifications import sla
from support.notifications.models import OutboxEvent, SlaAlert

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _levels(settings):
    settings.AUTO_ASSIGN = False
    settings.SLA_WAITING_SECONDS = 300
    settings.SLA_FIRST_REPLY_SECONDS = 600
    settings.SLA_REASSIGN_NO_REPLY = False


def sweep(after_seconds):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return sla.sweep(now=timezone.now() + timedelta(seconds=after_seconds))


def sla_events(captured):
    return [e for e in captured if e.type == "sla.breached"]


def test_a_conversation_waiting_too_long_alerts_supervisors_once(make_customer, events):
    customer = make_customer("escalated")
    escalated_at = customer.conversation().escalated_at

    assert sweep(299) == []
    (alert,) = sweep(301)
    assert sweep(900) == []

    assert (alert.kind, alert.started_at, alert.agent_id) == ("waiting", escalated_at, "")
    assert 300 <= alert.waited_seconds <= 302
    (outbox_event,) = OutboxEvent.objects.filter(kind="sla.waiting_unassigned")
    assert outbox_event.conversation_id == customer.conversation_id
    assert outbox_event.payload["sla"] == {
        "kind": "waiting",
        "since": DjangoJSONEncoder().default(escalated_at),
        "waited_seconds": alert.waited_seconds,
        "limit_seconds": 300,
        "agent": None,
        "reassigned": False,
    }
    assert outbox_event.payload["actor"] == {"kind": "system", "id": "system"}
    (live,) = sla_events(events)
    assert live.groups == ("agent.supervisor_meera",)
    assert live.conversation_id == str(customer.conversation_id)
    assert live.data["kind"] == "waiting"


def test_the_wait_counts_from_the_escalation_not_from_the_start(customer, supervisor):
    SupportConversation.objects.filter(pk=customer.conversation_id).update(
        started_at=timezone.now() - timedelta(hours=3)  # a long chat with the assistant
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.do_escalate_conversation(
            actor=customer.actor, conversation_id=customer.conversation_id
        )

    assert sweep(120) == []
    assert [a.kind for a in sweep(301)] == ["waiting"]


def test_an_unassigned_conversation_waits_anew(make_customer, supervisor, anu):
    customer = make_customer("assigned", agent=anu)
    cid = customer.conversation_id
    with TestCase.captureOnCommitCallbacks(execute=True):
        do_unassign_conversation(actor=anu.actor, conversation_id=cid, reason="")
    unassigned_at = ConversationEvent.objects.get(conversation_id=cid, kind="unassigned").created_at

    (alert,) = sweep(301)

    assert (alert.kind, alert.started_at) == ("waiting", unassigned_at)


def test_an_assigned_conversation_is_no_longer_waiting(make_customer, supervisor, anu):
    customer = make_customer("escalated")
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.do_assign_conversation(
            actor=supervisor.actor, conversation_id=customer.conversation_id, agent_id="agent_anu"
        )

    assert [a.kind for a in sweep(400)] == []  # 400 s: waiting is over, no reply is not due


def test_an_agent_who_does_not_reply_in_time_is_reported_once(make_customer, anu, events):
    customer = make_customer("assigned", agent=anu)
    cid = customer.conversation_id
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.do_post_agent_message(
            actor=anu.actor, conversation_id=cid, text="internal only", private=True
        )

    assert sweep(599) == []
    (alert,) = sweep(601)
    assert sweep(3600) == []

    assert (alert.kind, alert.agent_id, alert.reassigned) == ("no_reply", "agent_anu", False)
    assert alert.started_at == customer.conversation().assigned_at
    (outbox_event,) = OutboxEvent.objects.filter(kind="sla.no_agent_reply")
    assert outbox_event.payload["sla"]["agent"] == "agent_anu"
    assert outbox_event.payload["conversation"]["assigned_agent"] == "agent_anu"
    assert [e.data["kind"] for e in sla_events(events)] == ["no_reply"]
    assert customer.conversation().status == "assigned"


def test_a_reply_in_time_keeps_the_service_level(make_customer, anu):
    customer = make_customer("assigned", agent=anu)
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.do_post_agent_message(
            actor=anu.actor, conversation_id=customer.conversation_id, text="Hello, I am Anu."
        )

    assert sweep(3600) == []


def test_a_reply_before_a_transfer_does_not_count_for_the_new_agent(
    make_customer, supervisor, anu, biju
):
    customer = make_customer("assigned", agent=anu)
    cid = customer.conversation_id
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.do_post_agent_message(actor=anu.actor, conversation_id=cid, text="Hello")
        actions.do_assign_conversation(
            actor=supervisor.actor, conversation_id=cid, agent_id="agent_biju"
        )

    (alert,) = sweep(601)

    assert (alert.kind, alert.agent_id) == ("no_reply", "agent_biju")


def test_a_silent_agents_conversation_goes_back_to_the_queue_when_configured(
    settings, make_customer, anu
):
    settings.SLA_REASSIGN_NO_REPLY = True
    customer = make_customer("assigned", agent=anu)

    (alert,) = sweep(601)

    conversation = customer.conversation()
    assert alert.reassigned is True
    assert (conversation.status, conversation.assigned_agent_id) == ("escalated", None)
    unassigned = ConversationEvent.objects.get(
        conversation_id=customer.conversation_id, kind="unassigned"
    )
    assert (unassigned.actor_kind, unassigned.actor_id, unassigned.data) == (
        "system",
        "system",
        {"from_agent": "agent_anu"},
    )
    assert unassigned.reason == "No reply within 10 minutes of the assignment."
    payload = OutboxEvent.objects.get(kind="sla.no_agent_reply").payload
    assert payload["sla"]["reassigned"] is True


def test_a_level_set_to_zero_is_off(settings, make_customer, anu):
    settings.SLA_WAITING_SECONDS = 0
    settings.SLA_FIRST_REPLY_SECONDS = 0
    make_customer("escalated")
    make_customer("assigned", agent=anu, user_id="customer_2")

    assert sweep(86400) == []


def test_the_sweep_is_a_periodic_job():
    assert django_settings.PERIODIC_TASKS["sla.sweep"] == django_settings.SLA_SWEEP_SECONDS
    assert jobs.get(sla.SWEEP).name == "sla.sweep"


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_alert_once(require_postgres, make_customer):
    customers = [make_customer("escalated", user_id=f"c{i}") for i in range(6)]
    later = timezone.now() + timedelta(seconds=301)
    barrier = threading.Barrier(4)
    found: list[list[SlaAlert]] = []

    def run():
        try:
            barrier.wait()
            found.append(sla.sweep(now=later))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    alerted = sorted(str(a.conversation_id) for run_ in found for a in run_)
    assert alerted == sorted(str(c.conversation_id) for c in customers)
    assert SlaAlert.objects.count() == 6
    assert OutboxEvent.objects.filter(kind="sla.waiting_unassigned").count() == 6


def test_supervisors_see_the_alerts_in_the_admin(client, supervisor, anu, make_customer):
    customer = make_customer("escalated")
    sweep(301)

    client.force_login(supervisor.agent.user)
    page = client.get("/admin/notifications/slaalert/")
    assert page.status_code == 200
    assert str(customer.conversation_id) in page.content.decode()
    client.force_login(anu.agent.user)
    assert client.get("/admin/notifications/slaalert/").status_code in (302, 403)
