"""The live console in a real browser: escalations arrive without reloads, supervisors
assign, agents reply and see the customer live, in separate browser contexts.

The customer here speaks through the live server's HTTP API (its events must be published by
the server's own process); tests_browser/test_handoff.py drives the customer's chat page.
"""

import json
import os
import re
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from .conftest import PASSWORD


def log_in(browser: Browser, base: str, username: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{base}/console/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#live-status")).to_have_text("live")
    return context, page


class Customer:
    """A customer talking to the live server's API."""

    def __init__(self, page: Page, base: str, user_id: str = "customer_live") -> None:
        self.request = page.context.request
        self.base = base
        created = self.request.post(
            f"{base}/api/v1/conversations/",
            data={"user_id": user_id, "language": "ml-Latn"},
        )
        assert created.status == 201
        body: dict[str, Any] = created.json()
        self.id = body["conversation_id"]
        self.headers = {"X-Conversation-Token": body["access_token"]}

    def say(self, text: str) -> dict[str, Any]:
        response = self.request.post(
            f"{self.base}/api/v1/conversations/{self.id}/messages/",
            data={"message": text},
            headers=self.headers,
        )
        assert response.status == 201, response.text()
        return response.json()


def meera_opens_an_escalation(browser: Browser, base: str) -> tuple[Any, Any, Any, Customer]:
    """Meera's console, live, on a conversation a customer has just escalated."""
    context, meera = log_in(browser, base, "supervisor_meera")
    customer_page = browser.new_context().new_page()
    customer = Customer(customer_page, base)
    customer.say("I want to talk to a human agent")
    meera.goto(f"{base}/console/c/{customer.id}/")
    expect(meera.locator("#live-status")).to_have_text("live")
    return context, meera, customer_page, customer


def test_an_escalation_arrives_live_and_is_handled_without_reloads(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    base = live_server_url
    meera_context, meera = log_in(browser, base, "supervisor_meera")
    anu_context, anu = log_in(browser, base, "agent_anu")
    expect(meera.locator("#count-unassigned")).to_have_text("0")
    anu_history = anu.evaluate("history.length")

    customer_context = browser.new_context()
    customer = Customer(customer_context.new_page(), base)
    customer.say("Hello")
    assert (
        customer.say("Enikku oru human agent-ine venam, please")["conversation_status"]
        == "escalated"
    )

    # Both consoles see it arrive, no reload.
    row = meera.locator(f'tr[data-conversation="{customer.id}"]')
    expect(row).to_be_visible(timeout=3000)
    expect(meera.locator("#count-unassigned")).to_have_text("1")
    expect(anu.locator(f'tr[data-conversation="{customer.id}"]')).to_be_visible(timeout=3000)

    # The supervisor opens it: the brief is on top, and assigns it to Anu.
    row.get_by_role("link").click()
    expect(meera.locator(".brief")).to_contain_text("Enikku oru human agent-ine venam, please")
    meera.get_by_label("Assign to").select_option("agent_anu")
    meera.get_by_role("button", name="Assign").click()
    expect(meera.locator("#conversation-status")).to_have_text("Assigned")
    expect(meera.locator("#transcript")).to_contain_text("Anu sambhashanathil chernnu.")

    # Anu's "Mine" tab counts it live; she opens it, replies, and sees the customer live.
    expect(anu.locator("#count-mine")).to_have_text("1", timeout=3000)
    # Live refreshes redraw the queue without adding history entries (Back still works).
    assert anu.evaluate("history.length") == anu_history
    anu.goto(f"{base}/console/c/{customer.id}/")
    expect(anu.locator("#live-status")).to_have_text("live")
    box = anu.get_by_role("textbox", name="Message")
    box.fill("Namaskaram, njan Anu aanu. Order number parayamo?")
    # Enter that confirms a word in an input method (Malayalam keyboards) sends nothing.
    box.dispatch_event("keydown", {"key": "Enter", "isComposing": True})
    anu.wait_for_timeout(300)
    expect(anu.locator("#transcript .msg.agent")).to_have_count(0)
    expect(box).to_have_value("Namaskaram, njan Anu aanu. Order number parayamo?")
    anu.keyboard.press("Enter")
    expect(anu.locator("#transcript .msg.agent")).to_contain_text("njan Anu aanu")
    customer.say("KS-10023")
    expect(anu.locator("#transcript .msg.user").last).to_contain_text("KS-10023", timeout=3000)
    # The supervisor's open view follows too.
    expect(meera.locator("#transcript")).to_contain_text("njan Anu aanu", timeout=3000)

    # A private note shows as a note, then Anu resolves.
    # While it is written, the note looks like one: its colour, placeholder and button.
    anu.get_by_label("Private note").check()
    expect(anu.locator("#composer")).to_have_class(re.compile(r"\bnote\b"))
    expect(anu.get_by_role("textbox", name="Message")).to_have_attribute(
        "placeholder", re.compile("^Write a private note: only your team sees it")
    )
    anu.get_by_role("textbox", name="Message").fill("Customer is polite; order is late.")
    anu.get_by_role("button", name="Add note").click()
    expect(anu.locator("#transcript .msg.note")).to_contain_text("order is late")
    anu.once("dialog", lambda dialog: dialog.accept())
    anu.get_by_role("button", name="Resolve").click()
    expect(anu.locator("#conversation-status")).to_have_text("Resolved")
    expect(anu.locator("#composer-area")).to_contain_text("This conversation is resolved.")
    expect(meera.locator("#conversation-status")).to_have_text("Resolved", timeout=3000)

    for context in (meera_context, anu_context, customer_context):
        context.close()


def test_agents_are_not_offered_what_they_may_not_do(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    context, anu = log_in(browser, live_server_url, "agent_anu")
    customer = Customer(browser.new_context().new_page(), live_server_url)
    customer.say("I want to talk to a human agent")

    anu.goto(f"{live_server_url}/console/c/{customer.id}/")

    expect(anu.get_by_role("button", name="Assign")).to_have_count(0)
    expect(anu.get_by_role("button", name="Resolve")).to_have_count(0)
    expect(anu.locator("#composer")).to_have_count(0)
    context.close()


def test_a_script_in_a_message_shows_as_text(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    context, meera = log_in(browser, live_server_url, "supervisor_meera")
    dialogs: list[str] = []
    meera.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    customer = Customer(browser.new_context().new_page(), live_server_url)
    customer.say("I want to talk to a human agent")
    meera.goto(f"{live_server_url}/console/c/{customer.id}/")

    customer.say('<img src=x onerror="alert(1)"><script>alert(2)</script>')

    last = meera.locator("#transcript .msg.user").last
    expect(last).to_contain_text('<img src=x onerror="alert(1)"><script>alert(2)</script>')
    assert meera.locator("#transcript img, #transcript script").count() == 0
    assert dialogs == []
    context.close()


def test_a_message_stored_while_the_transcript_is_being_fetched_still_appears(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    """The message's event arrives while a catch-up fetch that started before it is still
    in flight: the console fetches again instead of relying on the stale answer."""
    context, meera = log_in(browser, live_server_url, "supervisor_meera")
    customer = Customer(browser.new_context().new_page(), live_server_url)
    customer.say("I want to talk to a human agent")
    held: list[str] = []

    def hold_the_first_fetch(route: Route) -> None:
        if held:
            route.continue_()
            return
        held.append(route.request.url)
        stale = route.fetch()  # the transcript as it is before the next message
        request = urllib.request.Request(  # noqa: S310 - the live server's http URL
            f"{live_server_url}/api/v1/conversations/{customer.id}/messages/",
            data=json.dumps({"message": "Sent during the fetch"}).encode(),
            headers={**customer.headers, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:  # noqa: S310 - as above
            assert answer.status == 201
        time.sleep(1.5)  # the page gets the message's event while this fetch is held
        route.fulfill(response=stale)

    meera.route(f"**/console/c/{customer.id}/messages/**", hold_the_first_fetch)
    meera.goto(f"{live_server_url}/console/c/{customer.id}/")

    expect(meera.locator("#transcript .msg.user").last).to_contain_text("Sent during the fetch")
    assert len(held) == 1
    context.close()


def test_a_click_right_after_a_live_redraw_acts_without_reloading_the_page(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    """The sidebar is redrawn on every live event; a click on a redrawn button at once (before
    the next task) is an htmx action, not a native submission that reloads the page."""
    context, meera = log_in(browser, live_server_url, "supervisor_meera")
    customer = Customer(browser.new_context().new_page(), live_server_url)
    customer.say("I want to talk to a human agent")
    meera.goto(f"{live_server_url}/console/c/{customer.id}/")
    expect(meera.locator("#live-status")).to_have_text("live")

    meera.evaluate(
        """() => {
        window.sameDocument = true;
        new MutationObserver((changes, observer) => {
          observer.disconnect();
          document.getElementById("assign-agent").value = "agent_anu";
          document.querySelector("#assign-agent ~ button").click();
        }).observe(document.getElementById("sidebar"), { childList: true });
        htmx.trigger(document.body, "sidebar-refresh");
      }"""
    )

    expect(meera.locator("#conversation-status")).to_have_text("Assigned")
    expect(meera.locator("#assigned-agent")).to_have_text("Anu")
    assert meera.evaluate("window.sameDocument") is True
    assert meera.url == f"{live_server_url}/console/c/{customer.id}/"
    context.close()


def test_without_scripts_the_console_still_acts(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    customer = Customer(browser.new_context().new_page(), live_server_url)
    customer.say("I want to talk to a human agent")
    context = browser.new_context(java_script_enabled=False)
    meera = context.new_page()
    meera.goto(f"{live_server_url}/console/login/")
    meera.get_by_label("Username").fill("supervisor_meera")
    meera.get_by_label("Password").fill(PASSWORD)
    meera.get_by_role("button", name="Log in").click()
    meera.goto(f"{live_server_url}/console/c/{customer.id}/")

    # Away, not online: online would route the waiting conversation to her at once.
    meera.get_by_label("Availability").select_option("away")
    meera.get_by_role("button", name="Set").click()
    expect(meera.locator("#availability")).to_have_class(re.compile(r"\baway\b"))  # redrawn
    assert meera.url == f"{live_server_url}/console/c/{customer.id}/"
    meera.get_by_label("Assign to").select_option("agent_anu")
    meera.get_by_role("button", name="Assign").click()
    expect(meera.locator("#conversation-status")).to_have_text("Assigned")
    meera.get_by_role("textbox", name="Message").fill("   ")
    meera.get_by_role("button", name="Send").click()
    expect(meera.locator("#flash")).to_contain_text("The message contains only whitespace.")
    meera.get_by_role("textbox", name="Message").fill("Namaskaram, Meera aanu.")
    meera.get_by_role("button", name="Send").click()

    expect(meera.locator("#transcript .msg.agent")).to_contain_text("Namaskaram, Meera aanu.")
    assert meera.url == f"{live_server_url}/console/c/{customer.id}/"
    context.close()


def test_a_reply_over_the_limit_is_not_cut_off_and_says_by_how_much(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    base = live_server_url
    context, meera, _, customer = meera_opens_an_escalation(browser, base)
    box = meera.get_by_role("textbox", name="Message")
    counter = meera.locator("#message-count")
    text = "Namaskaram. " + "x" * 3_988

    box.fill(text + "y" * 50)

    expect(box).to_have_value(text + "y" * 50)
    expect(counter).to_have_text("4050 / 4000 characters: shorten it by 50 to send.")
    expect(meera.get_by_role("button", name="Send")).to_be_disabled()
    box.press("Enter")
    meera.wait_for_timeout(300)
    expect(meera.locator("#transcript .msg.agent")).to_have_count(0)

    box.fill(text)
    expect(counter).to_have_text("4000 / 4000 characters")
    box.press("Enter")
    expect(meera.locator("#transcript .msg.agent")).to_have_count(1)
    expect(box).to_have_value("")
    expect(counter).to_be_hidden()
    seen = customer.request.get(
        f"{base}/api/v1/conversations/{customer.id}/messages/", headers=customer.headers
    ).json()["results"]
    assert [m["message"] for m in seen if m["sender"] == "agent"] == [text]
    context.close()


def test_a_message_whose_event_was_lost_shows_when_the_console_catches_up(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    from support.conversations.models import SupportMessage

    context, meera, _, customer = meera_opens_an_escalation(browser, live_server_url)
    meera.wait_for_timeout(1000)  # the catch-ups of opening the page are over
    # Stored without its event, as if Redis had dropped it.
    SupportMessage.objects.create(
        conversation_id=customer.id, sender="user", text="Are you still there?"
    )
    meera.wait_for_timeout(500)
    expect(meera.locator("#transcript")).not_to_contain_text("Are you still there?")

    meera.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    expect(meera.locator("#transcript .msg.user").last).to_have_text(
        re.compile("Are you still there?")
    )
    context.close()


def test_a_reply_after_the_session_ended_is_kept_through_the_login(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    """Logged out elsewhere (or expired) while writing: Enter takes the page to the login
    page, nothing is sent, and after logging in the draft is back in its conversation."""
    base = live_server_url
    context, meera, _, customer = meera_opens_an_escalation(browser, base)
    box = meera.get_by_role("textbox", name="Message")
    box.fill("Namaskaram, oru nimisham.")

    context.clear_cookies(name="sessionid")  # the session ended (its 8 hours are up)
    box.press("Enter")
    expect(meera.get_by_role("button", name="Log in")).to_be_visible()
    meera.get_by_label("Username").fill("supervisor_meera")
    meera.get_by_label("Password").fill(PASSWORD)
    meera.get_by_role("button", name="Log in").click()

    assert meera.url == f"{base}/console/c/{customer.id}/"
    expect(meera.get_by_role("textbox", name="Message")).to_have_value("Namaskaram, oru nimisham.")
    expect(meera.locator("#transcript .msg.agent")).to_have_count(0)
    context.close()


@pytest.mark.parametrize("failure", ["server error", "no network"])
def test_a_reply_that_fails_says_so_and_keeps_the_text(
    browser: Browser, live_server_url: str, staff: None, failure: str
) -> None:
    base = live_server_url
    context, meera, _, customer = meera_opens_an_escalation(browser, base)

    def fail(route: Route) -> None:
        if failure == "server error":
            route.fulfill(status=500, body="Server Error (500)")
        else:
            route.abort("connectionfailed")

    meera.route(f"**/console/c/{customer.id}/reply/", fail)
    box = meera.get_by_role("textbox", name="Message")
    box.fill("Namaskaram!")
    box.press("Enter")

    expected = {
        "server error": "The server could not do this (error 500).",
        "no network": "The server could not be reached: nothing was done.",
    }[failure]
    expect(meera.locator("#flash .flash.error")).to_contain_text(expected)
    expect(box).to_have_value("Namaskaram!")
    meera.unroute(f"**/console/c/{customer.id}/reply/")
    box.press("Enter")  # the connection is back: the same text goes
    expect(meera.locator("#transcript .msg.agent")).to_contain_text("Namaskaram!")
    expect(box).to_have_value("")
    context.close()


def test_the_queue_fits_a_phone_and_the_team_table_keeps_its_columns(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    context, meera = log_in(browser, live_server_url, "supervisor_meera")
    meera.set_viewport_size({"width": 360, "height": 740})
    customer = Customer(browser.new_context().new_page(), live_server_url, "guest-" + "7f3a" * 12)
    customer.say("I want to talk to a human agent")

    expect(meera.locator(f'tr[data-conversation="{customer.id}"]')).to_be_visible(timeout=3000)
    assert meera.evaluate("document.scrollingElement.scrollWidth") <= 360
    anu = meera.locator('tr[data-agent="agent_anu"]')
    expect(anu.locator("td.load")).to_be_visible()
    expect(anu.locator("td").nth(3)).to_have_text("en, ml")
    expect(meera.locator(".queue-list th", has_text="Language")).to_be_hidden()
    expect(meera.get_by_role("button", name="Claim")).to_be_visible()
    context.close()


@pytest.mark.skipif(not os.environ.get("SCREENSHOTS"), reason="set SCREENSHOTS=1 to write them")
def test_write_the_console_screenshots(browser: Browser, live_server_url: str, staff: None) -> None:
    shots = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    base = live_server_url
    context, meera = log_in(browser, base, "supervisor_meera")
    customer_context = browser.new_context()
    for user, texts in [
        ("customer_ravi", ["Where is my order?", "I want to talk to a human agent"]),
        ("customer_lakshmi", ["ente refund evide?", "enikku oru agent-inodu samsarikkanam"]),
        ("customer_joseph", ["This seller is a fraud, I was cheated"]),
    ]:
        customer = Customer(customer_context.new_page(), base, user)
        for text in texts:
            customer.say(text)
    meera.reload()
    expect(meera.locator("tr[data-conversation]")).to_have_count(3)
    meera.screenshot(path=str(shots / "console-queue.png"))
    meera.locator("tr[data-conversation]").first.get_by_role("link").click()
    meera.get_by_label("Assign to").select_option("agent_anu")
    meera.get_by_role("button", name="Assign").click()
    expect(meera.locator("#conversation-status")).to_have_text("Assigned")
    meera.get_by_role("textbox", name="Message").fill("Hello, I am Meera. Checking this now.")
    meera.get_by_role("button", name="Send").click()
    expect(meera.locator("#transcript .msg.agent")).to_have_count(1)
    meera.screenshot(path=str(shots / "console-conversation.png"))
    meera.set_viewport_size({"width": 390, "height": 844})
    meera.screenshot(path=str(shots / "console-phone.png"))
    context.close()
    customer_context.close()
