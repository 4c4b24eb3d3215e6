"""Customers signed in at the shop, in Chromium: the chat page and embed.js pass the shop's
``user_hash`` to the conversation they create; only then does the assistant read orders."""

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from support.assistant.answers import TEMPLATES
from support.conversations.models import SupportConversation

from .test_chat import SHOP_ALLOWED, Chat, _order

SECRET = "shop-and-support-share-this"
SIGN_IN = TEMPLATES["sign_in_for_orders"]["en"]
ORDER_ANSWER = "KS-10023 (Kasavu saree): shipped"


@pytest.fixture(autouse=True)
def _identity_secret(settings: Any) -> None:
    """Set before the live server starts (autouse fixtures come first)."""
    settings.CUSTOMER_IDENTITY_SECRET = SECRET


@pytest.fixture
def page_errors(page: Page) -> Iterator[list[str]]:
    """Uncaught errors in the page; every test ends with none."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield errors
    assert errors == []


@pytest.fixture
def shop_files(settings: Any, tmp_path: Path) -> Path:
    """The shop's pages, on another origin allowed to frame the chat (before the server starts)."""
    settings.STATICFILES_DIRS = [tmp_path]
    settings.WIDGET_FRAME_ANCESTORS = [SHOP_ALLOWED]
    (tmp_path / "shop").mkdir()
    return tmp_path / "shop"


def sign(user_id: str) -> str:
    return hmac.new(SECRET.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def test_a_signed_in_customer_gets_their_order_and_a_guest_is_asked_to_sign_in(
    page: Page, browser: Browser, live_server_url: str, page_errors: list[str]
) -> None:
    _order("customer_123", "KS-10023")
    chat = Chat(page)
    page.goto(f"{live_server_url}/chat/?user_id=customer_123&user_hash={sign('customer_123')}")

    chat.ask("Where is my order KS-10023?")

    expect(chat.of("ai")).to_contain_text([ORDER_ANSWER])
    assert SupportConversation.objects.get().customer_verified is True
    assert chat.stored()["verified"] is True  # type: ignore[index]

    # Someone else, in another browser, types the same user id without the shop's hash.
    guest_page = browser.new_page()
    guest = Chat(guest_page)
    guest_page.goto(f"{live_server_url}/chat/?user_id=customer_123")
    guest.ask("Where is my order KS-10023?")

    expect(guest.of("ai")).to_have_text([SIGN_IN])
    expect(guest_page.get_by_text("Kasavu")).to_have_count(0)
    newest = SupportConversation.objects.order_by("-started_at").first()
    assert newest is not None and newest.customer_verified is False
    guest_page.close()


def test_a_signed_in_conversation_is_not_reopened_without_the_shops_hash(
    page: Page, live_server_url: str, page_errors: list[str]
) -> None:
    """On a shared computer, after the customer signed out at the shop, someone who opens
    /chat/?user_id=… in the same browser gets a new guest conversation, not theirs."""
    _order("customer_123", "KS-10023")
    chat = Chat(page)
    page.goto(f"{live_server_url}/chat/?user_id=customer_123&user_hash={sign('customer_123')}")
    chat.ask("Where is my order KS-10023?")
    expect(chat.of("ai")).to_contain_text([ORDER_ANSWER])

    page.goto(f"{live_server_url}/chat/?user_id=customer_123")

    expect(chat.messages).to_have_count(0)
    expect(page.get_by_text("Kasavu")).to_have_count(0)
    chat.ask("Where is my order?")
    expect(chat.of("ai")).to_have_text([SIGN_IN])
    stored = chat.stored()
    assert stored and stored["verified"] is False


def test_a_guest_conversation_is_not_continued_once_the_shop_signs_the_customer_in(
    page: Page, live_server_url: str, page_errors: list[str]
) -> None:
    _order("customer_123", "KS-10023")
    chat = Chat(page)
    page.goto(f"{live_server_url}/chat/?user_id=customer_123")
    chat.ask("Where is my order KS-10023?")
    expect(chat.of("ai")).to_have_text([SIGN_IN])
    first = chat.stored()
    assert first and first["verified"] is False

    page.goto(f"{live_server_url}/chat/?user_id=customer_123&user_hash={sign('customer_123')}")

    expect(chat.messages).to_have_count(0)  # a new conversation, not the guest's
    chat.ask("Where is my order KS-10023?")
    expect(chat.of("ai")).to_contain_text([ORDER_ANSWER])
    second = chat.stored()
    assert second and second["conversation_id"] != first["conversation_id"]
    assert list(
        SupportConversation.objects.order_by("started_at").values_list(
            "customer_verified", flat=True
        )
    ) == [False, True]


def test_a_forged_hash_is_refused_and_the_message_stays_in_the_input(
    page: Page, live_server_url: str, page_errors: list[str]
) -> None:
    chat = Chat(page)
    page.goto(f"{live_server_url}/chat/?user_id=customer_123&user_hash={'0' * 64}")

    chat.send("Where is my order?")

    expect(page.get_by_role("alert")).to_have_text(
        "We could not confirm that you are signed in at the shop. Please sign in again, "
        "then reopen this chat."
    )
    expect(chat.input).to_have_value("Where is my order?")
    assert chat.stored() is None
    assert SupportConversation.objects.count() == 0


def test_the_embed_script_passes_the_shops_hash_to_the_chat(
    page: Page, shop_files: Path, live_server_url: str, page_errors: list[str]
) -> None:
    _order("customer_123", "KS-10023")
    (shop_files / "signed-in.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Kerala Sellers shop</title>"
        "</head><body><h1>Your account</h1>"
        f'<script src="{live_server_url}/static/widget/embed.js" data-user-id="customer_123" '
        f'data-user-hash="{sign("customer_123")}" async></script>'
        "</body></html>",
        encoding="utf-8",
    )
    page.goto(f"{live_server_url.replace('127.0.0.1', 'localhost')}/static/shop/signed-in.html")

    page.get_by_role("button", name="Chat with Kerala Sellers support").click()

    iframe = page.locator("#ks-chat-panel iframe")
    query = parse_qs(urlsplit(iframe.get_attribute("src") or "").query)
    assert query == {
        "embed": ["1"],
        "user_id": ["customer_123"],
        "user_hash": [sign("customer_123")],
    }
    frame = page.frame_locator("#ks-chat-panel iframe")
    frame.get_by_label("Message", exact=True).fill("Where is my order KS-10023?")
    frame.get_by_role("button", name="Send", exact=True).click()
    expect(frame.locator('#chat-transcript [data-sender="ai"]')).to_contain_text([ORDER_ANSWER])
    assert SupportConversation.objects.get().customer_verified is True
