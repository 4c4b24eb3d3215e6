"""The customer's chat page when a live event crosses a catch-up read."""

import urllib.request
from typing import Any

from playwright.sync_api import Page, Route, expect

from .test_chat import Chat, Staff

# Counts the page's fetches until their body is read and the callbacks after it have run
# (a macrotask later): 0 means every answer so far has been fully handled.
TRACK_FETCHES = """(() => {
  window.fetching = 0;
  const fetch = window.fetch, text = Response.prototype.text;
  window.fetch = function (...args) {
    window.fetching += 1;
    return fetch.apply(this, args).catch((e) => { window.fetching -= 1; throw e; });
  };
  Response.prototype.text = function () {
    return text.call(this).finally(() => setTimeout(() => { window.fetching -= 1; }, 0));
  };
})();"""


def _chat_assigned_to_anu(page: Page, base: str, user_id: str) -> tuple[str, Staff]:
    """A customer's chat, escalated from the page, then assigned to Anu: (its id, the staff)."""
    chat = Chat(page)
    page.goto(f"{base}/chat/?user_id={user_id}")
    chat.ask("My parcel arrived damaged")
    chat.human_button.click()
    expect(page.get_by_role("status")).to_contain_text("Connecting you to an agent")
    conversation_id: str = chat.stored()["conversation_id"]  # type: ignore[index]
    staff = Staff(page, base)
    staff.assign_anu(conversation_id)
    expect(page.get_by_role("status")).to_have_text("Anu is looking after you.")
    return conversation_id, staff


def test_a_catch_up_read_before_an_unassign_does_not_undo_it(
    page: Page, live_server_url: str
) -> None:
    """After a reconnect the catch-up reads the conversation (assigned to Anu); before its
    answer arrives, Anu gives the conversation back to the queue and the page shows that
    live. The older answer, landing last, must not bring back "Anu is looking after you"
    (it used to, with no queue place, while the customer was waiting in the queue)."""
    base = live_server_url
    sockets: list[Any] = []

    def relay(ws: Any) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    page.add_init_script(TRACK_FETCHES)
    page.route_web_socket("**/ws/conversations/**", relay)
    conversation_id, staff = _chat_assigned_to_anu(page, base, "customer_456")

    reads: list[Route] = []
    held: list[Any] = []

    def detail(route: Route) -> None:
        reads.append(route)
        if len(reads) == 2:  # the catch-up when the socket is open again
            held.extend([route, route.fetch()])  # read now: assigned to Anu
        else:
            route.continue_()

    page.route(f"**/api/v1/conversations/{conversation_id}/", detail)
    sockets[-1].close()  # the connection drops; the page catches up and opens it again
    while not held:
        page.wait_for_timeout(20)
    assert held[1].json()["status"] == "assigned"
    staff._post(staff.anu_token, f"conversations/{conversation_id}/unassign/")
    expect(page.get_by_role("status")).to_contain_text("Connecting you to an agent")
    expect(page.locator("#chat")).to_have_attribute("data-status", "escalated")

    held[0].fulfill(response=held[1])  # the older read arrives last
    while page.evaluate("window.fetching") != 0:  # (the page's CSP forbids wait_for_function)
        page.wait_for_timeout(20)

    expect(page.locator("#chat")).to_have_attribute("data-status", "escalated")
    expect(page.get_by_role("status")).to_contain_text("Connecting you to an agent")


def test_an_unassign_missed_while_the_socket_was_down_is_caught_up(
    page: Page, live_server_url: str
) -> None:
    """The agent gives the conversation back to the queue while the page's socket is down:
    the catch-up read after the reconnect is the newest word, and it is a step back."""
    base = live_server_url
    sockets: list[Any] = []
    staff: list[Staff] = []
    chat_state: dict[str, str] = {}

    def relay(ws: Any) -> None:
        if sockets:  # the reconnect: meanwhile, Anu unassigns (the page hears nothing of it)
            conversation_id = chat_state["conversation_id"]
            request = urllib.request.Request(  # noqa: S310 - the live server's http URL
                f"{base}/api/v1/conversations/{conversation_id}/unassign/",
                data=b"{}",
                headers={
                    "Authorization": f"Token {staff[0].anu_token}",
                    "Content-Type": "application/json",
                },
            )
            with urllib.request.urlopen(request) as answer:  # noqa: S310 - as above
                assert answer.status == 200
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket("**/ws/conversations/**", relay)
    chat_state["conversation_id"], assigned_by = _chat_assigned_to_anu(page, base, "customer_789")
    staff.append(assigned_by)

    sockets[-1].close()  # the connection drops; the page reconnects and catches up

    expect(page.locator("#chat")).to_have_attribute("data-status", "escalated")
    expect(page.get_by_role("status")).to_contain_text("Connecting you to an agent")
    assert len(sockets) == 2
