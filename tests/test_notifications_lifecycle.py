"""The lifecycle actions write their outbox rows in the transaction of the change
(DESIGN.md: every escalation notifies; STYLE.md: a transition test asserts the outbox rows).

The actions call ``support.notifications.outbox.record`` after saving the conversation:
escalations (every trigger goes through one helper), assignments and transfers
(``data={"previous_agent": <agent id or None>}``), resolutions (``data={"previous_agent":
<who held it or None>}``); the acting Actor is passed as ``actor``.
"""

import pytest
from django.test import TestCase

from support.common.errors import Conflict
from support.conversations import actions
from support.notifications.models import OutboxEvent, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_escalation_assignment_transfer_and_resolution_write_outbox_rows(
    settings, make_customer, supervisor, anu, biju
):
    settings.AUTO_ASSIGN = False  # assignments here are the supervisor's only
    endpoint = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hooks")
    customer = make_customer("open")
    cid = customer.conversation_id

    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.do_escalate_conversation(actor=supervisor.actor, conversation_id=cid, reason="VIP")
        actions.do_assign_conversation(
            actor=supervisor.actor, conversation_id=cid, agent_id=anu.agent_id
        )
        actions.do_assign_conversation(
            actor=supervisor.actor, conversation_id=cid, agent_id=biju.agent_id
        )
        actions.do_resolve_conversation(actor=biju.actor, conversation_id=cid)
    with pytest.raises(Conflict):  # refused: nothing recorded
        actions.do_resolve_conversation(actor=supervisor.actor, conversation_id=cid)

    events = list(OutboxEvent.objects.filter(conversation_id=cid).order_by("id"))
    summary = [
        (
            event.kind,
            event.payload["conversation"]["status"],
            event.payload["conversation"]["assigned_agent"],
            event.payload.get("previous_agent"),
            event.payload["actor"],
        )
        for event in events
    ]
    meera = {"kind": "supervisor", "id": "supervisor_meera"}
    assert summary == [
        ("conversation.escalated", "escalated", None, None, meera),
        ("conversation.assigned", "assigned", "agent_anu", None, meera),
        ("conversation.assigned", "assigned", "agent_biju", "agent_anu", meera),
        (
            "conversation.resolved",
            "resolved",
            None,
            "agent_biju",
            {"kind": "agent", "id": "agent_biju"},
        ),
    ]
    escalated = events[0].payload["conversation"]
    assert (escalated["escalation_reason"], escalated["escalation_source"]) == ("VIP", "supervisor")
    assert list(
        WebhookDelivery.objects.order_by("id").values_list("event__kind", "endpoint", "status")
    ) == [(event.kind, endpoint.pk, "pending") for event in events]
