"""The console's availability switch, team panel, claim and unassign buttons (through
Django's test client; live behaviour in tests_browser/)."""

import pytest

from support.agents.models import Agent, AgentEvent
from support.conversations.models import ConversationEvent

from .staffing import set_agent
from .test_console import browser, htmx, page

pytestmark = pytest.mark.django_db


def test_the_header_shows_the_availability_switch_and_the_load(make_customer, anu):
    make_customer("assigned", agent=anu)

    html = page(browser(anu), "/console/")

    assert 'id="availability"' in html
    assert '<option value="offline" selected>Offline</option>' in html
    assert 'id="my-load"' in html and ">1/5<" in html


def test_an_agent_goes_online_with_the_switch(anu):
    response = htmx(anu).post("/console/availability/", {"availability": "online"})

    assert response.status_code == 200
    assert '<option value="online" selected>Online</option>' in response.content.decode()
    assert Agent.objects.get(agent_id="agent_anu").availability == "online"
    assert list(AgentEvent.objects.values_list("new_value", "actor_id")) == [
        ("online", "agent_anu")
    ]


def test_the_switch_refuses_an_unknown_availability(anu):
    response = htmx(anu).post("/console/availability/", {"availability": "busy"})

    assert response["HX-Retarget"] == "#flash"
    assert "Choose online, away or offline." in response.content.decode()
    assert Agent.objects.get(agent_id="agent_anu").availability == "offline"


@pytest.mark.parametrize(
    ("sent_from", "back_to"),
    [
        ("/console/?tab=mine", "/console/?tab=mine"),
        ("https://elsewhere.example/console/", "/console/"),
        ("/admin/", "/console/"),
        ("/console/availability/", "/console/"),
        ("", "/console/"),
    ],
)
def test_the_switch_works_as_a_plain_form_and_returns_to_the_page(anu, sent_from, back_to):
    response = browser(anu).post(
        "/console/availability/", {"availability": "online", "next": sent_from}
    )

    assert (response.status_code, response["Location"]) == (303, back_to)
    assert Agent.objects.get(agent_id="agent_anu").availability == "online"


def test_a_refused_plain_switch_says_why(anu):
    response = browser(anu).post("/console/availability/", {"availability": "busy"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Availability not changed" in html and "Choose online, away or offline." in html
    assert Agent.objects.get(agent_id="agent_anu").availability == "offline"


def test_the_queue_shows_the_team_with_availability_and_load(make_customer, anu, biju):
    make_customer("assigned", agent=anu)
    set_agent(biju, "online", capacity=3)

    html = page(browser(anu), "/console/")

    team = html[html.index('id="team"') :]
    assert team.index("Biju") < team.index("Anu")  # online first
    assert 'data-agent="agent_biju"' in team and ">0/3<" in team
    assert ">1/5<" in team


def test_agents_claim_waiting_conversations_from_the_queue(make_customer, anu):
    waiting = make_customer("escalated")

    html = page(browser(anu), "/console/")
    response = htmx(anu).post(f"/console/c/{waiting.conversation_id}/claim/", {"from": "queue"})

    assert f'hx-post="/console/c/{waiting.conversation_id}/claim/"' in html
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/console/c/{waiting.conversation_id}/"
    conversation = waiting.conversation()
    assert (conversation.status, conversation.assigned_agent_id) == ("assigned", "agent_anu")


def test_a_claim_that_lost_the_race_shows_why(make_customer, anu, biju):
    taken = make_customer("assigned", agent=biju)

    response = htmx(anu).post(f"/console/c/{taken.conversation_id}/claim/", {"from": "queue"})

    assert response["HX-Retarget"] == "#flash"
    assert "This conversation is already assigned to agent_biju." in response.content.decode()


def test_claim_and_unassign_are_offered_to_whom_they_are_for(make_customer, anu, biju, supervisor):
    waiting = make_customer("escalated", user_id="customer_waiting")
    assigned = make_customer("assigned", agent=anu, user_id="customer_anu")

    def offered(staff, customer):
        html = page(browser(staff), f"/console/c/{customer.conversation_id}/")
        return (">Claim<" in html, ">Unassign<" in html)

    assert offered(anu, waiting) == (True, False)
    assert offered(supervisor, waiting) == (True, False)
    assert offered(anu, assigned) == (False, True)
    assert offered(biju, assigned) == (False, False)
    assert offered(supervisor, assigned) == (False, True)


def test_claiming_and_unassigning_from_the_conversation(make_customer, anu):
    waiting = make_customer("escalated")
    base = f"/console/c/{waiting.conversation_id}/"

    claimed = htmx(anu).post(f"{base}claim/")
    unassigned = htmx(anu).post(f"{base}unassign/")

    assert claimed["HX-Trigger"] == "conversation-changed"
    assert 'id="assigned-agent">Anu<' in claimed.content.decode()
    assert unassigned["HX-Trigger"] == "conversation-changed"
    assert ">Claim<" in unassigned.content.decode()
    assert list(
        ConversationEvent.objects.filter(conversation_id=waiting.conversation_id).values_list(
            "kind", flat=True
        )
    ) == ["created", "escalated", "claimed", "unassigned"]
