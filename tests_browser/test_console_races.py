"""Live updates racing with what an agent is doing in the console: nothing the agent typed
or chose is lost or changed, and no older answer lands over a newer one."""

from typing import Any

from playwright.sync_api import Browser, Route, expect

from support.agents.models import Agent
from support.agents.services import issue_token

from .test_console import Customer, log_in, meera_opens_an_escalation


def _api_claim(page: Any, base: str, conversation_id: str, agent_id: str) -> None:
    token = issue_token(user=Agent.objects.get(agent_id=agent_id).user)
    answer = page.context.request.post(
        f"{base}/api/v1/conversations/{conversation_id}/claim/",
        data={},
        headers={"Authorization": f"Token {token}"},
    )
    assert answer.ok, answer.text()


def test_a_live_redraw_keeps_the_private_note_choice(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    """Meera writes a private note; meanwhile Anu claims the conversation and the live event
    redraws the composer. The text and the choice "Private note" both stay, so Enter posts
    a note, never a reply the customer would see (it used to go back to "Reply")."""
    base = live_server_url
    context, meera, customer_page, customer = meera_opens_an_escalation(browser, base)

    meera.get_by_label("Private note").check()
    box = meera.get_by_role("textbox", name="Message")
    box.fill("Internal: this customer tried a chargeback last month")
    meera.evaluate("window.composerBefore = document.getElementById('composer')")

    _api_claim(customer_page, base, customer.id, "agent_anu")  # Anu claims it, elsewhere

    expect(meera.locator("#assigned-agent")).to_have_text("Anu")
    meera.wait_for_function("document.getElementById('composer') !== window.composerBefore")
    expect(box).to_have_value("Internal: this customer tried a chargeback last month")
    box.press("Enter")
    expect(meera.locator("#transcript .msg.agent")).to_have_count(1)

    seen = customer_page.context.request.get(
        f"{base}/api/v1/conversations/{customer.id}/messages/", headers=customer.headers
    ).json()["results"]
    assert "chargeback" not in " ".join(m["message"] for m in seen), "the note reached the customer"
    expect(meera.get_by_label("Private note")).to_be_checked()
    context.close()


def test_a_reply_sent_while_the_composer_is_redrawn_clears_the_box(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    """The reply's POST is in flight when a live event redraws the composer. The sent text
    still leaves the box (it used to stay, because the box was cleared by an event fired on
    the old form, detached by then, so the text was ready to be sent twice)."""
    base = live_server_url
    context, meera, customer_page, customer = meera_opens_an_escalation(browser, base)

    held: list[Route] = []
    meera.route(f"**/console/c/{customer.id}/reply/", lambda route: held.append(route))
    box = meera.get_by_role("textbox", name="Message")
    box.fill("Namaskaram, Meera aanu.")
    meera.evaluate("window.composerBefore = document.getElementById('composer')")
    box.press("Enter")
    while not held:  # the route's handler runs when this thread next waits on the page
        meera.wait_for_timeout(20)

    _api_claim(customer_page, base, customer.id, "agent_anu")  # a live event meanwhile
    meera.wait_for_function("document.getElementById('composer') !== window.composerBefore")

    held[0].continue_()
    expect(meera.locator("#transcript .msg.agent")).to_contain_text("Namaskaram, Meera aanu.")
    expect(box).to_have_value("")
    context.close()


def test_a_live_queue_refresh_does_not_undo_a_filter_just_chosen(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    """A live refresh of the queue (its GET carries the filters of the moment) is in flight
    when the supervisor picks a filter. The older refresh must not land after the filter's
    answer: the list keeps matching the filter shown above it."""
    base = live_server_url
    context, meera = log_in(browser, base, "supervisor_meera")
    customer_page = browser.new_context().new_page()
    first = Customer(customer_page, base, "customer_one")
    first.say("I want to talk to a human agent")
    expect(meera.locator(f'tr[data-conversation="{first.id}"]')).to_be_visible()

    held: list[Route] = []
    refreshes: list[str] = []

    def hold_the_first_live_refresh(route: Route) -> None:
        if route.request.headers.get("hx-trigger") != "queue-refresh":
            route.continue_()
            return
        refreshes.append(route.request.url)
        if held:
            route.continue_()
        else:
            held.append(route)

    meera.route("**/console/?*", hold_the_first_live_refresh)
    meera.evaluate(
        """() => { window.refreshSwaps = 0; document.body.addEventListener("htmx:afterRequest",
             (e) => { if (e.target.id === "queue-refresh") window.refreshSwaps += 1; }); }"""
    )
    second = Customer(customer_page, base, "customer_two")  # a live event: a new escalation
    second.say("I want to talk to a human agent")
    while not held:  # the escalation's event reaches the page and it asks for the queue
        meera.wait_for_timeout(20)

    meera.get_by_label("Language").select_option("ml")  # both conversations are in English
    expect(meera.locator("#queue tr.empty")).to_have_text("Nothing waiting here.")

    held[0].continue_()
    meera.wait_for_function(f"window.refreshSwaps >= {len(refreshes)}")
    meera.wait_for_load_state("networkidle")
    assert meera.get_by_label("Language").input_value() == "ml"
    expect(meera.locator("#queue tr[data-conversation]")).to_have_count(0)
    context.close()


def _api(page: Any, base: str, path: str, agent_id: str) -> None:
    token = issue_token(user=Agent.objects.get(agent_id=agent_id).user)
    answer = page.context.request.post(
        f"{base}/api/v1/conversations/{path}", data={}, headers={"Authorization": f"Token {token}"}
    )
    assert answer.ok, answer.text()


def test_a_draft_survives_the_conversation_being_taken_back_and_claimed_again(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    """Anu is writing a long reply when the conversation is taken back to the queue (by a
    supervisor, or the no-reply service level): the live redraw replaces the composer with
    "Escalated…". Her text comes back when she claims it again."""
    base = live_server_url
    context, anu = log_in(browser, base, "agent_anu")
    customer_page = browser.new_context().new_page()
    customer = Customer(customer_page, base)
    customer.say("I want to talk to a human agent")
    _api(customer_page, base, f"{customer.id}/claim/", "agent_anu")
    anu.goto(f"{base}/console/c/{customer.id}/")
    expect(anu.locator("#live-status")).to_have_text("live")
    draft = "Namaskaram! Your refund for KS-10023 was approved on Monday; the bank takes"
    anu.get_by_role("textbox", name="Message").fill(draft)

    _api(customer_page, base, f"{customer.id}/unassign/", "supervisor_meera")
    expect(anu.locator("#conversation-status")).to_have_text("Escalated")
    anu.get_by_role("button", name="Claim").click()
    expect(anu.locator("#conversation-status")).to_have_text("Assigned")

    expect(anu.get_by_role("textbox", name="Message")).to_have_value(draft)
    context.close()


def test_a_reconnect_keeps_the_agent_chosen_to_assign_to(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    """The socket drops and reconnects ("watching" redraws the sidebar) after Meera has
    picked whom to assign to: the choice stays, and Assign assigns that agent."""
    from support.agents.services import create_agent

    create_agent(agent_id="agent_biju", display_name="Biju", languages=["en"])
    base = live_server_url
    context, meera = log_in(browser, base, "supervisor_meera")
    sockets: list[Any] = []

    def relay(ws: Any) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    meera.route_web_socket("**/ws/agent/", relay)
    customer = Customer(browser.new_context().new_page(), base)
    customer.say("I want to talk to a human agent")
    meera.goto(f"{base}/console/c/{customer.id}/")
    expect(meera.locator("#live-status")).to_have_text("live")
    meera.get_by_label("Assign to").select_option("agent_biju")
    meera.evaluate("window.sidebarBefore = document.getElementById('assign-agent')")

    sockets[-1].close()  # the connection drops; console.js reconnects and watches again
    meera.wait_for_function(
        "document.getElementById('assign-agent') !== window.sidebarBefore", timeout=10000
    )
    expect(meera.get_by_label("Assign to")).to_have_value("agent_biju")
    meera.get_by_role("button", name="Assign").click()
    expect(meera.locator("#assigned-agent")).to_have_text("Biju")
    context.close()
