"""The whole handoff, as people do it, in three browser contexts and with no reloads:
a customer chats with the assistant on /chat/ and asks for a human in Manglish; the
supervisor sees it arrive live and assigns it; the agent replies; the customer sees the reply
live; the agent resolves; the customer sees the end."""

import re

from playwright.sync_api import Browser, expect

from .test_chat import Chat
from .test_console import log_in


def test_a_manglish_handoff_from_chat_to_console_and_back(
    browser: Browser, live_server_url: str, staff: None
) -> None:
    base = live_server_url
    meera_context, meera = log_in(browser, base, "supervisor_meera")
    anu_context, anu = log_in(browser, base, "agent_anu")
    customer_context = browser.new_context(viewport={"width": 390, "height": 800})
    customer_page = customer_context.new_page()
    customer_page.goto(f"{base}/chat/?user_id=customer_live&lang=ml-Latn")
    chat = Chat(customer_page, {"send": "Ayakkuka", "human": "Oru agent-umaayi samsaarikkuka"})
    reloads: list[str] = []
    for page in (meera, anu, customer_page):
        page.on("framenavigated", lambda frame, r=reloads: r.append(frame.url))

    # The customer talks to the assistant, then asks for a human in Manglish.
    chat.ask("Namaskaram")
    chat.send("enikku oru agent-inodu samsarikkanam")
    expect(chat.of("system")).to_contain_text("agent-umaayi bandhippikkunnu")
    expect(chat.human_button).to_have_count(0)

    # The supervisor's queue shows it live; she assigns it to Anu.
    row = meera.locator("tr[data-conversation]").filter(has_text="customer_live")
    expect(row).to_be_visible(timeout=3000)
    expect(row).to_contain_text("enikku oru agent-inodu samsarikkanam")
    row.get_by_role("link").click()
    meera.get_by_label("Assign to").select_option("agent_anu")
    meera.get_by_role("button", name="Assign").click()
    expect(meera.locator("#conversation-status")).to_have_text("Assigned")
    expect(chat.of("system").last).to_contain_text("Anu sambhashanathil chernnu.", timeout=3000)

    # Anu finds it under Mine, replies; the customer sees it live, and answers.
    expect(anu.locator("#count-mine")).to_have_text("1", timeout=3000)
    anu.get_by_role("tab", name=re.compile(r"^Mine")).click()
    anu.locator("tr[data-conversation]").filter(has_text="customer_live").get_by_role(
        "link"
    ).click()
    expect(anu.locator("#live-status")).to_have_text("live")
    anu.get_by_role("textbox", name="Message").fill("Namaskaram, njan Anu. Enthaanu prashnam?")
    anu.get_by_role("button", name="Send").click()
    expect(chat.of("agent")).to_contain_text("njan Anu", timeout=3000)
    chat.send("Ente order KS-10023 ethiyilla")
    expect(anu.locator("#transcript .msg.user").last).to_contain_text("KS-10023", timeout=3000)
    expect(chat.of("ai")).to_have_count(1)  # the assistant stayed silent after the handoff

    # Anu resolves; the customer sees the end and may start again.
    anu.once("dialog", lambda dialog: dialog.accept())
    anu.get_by_role("button", name="Resolve").click()
    expect(anu.locator("#conversation-status")).to_have_text("Resolved")
    expect(chat.of("system").last).to_contain_text("pariharichu", timeout=3000)
    expect(chat.input).to_be_disabled()

    # Navigations: the logins, Meera opening the row, Anu opening Mine and the row. No reloads.
    assert not any(url.endswith("/chat/?user_id=customer_live&lang=ml-Latn") for url in reloads)
    for context in (meera_context, anu_context, customer_context):
        context.close()
