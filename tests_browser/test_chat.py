"""The customer chat page (/chat/) and its embed script, in Chromium against a live server.

Set SCREENSHOTS=1 to also write docs/screenshots/chat-desktop.png and chat-phone.png.
"""

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from support.agents.models import Agent, Availability, Role
from support.agents.services import create_agent, issue_token
from support.conversations import actions, identity
from support.conversations.actors import Actor
from support.conversations.models import SupportConversation, SupportMessage
from support.orders.services import upsert_order

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
# The shop: a page of another site (localhost is not 127.0.0.1) served by the live server
# from a test static directory. A real loopback response, because Chromium refuses requests
# from public (or route-fulfilled) pages to loopback addresses (Private Network Access).
SHOP_ALLOWED = "http://localhost:*"
SCRIPT_PAYLOAD = "<img src=x onerror=alert(1)><script>alert(2)</script>"


# ---- helpers ----------------------------------------------------------------------------


class Chat:
    """The chat page, through the labels and roles a customer (or a screen reader) uses."""

    def __init__(self, page: Page, strings: dict[str, str] | None = None) -> None:
        self.page = page
        self.s = {
            "message": "Message",
            "send": "Send",
            "human": "Talk to a human",
            "new": "Start a new conversation",
            **(strings or {}),
        }

    @property
    def transcript(self) -> Any:
        return self.page.locator("#chat-transcript")

    @property
    def messages(self) -> Any:
        return self.transcript.locator("[data-message-id]")

    def of(self, sender: str) -> Any:
        return self.transcript.locator(f'[data-sender="{sender}"]')

    @property
    def input(self) -> Any:
        return self.page.get_by_label(self.s["message"], exact=True)

    @property
    def human_button(self) -> Any:
        return self.page.get_by_role("button", name=self.s["human"])

    @property
    def new_button(self) -> Any:
        return self.page.get_by_role("button", name=self.s["new"])

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.page.get_by_role("button", name=self.s["send"], exact=True).click()

    def ask(self, text: str) -> None:
        """Send ``text`` and wait for the assistant's answer to it."""
        answers = self.of("ai").count()
        self.send(text)
        expect(self.of("ai")).to_have_count(answers + 1)

    def stored(self) -> dict[str, Any] | None:
        return self.page.evaluate(
            """() => {
                const key = Object.keys(localStorage).find(
                    (k) => k.startsWith("ks-chat:conversation:"));
                return key ? JSON.parse(localStorage.getItem(key)) : null;
            }"""
        )


@pytest.fixture
def page_errors(page: Page) -> Iterator[list[str]]:
    """Uncaught errors in the page; every test ends with none."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield errors
    assert errors == []


class Staff:
    """Agents acting through the HTTP API, as the console does."""

    def __init__(self, page: Page, base: str) -> None:
        self.request = page.request
        self.api = f"{base}/api/v1"
        supervisor = create_agent(
            agent_id="supervisor_meera", display_name="Meera", role=Role.SUPERVISOR
        )
        anu = create_agent(agent_id="agent_anu", display_name="Anu", languages=["en", "ml"])
        self.supervisor_token = issue_token(user=supervisor.user)
        self.anu_token = issue_token(user=anu.user)

    def _post(self, token: str, path: str, data: dict[str, Any] | None = None) -> Any:
        response = self.request.post(
            f"{self.api}/{path}", data=data or {}, headers={"Authorization": f"Token {token}"}
        )
        assert response.ok, response.text()
        return response.json()

    def assign_anu(self, conversation_id: str) -> None:
        self._post(
            self.supervisor_token,
            f"conversations/{conversation_id}/assign/",
            {"agent_id": "agent_anu"},
        )

    def anu_says(self, conversation_id: str, text: str) -> None:
        self._post(
            self.anu_token, f"conversations/{conversation_id}/agent/messages/", {"message": text}
        )

    def resolve(self, conversation_id: str) -> None:
        self._post(self.anu_token, f"conversations/{conversation_id}/resolve/")


def _order(user_id: str, order_number: str) -> None:
    now = timezone.now()
    upsert_order(
        order_number=order_number,
        fields={
            "user_id": user_id,
            "status": "shipped",
            "items": [{"name": "Kasavu saree", "qty": 1}],
            "total_rupees": "2499.00",
            "payment_method": "upi",
            "placed_at": now - timedelta(days=2),
            "expected_delivery": timezone.localdate() + timedelta(days=2),
        },
    )


# ---- the customer and the assistant ------------------------------------------------------


def assigned_to_anu(page: Page, base: str, user_id: str) -> tuple[Chat, str, Staff]:
    """A customer on the chat page asks for a human; a supervisor assigns Anu."""
    chat = Chat(page)
    page.goto(f"{base}/chat/?user_id={user_id}")
    chat.human_button.click()
    expect(chat.of("system")).to_have_count(1)
    conversation_id = chat.stored()["conversation_id"]  # type: ignore[index]
    staff = Staff(page, base)
    staff.assign_anu(conversation_id)
    return chat, conversation_id, staff


def test_a_customer_chats_with_the_assistant_and_a_reload_keeps_the_transcript(
    page: Page, live_server_url: str, page_errors: list[str]
) -> None:
    chat = Chat(page)
    page.goto(f"{live_server_url}/chat/?user_id=customer_123")
    expect(chat.input).to_be_visible()
    expect(chat.messages).to_have_count(0)

    chat.ask("Where is my order?")

    expect(chat.of("user")).to_have_text(["Where is my order?"])
    assert chat.of("ai").inner_text().strip()
    expect(page.get_by_text("Assistant", exact=True)).to_be_visible()
    expect(chat.input).to_have_value("")
    stored = chat.stored()
    assert stored and stored["access_token"]
    conversation = SupportConversation.objects.get()
    assert str(conversation.conversation_id) == stored["conversation_id"]
    assert conversation.user_id == "customer_123"
    page.wait_for_timeout(500)  # the socket brings the same two messages: still shown once
    expect(chat.messages).to_have_count(2)
    before = chat.messages.all_inner_texts()

    page.reload()

    expect(chat.messages).to_have_count(2)
    assert chat.messages.all_inner_texts() == before
    page.wait_for_timeout(500)  # the socket's catch-up after it connects adds nothing
    expect(chat.messages).to_have_count(2)

    chat.ask("How do I return an item?")  # the same conversation goes on
    expect(chat.messages).to_have_count(4)
    assert SupportConversation.objects.count() == 1
    assert chat.stored() == stored


def test_a_message_over_the_limit_is_not_cut_off_and_says_by_how_much(
    page: Page, live_server_url: str, page_errors: list[str]
) -> None:
    """Pasted text over 4,000 characters stays whole: a counter says by how much it is over
    and Send waits until it is short enough (the box used to cut it off without a word)."""
    chat = Chat(page)
    page.goto(f"{live_server_url}/chat/?user_id=customer_123")
    counter = page.locator("#chat-count")
    send = page.get_by_role("button", name="Send", exact=True)
    text = "Where is my order? " + "😀" * 3_960  # 3,979: an emoji is one character to the server

    chat.input.fill(text + "!" * 30)

    expect(chat.input).to_have_value(text + "!" * 30)
    expect(counter).to_have_text("4009 / 4000 characters: shorten it by 9 to send.")
    expect(send).to_be_disabled()
    chat.input.press("Enter")
    page.wait_for_timeout(300)
    expect(chat.messages).to_have_count(0)

    chat.input.fill(text)
    expect(counter).to_have_text("3979 / 4000 characters")
    expect(send).to_be_enabled()
    send.click()
    expect(chat.of("user")).to_have_count(1)
    expect(counter).to_be_hidden()
    stored = SupportMessage.objects.filter(sender="user").get()
    assert stored.text == text


def test_the_page_follows_the_language_the_customer_writes_in_unless_they_picked_one(
    browser: Browser, live_server_url: str
) -> None:
    """The banner and the notice under it used to say the same thing in two languages: the
    page's (English) and the conversation's (Manglish, from what the customer wrote)."""
    follows = browser.new_page()
    follows.goto(f"{live_server_url}/chat/?user_id=customer_follows")
    Chat(follows).send("enikku oru agent-inodu samsarikkanam")

    expect(follows.locator("html")).to_have_attribute("lang", "ml-Latn")
    expect(follows.get_by_role("status")).to_contain_text(
        "Ningale oru agent-umaayi bandhippikkunnu."
    )
    expect(follows.locator("#chat-input")).to_have_attribute("placeholder", "Message ezhuthuka…")

    picked = browser.new_page()
    picked.goto(f"{live_server_url}/chat/?user_id=customer_picked")
    picked.get_by_label("Language").select_option("en")
    Chat(picked).send("enikku oru agent-inodu samsarikkanam")

    expect(picked.get_by_role("status")).to_contain_text("Connecting you to an agent.")
    expect(picked.locator("html")).to_have_attribute("lang", "en")
    for page in (follows, picked):
        page.close()


def test_a_message_whose_event_was_lost_shows_when_the_page_catches_up(
    page: Page, live_server_url: str, page_errors: list[str]
) -> None:
    """The socket stays open while Redis drops an event: the page reads what it missed every
    minute and whenever it is looked at again (here: the tab becomes visible)."""
    chat, conversation_id, _ = assigned_to_anu(page, live_server_url, "customer_456")
    expect(chat.of("system")).to_have_count(2)  # "Anu has joined", live

    # Stored without its event, as if Redis had dropped it (the server runs in another
    # process, so the row is written here, beside it).
    SupportMessage.objects.create(
        conversation_id=conversation_id,
        sender="agent",
        text="Sorry for the wait, checking now.",
        agent=Agent.objects.get(agent_id="agent_anu"),
    )
    page.wait_for_timeout(500)
    expect(chat.of("agent")).to_have_count(0)

    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")

    expect(chat.of("agent")).to_have_text(["Sorry for the wait, checking now."])


def test_a_message_with_markup_shows_as_text_and_runs_nothing(
    page: Page, live_server_url: str, page_errors: list[str]
) -> None:
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    chat = Chat(page)
    page.goto(f"{live_server_url}/chat/?user_id=customer_xss")

    chat.ask(SCRIPT_PAYLOAD)

    expect(chat.of("user")).to_have_text([SCRIPT_PAYLOAD])
    expect(page.get_by_text(SCRIPT_PAYLOAD, exact=True)).to_be_visible()
    assert page.locator("#chat-transcript img, #chat-transcript script").count() == 0
    assert page.locator("#chat-outbox img, #chat-outbox script").count() == 0

    page.reload()  # the transcript read back from the API: text again

    expect(chat.of("user")).to_have_text([SCRIPT_PAYLOAD])
    assert page.locator("#chat-transcript img, #chat-transcript script").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


# ---- escalation, a human agent, the end ----------------------------------------------------


def test_talk_to_a_human_then_an_agent_replies_live_and_resolves(
    page: Page, browser: Browser, live_server_url: str, page_errors: list[str]
) -> None:
    chat = Chat(page)
    socket_urls: list[str] = []
    page.on("websocket", lambda socket: socket_urls.append(socket.url))
    page.goto(f"{live_server_url}/chat/?user_id=customer_456")
    chat.ask("My parcel arrived damaged")
    expect(chat.human_button).to_be_visible()

    chat.human_button.click()

    expect(chat.of("system")).to_contain_text(["You are being connected to a human agent"])
    expect(page.get_by_role("status")).to_have_text(
        "Connecting you to an agent. Please stay here. You are number 1 in the queue"
    )
    expect(chat.human_button).to_be_hidden()
    conversation_id = chat.stored()["conversation_id"]  # type: ignore[index]

    staff = Staff(page, live_server_url)
    staff.assign_anu(conversation_id)
    expect(chat.of("system").last).to_have_text("Anu has joined the conversation.")
    # The banner names her at once, before she has written anything.
    expect(page.get_by_role("status")).to_have_text("Anu is looking after you.")

    # Anu types in the console (her own socket): the customer sees it.
    console = browser.new_page()
    console.goto(f"{live_server_url}/chat/")  # any page of this origin, to open a socket from
    console.evaluate(
        """([id, token]) => new Promise((resolve, reject) => {
            const socket = new WebSocket(
                `ws://${location.host}/ws/agent/`, ["ks.support", `ks.token.${token}`]);
            socket.onerror = reject;
            socket.onopen = () => socket.send(JSON.stringify({type: "watch", conversation_id: id}));
            socket.onmessage = (frame) => {
                if (JSON.parse(frame.data).type === "watching") {
                    socket.send(JSON.stringify({type: "typing", conversation_id: id}));
                    resolve();
                }
            };
        })""",
        [conversation_id, staff.anu_token],
    )
    expect(page.get_by_text("Anu is typing…")).to_be_visible()

    staff.anu_says(conversation_id, "Hello, I am Anu. I am sorry about the damage; let me help.")

    agent_messages = chat.of("agent")
    expect(agent_messages).to_have_text(
        ["Hello, I am Anu. I am sorry about the damage; let me help."]
    )  # live: no reload
    expect(page.locator(".group--agent .group__author")).to_have_text("Anu")
    expect(page.get_by_text("Anu is typing…")).to_be_hidden()
    expect(page.get_by_role("status")).to_have_text("Anu is looking after you.")
    console.close()
    # The live updates came over a socket whose URL holds no token: URLs end up in logs.
    token = chat.stored()["access_token"]  # type: ignore[index]
    assert socket_urls == [
        f"ws://{live_server_url.split('://')[1]}/ws/conversations/{conversation_id}/"
    ]
    assert token not in socket_urls[0]

    chat.send("Thank you")
    expect(chat.of("user").last).to_have_text("Thank you")
    page.wait_for_timeout(300)
    expect(chat.of("ai")).to_have_count(1)  # the assistant stays silent after escalation

    staff.resolve(conversation_id)

    expect(page.get_by_role("status")).to_have_text("This conversation is resolved.")
    expect(chat.of("system").last).to_contain_text("This conversation is resolved.")
    expect(chat.input).to_be_disabled()
    expect(chat.new_button).to_be_visible()
    count = chat.messages.count()
    page.reload()  # the end survives a reload
    expect(chat.messages).to_have_count(count)
    expect(chat.new_button).to_be_visible()

    chat.new_button.click()

    expect(chat.messages).to_have_count(0)
    expect(chat.input).to_be_enabled()
    expect(chat.human_button).to_be_visible()
    expect(page.get_by_role("status")).to_be_hidden()
    assert chat.stored() is None
    chat.ask("Hello again")
    fresh = chat.stored()
    assert fresh and fresh["conversation_id"] != conversation_id
    assert SupportConversation.objects.filter(user_id="customer_456").count() == 2


def test_after_the_socket_drops_the_page_catches_up_then_listens_again(
    page: Page, live_server_url: str, page_errors: list[str]
) -> None:
    sockets: list[Any] = []
    allow = {"socket": True}

    def socket_route(ws: Any) -> None:
        if allow["socket"]:
            ws.connect_to_server()
            sockets.append(ws)
        else:
            ws.close(code=1011, reason="down")

    page.route_web_socket("**/ws/conversations/**", socket_route)
    chat, conversation_id, staff = assigned_to_anu(page, live_server_url, "customer_reconnect")
    staff.anu_says(conversation_id, "One")
    expect(chat.of("agent")).to_have_text(["One"])

    # The socket drops and cannot come back: what is written meanwhile still arrives,
    # through the catch-up the page does before each reconnect attempt.
    allow["socket"] = False
    sockets[-1].close(code=1011, reason="server restart")
    staff.anu_says(conversation_id, "Two")
    expect(chat.of("agent")).to_have_text(["One", "Two"], timeout=10_000)
    expect(page.get_by_text("Reconnecting…")).to_be_visible(timeout=10_000)

    # Back up: the page listens again, and nothing is shown twice.
    opened = len(sockets)
    allow["socket"] = True
    expect(page.get_by_text("Reconnecting…")).to_be_hidden(timeout=20_000)
    assert len(sockets) == opened + 1
    staff.anu_says(conversation_id, "Three")
    expect(chat.of("agent")).to_have_text(["One", "Two", "Three"])
    page.wait_for_timeout(500)
    expect(chat.of("agent")).to_have_count(3)
    expect(chat.of("system")).to_have_count(2)


def test_an_api_error_is_shown_and_the_message_stays_in_the_input(
    page: Page, live_server_url: str, page_errors: list[str]
) -> None:
    chat = Chat(page)
    page.goto(f"{live_server_url}/chat/?user_id=customer_err")
    chat.ask("Hi")
    conversation_id = chat.stored()["conversation_id"]  # type: ignore[index]
    # Resolved by staff while the page is open: the socket tells the page.
    supervisor = create_agent(agent_id="lead", role=Role.SUPERVISOR)
    response = page.request.post(
        f"{live_server_url}/api/v1/conversations/{conversation_id}/resolve/",
        headers={"Authorization": f"Token {issue_token(user=supervisor.user)}"},
        data={},
    )
    assert response.ok
    expect(chat.new_button).to_be_visible()
    expect(chat.input).to_be_disabled()

    # A network failure: the text stays, the reason is shown, a retry reuses the key.
    page.goto(f"{live_server_url}/chat/?user_id=customer_err2")
    keys: list[str] = []

    def fail_once(route: Any) -> None:
        keys.append(route.request.headers.get("idempotency-key", ""))
        if len(keys) == 1:
            route.abort()
        else:
            route.continue_()

    chat.ask("First message")
    page.route("**/messages/", fail_once)
    chat.send("Is my refund done?")
    expect(page.get_by_role("alert")).to_contain_text("Could not reach Kerala Sellers Support")
    expect(chat.input).to_have_value("Is my refund done?")
    expect(chat.of("user")).to_have_count(1)

    page.get_by_role("button", name="Send", exact=True).click()

    expect(chat.of("user")).to_have_text(["First message", "Is my refund done?"])
    expect(page.get_by_role("alert")).to_be_hidden()
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]

    # An API refusal ({"detail", "code"}) is shown as its sentence; the text stays.
    page.unroute("**/messages/")
    page.route(
        "**/messages/",
        lambda route: route.fulfill(
            status=400,
            content_type="application/json",
            body='{"detail": "The message is longer than 4000 characters.", '
            '"code": "message_too_long"}',
        ),
    )
    chat.send("Too long, says the server")
    expect(page.get_by_role("alert")).to_have_text("The message is longer than 4000 characters.")
    expect(chat.input).to_have_value("Too long, says the server")


# ---- waiting in the queue --------------------------------------------------------------------


def _escalated(user_id: str, *, taken_minutes_ago: int | None = None) -> str:
    """A conversation escalated by Meera; with ``taken_minutes_ago``, one Anu took after two
    minutes in the queue, that long ago (the history the estimate reads)."""
    meera = Actor.for_agent(Agent.objects.get(agent_id="supervisor_meera"))
    conversation, _ = actions.do_create_conversation(user_id=user_id)
    cid = conversation.conversation_id
    actions.do_escalate_conversation(actor=meera, conversation_id=cid)
    if taken_minutes_ago is not None:
        actions.do_assign_conversation(actor=meera, conversation_id=cid, agent_id="agent_anu")
        escalated_at = timezone.now() - timedelta(minutes=taken_minutes_ago)
        SupportConversation.objects.filter(pk=cid).update(escalated_at=escalated_at)
        conversation.events.filter(kind="escalated").update(created_at=escalated_at)
        conversation.events.filter(kind="assigned").update(
            created_at=escalated_at + timedelta(minutes=2)
        )
    return str(cid)


def test_before_the_script_has_loaded_sending_cannot_reload_the_page(
    page: Page, live_server_url: str
) -> None:
    """On a slow connection the page shows before chat.js runs: what the customer types
    stays, and Send stays disabled instead of submitting the form natively (a reload)."""
    held: list[Any] = []
    page.route("**/static/widget/chat.js", lambda route: held.append(route))
    page.goto(f"{live_server_url}/chat/?user_id=customer_slow", wait_until="commit")
    chat = Chat(page)
    chat.input.fill("Ente order evide?")
    send = page.get_by_role("button", name="Send", exact=True)

    expect(send).to_be_disabled()
    send.click(force=True)  # a click on the disabled button does nothing
    page.wait_for_timeout(300)
    assert page.url == f"{live_server_url}/chat/?user_id=customer_slow"
    expect(chat.input).to_have_value("Ente order evide?")

    held[0].continue_()  # the script arrives: the typed text can now be sent
    expect(send).to_be_enabled()
    send.click()
    expect(chat.of("user")).to_contain_text("Ente order evide?")
    expect(chat.of("ai")).to_have_count(1)


def test_a_waiting_customer_sees_their_place_move_up_live(
    page: Page, live_server_url: str, page_errors: list[str]
) -> None:
    staff = Staff(page, live_server_url)
    # Anu is online but full (so routing leaves the queue alone); she took three
    # conversations in the last hour, so there is an estimate.
    Agent.objects.filter(agent_id="agent_anu").update(
        availability=Availability.ONLINE, max_concurrent=0
    )
    for minutes_ago in (60, 40, 20):
        _escalated(f"customer_before_{minutes_ago}", taken_minutes_ago=minutes_ago)
    earlier = _escalated("customer_earlier")  # waiting, ahead of our customer
    chat = Chat(page)
    queue = page.locator("#chat-queue")
    page.goto(f"{live_server_url}/chat/?user_id=customer_queue")

    chat.human_button.click()

    expect(queue).to_have_text(re.compile(r"^You are number 2 in the queue · about \d+ min$"))
    second_place = int(queue.inner_text().split("about ")[1].split()[0])

    staff.assign_anu(earlier)  # the one ahead is taken: live, no reload

    expect(queue).to_have_text(re.compile(r"^You are number 1 in the queue · about \d+ min$"))
    assert int(queue.inner_text().split("about ")[1].split()[0]) < second_place
    page.get_by_label("Language", exact=True).select_option("ml")
    expect(queue).to_have_text(re.compile(r"^ക്യൂവിൽ നിങ്ങൾ 1-ാം സ്ഥാനത്താണ് · ഏകദേശം \d+ മിനിറ്റ്$"))

    staff.assign_anu(chat.stored()["conversation_id"])  # type: ignore[index]

    expect(queue).to_be_hidden()
    expect(page.locator("#chat-banner-text")).to_have_text("Anu നിങ്ങളെ സഹായിക്കുന്നു.")


# ---- phones and Malayalam --------------------------------------------------------------------


def test_a_phone_in_malayalam_fits_the_screen(
    page: Page, live_server_url: str, page_errors: list[str]
) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    chat = Chat(
        page,
        {
            "message": "സന്ദേശം",
            "send": "അയയ്ക്കുക",
            "human": "ഒരു ഏജന്റുമായി സംസാരിക്കുക",
        },
    )
    page.goto(f"{live_server_url}/chat/?lang=ml&user_id=customer_ml")

    expect(page.locator("html")).to_have_attribute("lang", "ml")
    expect(page.get_by_placeholder("സന്ദേശം എഴുതുക…")).to_be_visible()
    expect(chat.human_button).to_be_visible()
    expect(page.get_by_role("heading")).to_have_text("Kerala Sellers സപ്പോർട്ട്")
    chat.ask("റീഫണ്ട് എപ്പോൾ കിട്ടും? " + "ഒരുപാട്" * 40)  # a long word too

    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    for control in (chat.input, page.get_by_role("button", name="അയയ്ക്കുക", exact=True)):
        box = control.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert box["y"] + box["height"] <= 740
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert font.replace(" ", "").endswith('"NotoSansMalayalam",sans-serif')

    # Asking for a human adds a banner above the transcript; its last notice stays in view.
    for text in ("ഹലോ", "നന്ദി", "Hello", "Thank you"):
        chat.ask(text)
    chat.human_button.click()
    expect(page.get_by_role("status")).to_be_visible()
    notice = chat.of("system").last
    expect(notice).to_be_visible()
    page.wait_for_function(  # scrolling is smooth: wait for it to settle at the bottom
        """() => { const s = document.getElementById("chat-scroll");
                   return s.scrollHeight - s.scrollTop - s.clientHeight < 2; }""",
        timeout=3000,
    )
    scroller = page.locator("#chat-scroll").bounding_box()
    shown = notice.bounding_box()
    assert scroller and shown
    assert shown["y"] + shown["height"] <= scroller["y"] + scroller["height"] + 1

    # The picker switches the words (and keeps the choice).
    count = chat.messages.count()
    page.get_by_label("ഭാഷ", exact=True).select_option("ml-Latn")
    expect(page.get_by_placeholder("Message ezhuthuka…")).to_be_visible()
    page.reload()
    expect(page.get_by_placeholder("Message ezhuthuka…")).to_be_visible()
    expect(chat.messages).to_have_count(count)


# ---- the embed script on a shop's page -------------------------------------------------------


@pytest.fixture
def shop_files(settings: Any, tmp_path: Path) -> Path:
    """A static directory for the shop's page, configured before the live server starts."""
    settings.STATICFILES_DIRS = [tmp_path]
    (tmp_path / "shop").mkdir()
    return tmp_path / "shop"


@pytest.fixture
def shop_allowed(settings: Any, shop_files: Path) -> str:
    """The shop's origin in WIDGET_FRAME_ANCESTORS, set before the live server starts."""
    settings.WIDGET_FRAME_ANCESTORS = [SHOP_ALLOWED]
    return SHOP_ALLOWED


def _shop_page(page: Page, live_server_url: str, files: Path) -> None:
    (files / "kasavu-saree.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Kerala Sellers shop</title>"
        "</head><body><h1>Kasavu sarees</h1>"
        f'<script src="{live_server_url}/static/widget/embed.js" '
        'data-user-id="customer_123" data-lang="ml-Latn" async></script>'
        "</body></html>",
        encoding="utf-8",
    )
    shop = live_server_url.replace("127.0.0.1", "localhost")
    page.goto(f"{shop}/static/shop/kasavu-saree.html")


def test_the_embed_script_opens_the_chat_in_an_iframe(
    page: Page, shop_files: Path, shop_allowed: str, live_server_url: str, page_errors: list[str]
) -> None:
    _shop_page(page, live_server_url, shop_files)
    launcher = page.get_by_role("button", name="Kerala Sellers support-umaayi chat cheyyuka")
    expect(launcher).to_be_visible()
    expect(page.locator("#ks-chat-panel iframe")).to_have_count(0)  # loaded on first open

    launcher.click()

    iframe = page.locator("#ks-chat-panel iframe")
    expect(iframe).to_be_visible()
    src = urlsplit(iframe.get_attribute("src") or "")
    assert f"{src.scheme}://{src.netloc}" == live_server_url
    assert src.path == "/chat/"
    assert parse_qs(src.query) == {
        "embed": ["1"],
        "user_id": ["customer_123"],
        "lang": ["ml-Latn"],
    }
    frame = page.frame_locator("#ks-chat-panel iframe")
    expect(frame.get_by_placeholder("Message ezhuthuka…")).to_be_visible()
    frame.get_by_label("Message", exact=True).fill("ente order evide?")
    frame.get_by_role("button", name="Ayakkuka", exact=True).click()
    expect(frame.locator('#chat-transcript [data-sender="ai"]')).to_have_count(1)
    assert SupportConversation.objects.get().user_id == "customer_123"

    frame.get_by_role("button", name="Chat adaykkuka").click()  # the chat's own close button
    expect(iframe).to_be_hidden()
    launcher = page.get_by_role("button", name="Kerala Sellers support-umaayi chat cheyyuka")
    launcher.click()
    expect(frame.locator('#chat-transcript [data-sender="ai"]')).to_have_count(1)


def test_without_the_allow_list_another_site_cannot_frame_the_chat(
    page: Page, shop_files: Path, live_server_url: str
) -> None:
    _shop_page(page, live_server_url, shop_files)
    launcher = page.get_by_role("button", name="Kerala Sellers support-umaayi chat cheyyuka")

    with page.expect_console_message(lambda message: "frame-ancestors" in message.text):
        launcher.click()

    expect(page.locator("#ks-chat-panel iframe")).to_be_visible()
    chat_frames = [frame for frame in page.frames if frame.parent_frame is not None]
    assert len(chat_frames) == 1
    for _ in range(50):
        if chat_frames[0].url.startswith("chrome-error://"):
            break
        page.wait_for_timeout(100)
    assert chat_frames[0].url.startswith("chrome-error://")  # refused, nothing of the chat
    assert SupportConversation.objects.count() == 0


# ---- screenshots for the docs (SCREENSHOTS=1) --------------------------------------------


@pytest.mark.skipif(not os.environ.get("SCREENSHOTS"), reason="set SCREENSHOTS=1 to write them")
def test_write_the_docs_screenshots(browser: Browser, live_server_url: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _order("customer_123", "KS-10023")
    _order("customer_ml", "KS-10031")

    desktop = browser.new_page(viewport={"width": 1280, "height": 800})
    staff = Staff(desktop, live_server_url)
    chat = Chat(desktop)
    signed_in = f"user_hash={identity.configured_user_hash('customer_123')}"  # shows orders
    desktop.goto(f"{live_server_url}/chat/?user_id=customer_123&{signed_in}&lang=en")
    chat.ask("Hi! Where is my order KS-10023?")
    chat.human_button.click()
    expect(chat.of("system")).to_have_count(1)
    conversation_id = chat.stored()["conversation_id"]  # type: ignore[index]
    staff.assign_anu(conversation_id)
    expect(chat.of("system")).to_have_count(2)
    staff.anu_says(
        conversation_id,
        "Hello, I am Anu. Your saree left our Kochi warehouse yesterday; it will reach you "
        "by Monday. I will message you here if anything changes.",
    )
    expect(chat.of("agent")).to_have_count(1)
    desktop.mouse.move(0, 0)
    desktop.wait_for_timeout(400)
    desktop.screenshot(path=str(SCREENSHOTS / "chat-desktop.png"))

    phone = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    chat = Chat(phone, {"message": "സന്ദേശം", "send": "അയയ്ക്കുക", "human": "ഒരു ഏജന്റുമായി സംസാരിക്കുക"})
    signed_in = f"user_hash={identity.configured_user_hash('customer_ml')}"
    phone.goto(f"{live_server_url}/chat/?user_id=customer_ml&{signed_in}&lang=ml")
    chat.ask("എന്റെ ഓർഡർ KS-10031 എവിടെയാണ്?")
    chat.human_button.click()
    expect(chat.of("system")).to_have_count(1)
    conversation_id = chat.stored()["conversation_id"]  # type: ignore[index]
    staff.assign_anu(conversation_id)
    expect(chat.of("system")).to_have_count(2)
    staff.anu_says(
        conversation_id,
        "നമസ്കാരം, ഞാൻ അനു. നിങ്ങളുടെ സാരി കൊറിയറിലാണ്; നാളെ വൈകുന്നേരത്തിനകം എത്തും.",
    )
    expect(chat.of("agent")).to_have_count(1)
    phone.wait_for_timeout(400)
    phone.screenshot(path=str(SCREENSHOTS / "chat-phone.png"))
    phone.close()
    desktop.close()
