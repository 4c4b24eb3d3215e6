"""The admin (spec section 5): status changes go through the lifecycle actions."""

import pytest

from support.conversations.models import ConversationEvent

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/support/supportconversation/"


@pytest.fixture
def supervisor_browser(client, supervisor):
    client.force_login(supervisor.agent.user)
    return client


def test_it_lists_conversations_with_status_and_agent(supervisor_browser, make_customer, anu):
    customer = make_customer("assigned", agent=anu)

    page = supervisor_browser.get(CHANGELIST, {"status__exact": "assigned"})

    assert page.status_code == 200
    html = page.content.decode()
    assert str(customer.conversation_id) in html
    assert "Anu (agent_anu)" in html


def test_agents_cannot_open_the_conversation_admin(client, anu):
    client.force_login(anu.agent.user)

    assert client.get(CHANGELIST).status_code == 302  # not staff: sent to the login page


def test_the_escalate_action_goes_through_the_lifecycle(supervisor_browser, customer):
    response = supervisor_browser.post(
        CHANGELIST,
        {"action": "escalate_selected", "_selected_action": [str(customer.conversation_id)]},
        follow=True,
    )

    assert response.status_code == 200
    conversation = customer.conversation()
    assert conversation.status == "escalated"
    assert conversation.escalation_source == "supervisor"
    event = ConversationEvent.objects.get(conversation=conversation, kind="escalated")
    assert (event.actor_id, event.reason) == ("supervisor_meera", "Escalated from the admin.")
    assert conversation.messages.filter(sender="system").count() == 1


def test_the_resolve_action_reports_conversations_it_cannot_resolve(
    supervisor_browser, make_customer
):
    done = make_customer("resolved")

    response = supervisor_browser.post(
        CHANGELIST,
        {"action": "resolve_selected", "_selected_action": [str(done.conversation_id)]},
        follow=True,
    )

    assert "This conversation is already resolved." in response.content.decode()
    assert ConversationEvent.objects.filter(kind="resolved").count() == 1


def test_assigning_in_the_change_form_uses_the_lifecycle(supervisor_browser, make_customer, anu):
    customer = make_customer("escalated")
    url = f"{CHANGELIST}{customer.conversation_id}/change/"

    response = supervisor_browser.post(
        url,
        {
            "priority": "high",
            "assign_to": "agent_anu",
            "messages-TOTAL_FORMS": "0",
            "messages-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    conversation = customer.conversation()
    assert (conversation.status, conversation.assigned_agent_id) == ("assigned", "agent_anu")
    assert conversation.priority == "high"
    assert ConversationEvent.objects.filter(conversation=conversation, kind="assigned").count() == 1
    assert conversation.messages.last().text == "Anu has joined the conversation."


def test_the_status_cannot_be_edited_directly(supervisor_browser, customer):
    url = f"{CHANGELIST}{customer.conversation_id}/change/"
    supervisor_browser.post(
        url,
        {
            "priority": "normal",
            "status": "resolved",
            "messages-TOTAL_FORMS": "0",
            "messages-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )

    assert customer.conversation().status == "open"
