"""Customers verified by the shop: the shop signs its signed-in customer's user_id with
CUSTOMER_IDENTITY_SECRET (user_hash); only then does the assistant read their orders.

The conversations of the cast (conftest.make_customer) are verified unless ``verified=False``.
"""

import hashlib
import hmac
import os
import subprocess
import sys
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client as BrowserClient
from django.utils import timezone

from support.assistant.answers import TEMPLATES
from support.assistant.intents import Intent, IntentPrediction
from support.assistant.llm import NOT_SIGNED_IN, render_facts
from support.assistant.providers import AssistantReply, ReplyContext, use_provider
from support.conversations.models import ConversationEvent, SupportConversation
from support.orders.models import Order

from .conftest import Client

pytestmark = pytest.mark.django_db

SECRET = "shop-and-support-share-this"
CONVERSATIONS = "/api/v1/conversations/"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.CUSTOMER_IDENTITY_SECRET = SECRET


def sign(user_id: str, secret: str = SECRET) -> str:
    """What the shop's server computes."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def order(number, user_id="customer_123", status="shipped", item="Kasavu saree"):
    return Order.objects.create(
        order_number=number,
        user_id=user_id,
        status=status,
        items=[{"name": item, "qty": 1}],
        total_rupees="2499.00",
        payment_method="upi",
        placed_at=timezone.now() - timedelta(days=2),
        expected_delivery=date(2026, 12, 2),
    )


def say(customer, text):
    response = customer.client().post(customer.url("messages/"), {"message": text})
    assert response.status_code == 201, response.json()
    return response.json()["ai_response"]["message"]


# Creating a conversation


def test_a_valid_user_hash_makes_a_verified_conversation(anonymous, events):
    response = anonymous.post(
        CONVERSATIONS, {"user_id": "customer_123", "user_hash": sign("customer_123")}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["user_id"] == "customer_123"
    assert "customer_verified" not in body  # the customer's shape is the specification's
    assert "user_hash" not in body
    conversation = SupportConversation.objects.get()
    assert conversation.customer_verified is True
    created = ConversationEvent.objects.get(conversation=conversation)
    assert (created.kind, created.data) == ("created", {"customer_verified": True})
    assert events == []


def test_hex_digits_in_capitals_verify_too(anonymous):
    response = anonymous.post(
        CONVERSATIONS, {"user_id": "customer_123", "user_hash": sign("customer_123").upper()}
    )

    assert response.status_code == 201
    assert SupportConversation.objects.get().customer_verified is True


@pytest.mark.parametrize("extra", [{}, {"user_hash": ""}, {"user_hash": None}])
def test_without_a_user_hash_the_customer_is_a_guest(anonymous, extra):
    response = anonymous.post(CONVERSATIONS, {"user_id": "customer_123", **extra})

    assert response.status_code == 201
    conversation = SupportConversation.objects.get()
    assert conversation.customer_verified is False
    assert ConversationEvent.objects.get().data == {"customer_verified": False}


@pytest.mark.parametrize(
    "user_hash",
    [
        sign("customer_999"),  # another customer's signature
        sign("customer_123", secret="another-shop"),  # the wrong secret
        sign("customer_123")[:-1],  # cut short
        "0" * 64,
        "ഓർഡർ" * 4,  # not even ASCII
    ],
)
def test_a_user_hash_that_does_not_verify_is_refused_and_nothing_is_created(
    anonymous, events, user_hash
):
    response = anonymous.post(CONVERSATIONS, {"user_id": "customer_123", "user_hash": user_hash})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "The user_hash does not match the user_id: the shop must sign the same user "
        "id with this service's CUSTOMER_IDENTITY_SECRET.",
        "code": "invalid_user_hash",
    }
    assert not SupportConversation.objects.exists()
    assert not ConversationEvent.objects.exists()
    assert events == []


@pytest.mark.parametrize(
    ("user_hash", "status", "code"),
    [(5, 400, "not_a_string"), ("a" * 129, 400, "max_length"), (["x"], 400, "not_a_string")],
)
def test_a_malformed_user_hash_is_invalid_input(anonymous, user_hash, status, code):
    response = anonymous.post(CONVERSATIONS, {"user_id": "customer_123", "user_hash": user_hash})

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not SupportConversation.objects.exists()


def test_without_a_secret_every_customer_is_a_guest(anonymous, settings, caplog):
    settings.CUSTOMER_IDENTITY_SECRET = ""

    signed = anonymous.post(
        CONVERSATIONS, {"user_id": "customer_123", "user_hash": sign("customer_123")}
    )
    forged = anonymous.post(CONVERSATIONS, {"user_id": "customer_123", "user_hash": "0" * 64})

    assert (signed.status_code, forged.status_code) == (201, 201)
    assert list(SupportConversation.objects.values_list("customer_verified", flat=True)) == [
        False,
        False,
    ]
    assert "CUSTOMER_IDENTITY_SECRET is not set" in caplog.text


# What staff see


def test_staff_see_whether_the_shop_verified_the_customer(make_customer, supervisor):
    verified = make_customer("escalated")
    guest = make_customer("escalated", user_id="customer_777", verified=False)
    client = supervisor.client()

    assert client.get(verified.url()).json()["customer_verified"] is True
    assert client.get(guest.url()).json()["customer_verified"] is False
    queue = client.get(CONVERSATIONS).json()["results"]
    assert {c["user_id"]: c["customer_verified"] for c in queue} == {
        "customer_123": True,
        "customer_777": False,
    }
    assert "customer_verified" not in verified.client().get(verified.url()).json()


def test_the_console_sidebar_says_whether_the_customer_is_verified(make_customer, supervisor):
    order("KS-10023")
    verified = make_customer("escalated")
    guest = make_customer("escalated", verified=False)  # claims to be customer_123
    console = BrowserClient()
    console.force_login(supervisor.agent.user)

    signed_in = console.get(f"/console/c/{verified.conversation_id}/sidebar/").content.decode()
    unsigned = console.get(f"/console/c/{guest.conversation_id}/sidebar/").content.decode()

    assert "✓ verified by the shop" in signed_in
    assert "not verified" not in signed_in
    assert 'id="orders-unverified"' not in signed_in
    assert '<span class="badge unverified" id="customer-identity"' in unsigned
    assert "the shop did not verify this customer" in unsigned
    assert "verified by the shop" not in unsigned


def test_the_admin_shows_but_never_changes_whether_the_customer_is_verified(
    make_customer, supervisor
):
    guest = make_customer("open", verified=False)
    admin = BrowserClient()
    admin.force_login(supervisor.agent.user)
    url = f"/admin/support/supportconversation/{guest.conversation_id}/change/"

    page = admin.get(url).content.decode()
    admin.post(url, {"priority": "high", "customer_verified": "on"})

    assert "Customer verified" in page
    assert 'name="customer_verified"' not in page  # read-only
    assert guest.conversation().customer_verified is False


def test_customers_see_their_orders_only_when_verified(make_customer, supervisor):
    order("KS-10023")
    verified = make_customer("open")
    guest = make_customer("open", verified=False)

    own = verified.client().get(verified.url("orders/"))
    refused = guest.client().get(guest.url("orders/"))
    staff = supervisor.client().get(guest.url("orders/"))

    assert [o["order_number"] for o in own.json()] == ["KS-10023"]
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "Orders are shown only to customers signed in at the shop (a valid user_hash).",
        "code": "customer_not_verified",
    }
    assert [o["order_number"] for o in staff.json()] == ["KS-10023"]


# The assistant


def test_a_verified_customer_gets_their_orders_status(make_customer):
    order("KS-10023")

    text = say(make_customer("open"), "Where is my order KS-10023?")

    assert text == "KS-10023 (Kasavu saree): shipped, expected by Wed 02 Dec."


SIGN_IN = TEMPLATES["sign_in_for_orders"]


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "Where is my order KS-10023?"),
        ("ml", "എന്റെ ഓർഡർ KS-10023 എവിടെയാണ്?"),
        ("ml-Latn", "ente order KS-10023 evide ethi?"),
    ],
)
def test_a_guest_is_told_to_sign_in_in_their_language_and_learns_nothing(
    make_customer, language, question
):
    order("KS-10023")  # customer_123's, whom the guest claims to be
    guest = make_customer("open", language=language, verified=False)

    text = say(guest, question)

    assert text == SIGN_IN[language]
    for detail in ("Kasavu", "shipped", "02 Dec", "2499", "ഷിപ്പ്", "ship cheythu"):
        assert detail not in text
    conversation = guest.conversation()
    assert (conversation.status, conversation.assistant_fallbacks) == ("open", 0)


def test_the_sign_in_answer_is_real_malayalam_and_offers_a_human():
    assert "സൈൻ ഇൻ" in SIGN_IN["ml"]
    assert "“ഒരു ഏജന്റുമായി സംസാരിക്കുക”" in SIGN_IN["ml"]  # the chat's own button
    assert "“Talk to a human”" in SIGN_IN["en"]
    assert "“Oru agent-umaayi samsaarikkuka”" in SIGN_IN["ml-Latn"]


def test_asking_again_as_a_guest_is_not_a_fallback_and_never_hands_over(make_customer):
    guest = make_customer("open", verified=False)

    for question in ("Where is my order?", "KS-10023", "where is my order KS-10023"):
        assert say(guest, question) == SIGN_IN["en"]

    conversation = guest.conversation()
    assert (conversation.status, conversation.assistant_fallbacks) == ("open", 0)


def test_a_guest_never_sees_the_latest_orders_of_the_user_id(make_customer):
    order("KS-10023")
    order("KS-10024", status="delivered", item="Banana chips")

    text = say(make_customer("open", verified=False), "Where is my order?")

    assert text == SIGN_IN["en"]
    assert "KS-1" not in text


def test_a_guest_asking_about_a_return_gets_the_policy_but_no_order(make_customer):
    order("KS-10023")

    text = say(make_customer("open", verified=False), "I want to return KS-10023, how?")

    assert text.startswith(SIGN_IN["en"] + "\n")
    assert "Kasavu" not in text
    assert "return" in text.split("\n", 1)[1].lower()  # the return policy follows


def test_a_guest_asking_about_delivery_times_just_gets_the_policy(make_customer):
    text = say(make_customer("open", verified=False), "How long does delivery take to Kochi?")

    assert SIGN_IN["en"] not in text
    assert "1-2 days" in text


POLICY_QUESTIONS = [
    "What is your return policy?",
    "How long does delivery take?",
    "How do refunds work?",
]


@pytest.mark.parametrize("question", POLICY_QUESTIONS)
def test_a_guest_who_named_an_order_gets_policies_as_usual(make_customer, question):
    fresh = say(make_customer("open", user_id="guest-1", verified=False), question)
    guest = make_customer("open", user_id="guest-2", verified=False)
    assert say(guest, "Where is my order KS-10023?") == SIGN_IN["en"]

    text = say(guest, question)

    assert text == fresh
    assert SIGN_IN["en"] not in text and text != TEMPLATES["fallback"]["en"]


def test_a_guest_asking_about_their_own_return_is_told_to_sign_in_then_the_policy(make_customer):
    text = say(make_customer("open", verified=False), "Can I return my saree?")

    assert text.startswith(SIGN_IN["en"] + "\n")
    assert "return" in text.split("\n", 1)[1].lower()  # the return policy follows


def test_another_customers_order_is_never_revealed_either_way(make_customer):
    order("KS-20000", user_id="customer_999", status="delivered", item="Aranmula kannadi")
    verified = make_customer("open")  # customer_123, signed in
    impostor = make_customer("open", user_id="customer_999", verified=False)

    to_verified = say(verified, "status of order KS-20000?")
    to_impostor = say(impostor, "status of order KS-20000?")

    assert to_verified.startswith("I couldn't find order KS-20000 on your account")
    assert to_impostor == SIGN_IN["en"]
    for text in (to_verified, to_impostor):
        assert "delivered" not in text
        assert "Aranmula" not in text


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.contexts: list[ReplyContext] = []

    def reply(self, context: ReplyContext) -> AssistantReply:
        self.contexts.append(context)
        return AssistantReply(text="ok")


def test_no_provider_is_ever_given_a_guests_orders(make_customer):
    order("KS-10023")
    provider = Recorder()

    with use_provider(provider):
        say(make_customer("open", verified=False), "Where is my order KS-10023?")
        say(make_customer("open"), "Where is my order KS-10023?")

    guest, verified = provider.contexts
    assert (guest.customer_verified, guest.orders) == (False, [])
    assert verified.customer_verified is True
    assert [o.order_number for o in verified.orders] == ["KS-10023"]


def test_a_language_model_is_told_the_customer_is_not_signed_in():
    context = ReplyContext(
        conversation_id="c",
        language="en",
        text="Where is KS-10023?",
        prediction=IntentPrediction(Intent.ORDER_STATUS, 0.9, "model"),
        order_numbers_mentioned=["KS-10023"],
    )

    facts = render_facts(context)

    assert facts.startswith(NOT_SIGNED_IN)
    assert "NOT on their account" not in facts
    assert "Knowledge articles:" in facts


# Settings and the demo


def _secret_in(env: dict[str, str]) -> str:
    """CUSTOMER_IDENTITY_SECRET as config/settings.py reads it from ``env`` (and no .env)."""
    root = Path(__file__).resolve().parent.parent
    clean = {
        k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CUSTOMER_IDENTITY_SECRET")
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config import settings; print(settings.CUSTOMER_IDENTITY_SECRET)",
        ],
        cwd=root,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_secret_has_a_public_demo_value_only_in_the_embedded_mode():
    assert _secret_in({}) == "kerala-demo-customer-identity"  # SECRET_KEY unset: make run
    assert _secret_in({"SECRET_KEY": "a-real-deployment"}) == ""
    assert _secret_in({"SECRET_KEY": "a-real-deployment", "CUSTOMER_IDENTITY_SECRET": "s3"}) == "s3"


def test_the_docs_show_customer_123s_hash_under_the_demo_secret():
    demo = sign("customer_123", secret="kerala-demo-customer-identity")
    root = Path(__file__).resolve().parent.parent

    for doc in ("README.md", "docs/api.md"):
        assert demo in (root / doc).read_text(), doc


def _chat_url(output: str) -> str:
    line = next(line for line in output.splitlines() if line.strip().startswith("Chat:"))
    return line.split()[1]


def test_the_demo_prints_a_chat_link_that_signs_customer_123_in():
    out = StringIO()
    call_command("seed_demo", "--base-url", "http://testserver", stdout=out)

    url = urlsplit(_chat_url(out.getvalue()))
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert query == {"user_id": "customer_123", "user_hash": sign("customer_123")}
    assert BrowserClient().get(f"{url.path}?{url.query}").status_code == 200
    # What chat.js does with that link.
    created = Client().post(CONVERSATIONS, query)
    assert created.status_code == 201
    conversation = SupportConversation.objects.get(pk=created.json()["conversation_id"])
    assert conversation.customer_verified is True
    customer = Client()
    customer.credentials(HTTP_X_CONVERSATION_TOKEN=created.json()["access_token"])
    answer = customer.post(
        f"{CONVERSATIONS}{conversation.pk}/messages/", {"message": "Where is my order KS-10023?"}
    ).json()["ai_response"]["message"]
    assert answer.startswith("KS-10023 (Kasavu saree): shipped")
    # The demo's own conversations are of customers the demo shop signed in.
    seeded = SupportConversation.objects.exclude(pk=conversation.pk)
    assert seeded.exists()
    assert set(seeded.values_list("customer_verified", flat=True)) == {True}


def test_without_a_secret_the_demo_says_orders_are_not_shown(settings):
    settings.CUSTOMER_IDENTITY_SECRET = ""
    out = StringIO()
    call_command("seed_demo", "--base-url", "http://testserver", stdout=out)

    assert _chat_url(out.getvalue()) == "http://testserver/chat/?user_id=customer_123"
    assert "without CUSTOMER_IDENTITY_SECRET the assistant shows no orders" in out.getvalue()
    assert set(SupportConversation.objects.values_list("customer_verified", flat=True)) == {False}


def test_the_chat_page_never_shows_the_user_hash_as_markup():
    response = BrowserClient().get(
        "/chat/", {"user_id": "customer_123", "user_hash": "<script>alert(1)</script>"}
    )

    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()
