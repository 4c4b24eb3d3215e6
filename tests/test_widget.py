"""The customer chat page (/chat/): what the server sends. The browser side is in
tests_browser/test_chat.py."""

import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

pytestmark = pytest.mark.django_db


def _config(response) -> dict:
    match = re.search(
        r'<script id="chat-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match
    return json.loads(match.group(1))


def test_the_page_renders_with_a_csrf_cookie_and_its_own_assets():
    response = Client().get("/chat/")

    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    body = response.content.decode()
    assert "/static/widget/chat.js" in body
    assert "/static/widget/chat.css" in body
    assert 'aria-live="polite"' in body
    assert '<html lang="en">' in body
    config = _config(response)
    assert config["api_root"] == "/api/v1/conversations/"
    assert config["lang"] is None
    assert set(config["strings"]) == {"en", "ml", "ml-Latn"}
    for language in ("ml", "ml-Latn"):  # every language says everything English says
        assert set(config["strings"][language]) == set(config["strings"]["en"])


def test_lang_and_embed_choose_the_words_and_the_layout():
    response = Client().get("/chat/?lang=ml&embed=1")

    body = response.content.decode()
    assert '<html lang="ml">' in body
    assert "സന്ദേശം എഴുതുക…" in body
    assert 'class="is-embed"' in body
    assert _config(response)["lang"] == "ml"
    assert _config(Client().get("/chat/?lang=fr"))["lang"] is None


def test_query_parameters_never_reach_the_page_as_markup():
    response = Client().get("/chat/", {"user_id": "<script>alert(1)</script>", "lang": "<b>"})

    assert "<script>alert(1)</script>" not in response.content.decode()
    assert "<b>" not in response.content.decode()


def test_by_default_only_this_origin_may_frame_the_page():
    response = Client().get("/chat/")

    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy
    assert policy.endswith("frame-ancestors 'self'")
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy


def test_configured_shop_origins_may_frame_the_page(settings):
    settings.WIDGET_FRAME_ANCESTORS = ["https://shop.example.com", "https://*.example.org/"]

    response = Client().get("/chat/")

    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"].endswith(
        "frame-ancestors 'self' https://shop.example.com https://*.example.org"
    )


def test_the_rest_of_the_site_keeps_its_frame_options(settings):
    settings.WIDGET_FRAME_ANCESTORS = ["https://shop.example.com"]

    assert Client().get("/api/v1/agents/")["X-Frame-Options"] == "DENY"


def test_a_malformed_origin_is_never_sent_and_the_check_reports_it(settings):
    settings.WIDGET_FRAME_ANCESTORS = ["https://shop.example.com; script-src *", "shop.example"]

    response = Client().get("/chat/")

    assert response["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    with pytest.raises(SystemCheckError, match=r"widget\.E001"):
        call_command("check")


def test_the_page_only_answers_reads():
    assert Client().post("/chat/").status_code == 405


def test_message_events_name_the_agent(make_customer, anu, events):
    customer = make_customer("assigned", agent=anu)

    anu.client().post(customer.url("agent/messages/"), {"message": "Hello"}, format="json")

    created = [e for e in events if e.type == "message.created" and e.data["sender"] == "agent"]
    assert created[-1].data["agent_name"] == "Anu"
    notices = [e for e in events if e.type == "message.created" and e.data["sender"] == "system"]
    assert notices and all(e.data["agent_name"] is None for e in notices)
