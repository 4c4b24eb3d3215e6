"""Availability and assignment in a real browser: an agent who switches to Online receives
the waiting conversation at once; claiming from the queue and unassigning, seen live by the
supervisor."""

import re

from playwright.sync_api import Browser, expect

from .test_console import Customer, log_in


def test_an_agent_who_goes_online_receives_waiting_conversations_live(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    base = live_server_url
    anu_context, anu = log_in(browser, base, "agent_anu")
    expect(anu.get_by_label("Availability")).to_have_value("offline")
    customer_context = browser.new_context()
    customer = Customer(customer_context.new_page(), base)
    assert customer.say("Enikku oru human agent-ine venam, please")["conversation_status"] == (
        "escalated"
    )

    # Offline: the conversation waits in the queue.
    expect(anu.locator(f'tr[data-conversation="{customer.id}"]')).to_be_visible(timeout=3000)
    expect(anu.locator("#count-unassigned")).to_have_text("1")
    expect(anu.locator("#my-load")).to_have_text("0/5")

    # Online: it is hers at once (Manglish goes to a Malayalam speaker), and so is the next.
    anu.get_by_label("Availability").select_option("online")
    expect(anu.locator("#count-mine")).to_have_text("1", timeout=3000)
    expect(anu.locator("#count-unassigned")).to_have_text("0")
    expect(anu.locator("#my-load")).to_have_text("1/5")
    expect(anu.locator('#team tr[data-agent="agent_anu"]')).to_contain_text("Online")

    second = Customer(customer_context.new_page(), base, user_id="customer_second")
    second.say("I want to talk to a human agent")
    expect(anu.locator("#count-mine")).to_have_text("2", timeout=3000)
    expect(anu.locator("#my-load")).to_have_text("2/5", timeout=3000)
    for context in (anu_context, customer_context):
        context.close()


def test_an_agent_claims_from_the_queue_and_unassigns_while_the_supervisor_watches(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    base = live_server_url
    meera_context, meera = log_in(browser, base, "supervisor_meera")
    anu_context, anu = log_in(browser, base, "agent_anu")
    customer_context = browser.new_context()
    customer = Customer(customer_context.new_page(), base)
    customer.say("I want to talk to a human agent")

    row = anu.locator(f'tr[data-conversation="{customer.id}"]')
    expect(row).to_be_visible(timeout=3000)
    row.get_by_role("button", name="Claim").click()

    expect(anu).to_have_url(re.compile(rf"/console/c/{customer.id}/$"))
    expect(anu.locator("#conversation-status")).to_have_text("Assigned")
    expect(anu.locator("#transcript .msg.system").last).to_contain_text("Anu has joined")
    expect(meera.locator("#count-unassigned")).to_have_text("0", timeout=3000)

    anu.once("dialog", lambda dialog: dialog.accept())
    anu.get_by_role("button", name="Unassign").click()

    expect(anu.locator("#conversation-status")).to_have_text("Escalated")
    expect(anu.get_by_role("button", name="Claim")).to_be_visible()
    expect(anu.locator("#transcript .msg.system").last).to_contain_text("Anu has left")
    expect(meera.locator("#count-unassigned")).to_have_text("1", timeout=3000)
    for context in (meera_context, anu_context, customer_context):
        context.close()
