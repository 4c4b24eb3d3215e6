"""Supervisors configure webhook endpoints in the admin; agents cannot."""

import pytest

from support.notifications.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

ENDPOINTS = "/admin/notifications/webhookendpoint/"


def test_a_supervisor_adds_an_endpoint_with_a_kind_filter(client, supervisor):
    client.force_login(supervisor.agent.user)
    form = client.get(f"{ENDPOINTS}add/")
    assert form.status_code == 200
    proposed_secret = form.context["adminform"].form["secret"].value()
    assert len(proposed_secret) >= 40

    response = client.post(
        f"{ENDPOINTS}add/",
        {
            "url": "https://crm.example.com/hooks/support",
            "description": "CRM",
            "active": "on",
            "kinds": "conversation.escalated, sla.*, conversation.escalated",
            "secret": proposed_secret,
        },
    )

    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.description, endpoint.active, endpoint.secret) == (
        "https://crm.example.com/hooks/support",
        "CRM",
        True,
        proposed_secret,
    )
    assert endpoint.event_kinds == ["conversation.escalated", "sla.*"]
    assert endpoint.wants("sla.first_response_breached")
    assert not endpoint.wants("conversation.resolved")
    page = client.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()
    assert 'value="conversation.escalated, sla.*"' in page


def test_agents_cannot_see_or_change_endpoints(client, anu):
    WebhookEndpoint.objects.create(url="https://crm.example.com/hooks")
    client.force_login(anu.agent.user)

    assert client.get(ENDPOINTS).status_code == 302
    assert client.get("/admin/notifications/outboxevent/").status_code == 302


def test_supervisors_read_the_outbox(client, supervisor, make_customer):
    make_customer("open")
    client.force_login(supervisor.agent.user)

    assert client.get("/admin/notifications/outboxevent/").status_code == 200
    assert client.get("/admin/notifications/emaildelivery/").status_code == 200
    assert client.get("/admin/").content.decode().count("Webhook deliveries") == 1
