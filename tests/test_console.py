"""The agent console through Django's test client: access, what is offered, what the
server refuses anyway, escaping and CSRF. The live behaviour is in tests_browser/."""

import re
from urllib.parse import quote

import pytest
from django.test import Client as BrowserClient

from support.conversations.models import ConversationEvent, SupportMessage

pytestmark = pytest.mark.django_db


def browser(staff, **kwargs):
    client = BrowserClient(**kwargs)
    client.force_login(staff.agent.user)
    return client


def htmx(staff, **kwargs):
    """A client whose requests come from htmx, as the console's scripted forms send them."""
    return browser(staff, headers={"HX-Request": "true"}, **kwargs)


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_every_console_page_needs_a_login(client, customer):
    for url in ["/console/", f"/console/c/{customer.conversation_id}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/console/login/")


def test_users_who_are_not_agents_are_refused(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("outsider", password="pw-123456"))

    assert client.get("/console/").status_code == 403


def test_the_login_page_logs_an_agent_in(client, anu):
    response = client.post(
        "/console/login/", {"username": "agent_anu", "password": "pw-123456"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/console/"
    assert "Anu · agent" in response.content.decode()


def test_the_queue_tabs_count_and_filter(make_customer, anu, supervisor):
    waiting = make_customer("escalated", user_id="customer_waiting", language="ml")
    make_customer("assigned", agent=anu, user_id="customer_anu")
    make_customer("open", user_id="customer_bot")

    unassigned = page(browser(anu), "/console/")
    mine = page(browser(anu), "/console/?tab=mine")
    english = page(browser(anu), "/console/?tab=all&language=en")

    assert 'id="count-unassigned">1<' in unassigned
    assert 'id="count-mine">1<' in unassigned
    assert 'id="count-all">2<' in unassigned
    assert "customer_waiting" in unassigned and "customer_anu" not in unassigned
    assert "customer_anu" in mine and "customer_waiting" not in mine
    assert "customer_anu" in english and "customer_waiting" not in english
    assert "customer_bot" not in unassigned + mine + english
    assert str(waiting.conversation_id) in unassigned


def test_the_filters_apply_to_every_tab_and_to_its_count(make_customer, anu, supervisor):
    make_customer("escalated", user_id="customer_en_waiting")
    make_customer("escalated", user_id="customer_ml_waiting", language="ml")
    make_customer("assigned", agent=anu, user_id="customer_ml_anu", language="ml")
    make_customer("assigned", agent=anu, user_id="customer_en_anu")
    handled = make_customer("assigned", agent=anu, user_id="customer_ml_done", language="ml")
    browser(anu).post(f"/console/c/{handled.conversation_id}/resolve/")

    malayalam = page(browser(anu), "/console/?tab=mine&language=ml")
    resolved = page(browser(anu), "/console/?tab=mine&status=resolved")
    escalated_mine = page(browser(anu), "/console/?tab=mine&status=escalated")

    assert "customer_ml_anu" in malayalam
    assert "customer_en_anu" not in malayalam and "customer_ml_done" not in malayalam
    assert 'id="count-unassigned">1<' in malayalam
    assert 'id="count-mine">1<' in malayalam
    assert 'id="count-all">2<' in malayalam
    # Mine with "Resolved": what the viewer resolved, and who resolved it stays visible.
    assert "customer_ml_done" in resolved and "customer_ml_anu" not in resolved
    assert '<span class="muted">resolved by</span> Anu' in resolved
    assert 'id="count-mine">1<' in resolved and 'id="count-unassigned">0<' in resolved
    assert 'id="count-all">1<' in resolved
    sidebar = page(browser(supervisor), f"/console/c/{handled.conversation_id}/")
    assert " by Anu</dd>" in sidebar
    # A status a tab cannot hold: an empty tab, not the unfiltered one.
    assert "Nothing waiting here." in escalated_mine
    assert 'id="count-mine">0<' in escalated_mine


def test_only_a_waiting_conversation_has_a_running_clock(make_customer, anu):
    make_customer("escalated", user_id="customer_waiting")
    make_customer("assigned", agent=anu, user_id="customer_taken")

    html = page(browser(anu), "/console/?tab=all")

    assert html.count("data-since=") == 1
    assert html.count('title="Waited before an agent took it">waited 0\xa0minutes<') == 1


def test_customer_text_is_escaped(make_customer, supervisor):
    customer = make_customer("escalated")
    customer.client().post(
        customer.url("messages/"), {"message": "<script>alert(1)</script><b>bold</b>"}
    )

    html = page(browser(supervisor), f"/console/c/{customer.conversation_id}/")

    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_an_agent_is_offered_only_what_they_may_do(make_customer, anu, biju, supervisor):
    customer = make_customer("assigned", agent=anu)
    url = f"/console/c/{customer.conversation_id}/"

    as_anu, as_biju, as_meera = (page(browser(s), url) for s in (anu, biju, supervisor))

    assert 'id="composer"' in as_anu and ">Resolve<" in as_anu and "Transfer to" not in as_anu
    assert 'id="composer"' not in as_biju and ">Resolve<" not in as_biju
    assert "only they or a supervisor can reply" in as_biju
    assert "Transfer to" in as_meera and ">Resolve<" in as_meera


def test_the_handoff_brief_names_its_source_and_language_in_words(make_customer, supervisor):
    customer = make_customer("open", language="ml-Latn")
    customer.client().post(
        customer.url("messages/"), {"message": "njan consumer court-il case kodukkum"}
    )

    html = page(browser(supervisor), f"/console/c/{customer.conversation_id}/")

    heading = "Handoff brief</strong> · Keyword rule · Manglish (Malayalam in Latin letters)<"
    assert heading in html


def test_a_waiting_conversation_tells_an_agent_to_claim_it(make_customer, biju):
    customer = make_customer("escalated")

    html = page(browser(biju), f"/console/c/{customer.conversation_id}/")

    assert 'id="composer"' not in html and ">Claim<" in html
    assert "Waiting for an agent. Claim it to reply." in html
    assert "Assigned to" not in html


def test_no_template_source_reaches_a_page(client, make_customer, anu):
    customer = make_customer("assigned", agent=anu)
    pages = [
        page(client, "/console/login/"),
        page(browser(anu), "/console/"),
        page(browser(anu), "/console/?tab=all"),
        page(browser(anu), f"/console/c/{customer.conversation_id}/"),
        page(client, "/chat/"),
    ]

    for html in pages:
        assert "{#" not in html and "{%" not in html and "{{" not in html


def test_the_server_refuses_what_the_console_did_not_offer(make_customer, anu, biju):
    customer = make_customer("assigned", agent=anu)

    response = htmx(biju).post(f"/console/c/{customer.conversation_id}/resolve/")
    reply = htmx(biju).post(
        f"/console/c/{customer.conversation_id}/reply/", {"message": "hi", "kind": "reply"}
    )

    assert "This conversation is not assigned to you." in response.content.decode()
    assert response["HX-Retarget"] == "#flash"
    assert "This conversation is not assigned to you." in reply.content.decode()
    assert customer.conversation().status == "assigned"
    assert not SupportMessage.objects.filter(sender="agent").exists()


def test_replies_and_notes_go_through_the_lifecycle(make_customer, anu):
    customer = make_customer("assigned", agent=anu)
    base = f"/console/c/{customer.conversation_id}/"

    sent = htmx(anu).post(f"{base}reply/", {"message": "Hello!", "kind": "reply"})
    noted = htmx(anu).post(f"{base}reply/", {"message": "VIP", "kind": "note"})
    empty = htmx(anu).post(f"{base}reply/", {"message": "   ", "kind": "reply"})

    assert (sent.status_code, sent.content) == (204, b"")
    assert noted.status_code == 204
    assert "The message contains only whitespace." in empty.content.decode()
    # Errors go on top of the flash area, beside any service-level alerts, not over them.
    assert (empty["HX-Retarget"], empty["HX-Reswap"]) == ("#flash", "afterbegin")
    assert list(
        SupportMessage.objects.filter(sender="agent").values_list("text", "is_private")
    ) == [("Hello!", False), ("VIP", True)]
    assert customer.conversation().first_agent_reply_at is not None


def test_a_supervisor_assigns_from_the_console(make_customer, supervisor, anu):
    customer = make_customer("escalated")

    response = htmx(supervisor).post(
        f"/console/c/{customer.conversation_id}/assign/", {"agent_id": "agent_anu"}
    )

    assert response["HX-Trigger"] == "conversation-changed"
    assert "Transfer to" in response.content.decode()
    assert customer.conversation().assigned_agent_id == "agent_anu"
    assert ConversationEvent.objects.filter(kind="assigned").count() == 1


def test_console_forms_need_the_csrf_token(make_customer, supervisor):
    customer = make_customer("escalated")
    strict = browser(supervisor, enforce_csrf_checks=True)
    scripted = htmx(supervisor, enforce_csrf_checks=True)

    response = strict.post(f"/console/c/{customer.conversation_id}/resolve/")
    # A scripted page with a stale token (its user logged in again elsewhere) reloads.
    stale = scripted.post(f"/console/c/{customer.conversation_id}/resolve/")

    assert response.status_code == 403
    assert "HX-Refresh" not in response
    assert "CSRF verification failed" in response.content.decode()
    assert (stale.status_code, stale["HX-Refresh"]) == (403, "true")
    assert customer.conversation().status == "escalated"


def test_every_scripted_form_also_works_as_a_plain_form(make_customer, supervisor, anu):
    """A form htmx has not taken over yet (just redrawn, or no script) posts to the same
    action with its own CSRF token, instead of reloading the page with a query string."""
    waiting = make_customer("escalated")
    mine = make_customer("assigned", agent=supervisor)
    html = page(browser(supervisor), "/console/") + page(
        browser(supervisor), f"/console/c/{waiting.conversation_id}/"
    )
    html += page(browser(supervisor), f"/console/c/{mine.conversation_id}/")

    forms = re.findall(r"(<form [^>]*hx-post=[^>]*>)(.*?)</form>", html, flags=re.DOTALL)
    actions = {re.search(r'hx-post="([^"]+)"', tag)[1].split("/")[-2] for tag, _ in forms}

    assert actions == {"claim", "assign", "resolve", "unassign", "reply", "availability"}
    for tag, inside in forms:
        assert 'method="post"' in tag
        assert re.search(r'action="([^"]+)"', tag)[1] == re.search(r'hx-post="([^"]+)"', tag)[1]
        assert 'name="csrfmiddlewaretoken"' in inside


def test_a_plain_form_acts_and_comes_back_to_the_conversation(make_customer, supervisor, anu):
    customer = make_customer("escalated")
    base = f"/console/c/{customer.conversation_id}/"
    strict = browser(supervisor, enforce_csrf_checks=True)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(strict, base))[1]

    assigned = strict.post(
        f"{base}assign/", {"agent_id": "agent_anu", "csrfmiddlewaretoken": token}
    )
    replied = browser(anu).post(f"{base}reply/", {"message": "Namaskaram!", "kind": "reply"})
    resolved = browser(anu).post(f"{base}resolve/")

    for response in (assigned, replied, resolved):
        assert (response.status_code, response["Location"]) == (303, base)
        assert "HX-Trigger" not in response
    assert customer.conversation().status == "resolved"
    assert list(SupportMessage.objects.filter(sender="agent").values_list("text", flat=True)) == [
        "Namaskaram!"
    ]
    assert "Resolved" in page(browser(anu), base)


def test_a_claim_from_the_queue_as_a_plain_form_opens_the_conversation(make_customer, anu):
    waiting = make_customer("escalated")

    response = browser(anu).post(f"/console/c/{waiting.conversation_id}/claim/", {"from": "queue"})

    assert (response.status_code, response["Location"]) == (
        303,
        f"/console/c/{waiting.conversation_id}/",
    )
    assert waiting.conversation().assigned_agent_id == "agent_anu"


def test_a_refused_plain_form_shows_why_and_keeps_the_text(make_customer, anu, biju):
    customer = make_customer("assigned", agent=anu)
    base = f"/console/c/{customer.conversation_id}/"

    empty = browser(anu).post(f"{base}reply/", {"message": "   ", "kind": "reply"})
    too_long = browser(anu).post(f"{base}reply/", {"message": "x" * 4001, "kind": "reply"})
    not_hers = browser(biju).post(f"{base}resolve/")

    assert empty.status_code == 400
    assert '<div class="flash error" role="alert">The message contains only whitespace.' in (
        empty.content.decode()
    )
    assert too_long.status_code == 400
    assert f">{'x' * 4001}</textarea>" in too_long.content.decode()
    assert not_hers.status_code == 403
    assert "This conversation is not assigned to you." in not_hers.content.decode()
    assert 'id="conversation-status">Assigned<' in not_hers.content.decode()
    assert customer.conversation().status == "assigned"
    assert not SupportMessage.objects.filter(sender="agent").exists()


def test_a_script_request_after_the_session_ended_sends_the_page_to_log_in(make_customer, anu):
    """Not the login page drawn into a panel, and not a reply taken for sent: a 401 that
    sends the whole page to the login page, and back to it afterwards."""
    customer = make_customer("assigned", agent=anu)
    here = f"/console/c/{customer.conversation_id}/"
    ended = BrowserClient(headers={"HX-Request": "true", "HX-Current-URL": f"http://x{here}"})
    elsewhere = BrowserClient(
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/console/x/"}
    )

    reply = ended.post(f"{here}reply/", {"message": "Are you there?", "kind": "reply"})
    sidebar = ended.get(f"{here}sidebar/")
    foreign = elsewhere.post(f"{here}resolve/")

    assert (reply.status_code, reply["HX-Redirect"]) == (
        401,
        "/console/login/?next=" + quote(here, safe=""),
    )
    assert (sidebar.status_code, sidebar["HX-Redirect"]) == (401, reply["HX-Redirect"])
    # Only a console page of this site is come back to.
    assert foreign["HX-Redirect"] == "/console/login/?next=%2Fconsole%2Fx%2F"
    assert not SupportMessage.objects.filter(sender="agent").exists()
    assert customer.conversation().status == "assigned"


def test_new_messages_are_served_after_an_id(make_customer, anu):
    customer = make_customer("assigned", agent=anu)
    first = SupportMessage.objects.filter(conversation_id=customer.conversation_id).last()
    customer.client().post(customer.url("messages/"), {"message": "still there?"})

    html = page(browser(anu), f"/console/c/{customer.conversation_id}/messages/?after={first.pk}")

    assert html.count("<li") == 1
    assert "still there?" in html


def test_the_site_has_an_icon(client):
    response = client.get("/favicon.ico")

    assert (response.status_code, response["Location"]) == (301, "/static/console/icon.svg")
    assert '<link rel="icon" href="/static/console/icon.svg"' in page(client, "/chat/")
