"""Guessing passwords: failed logins lock the username on that address, then the address,
in the console, the admin and the API's token login; the client's address is the socket's
peer unless the service is told it sits behind proxies (NUM_PROXIES)."""

import pytest
from django.test import Client as Browser

from support.agents.models import AgentToken
from support.api import views as api_views

from .conftest import Client

pytestmark = pytest.mark.django_db

LOCKED_TEXT = "Too many failed logins"
LIMIT = 5


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def console_login(client, username, password, address="203.0.113.7", **headers):
    return client.post(
        "/console/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def token_login(username, password, address="203.0.113.7", **headers):
    return Client().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
        **headers,
    )


def test_wrong_passwords_lock_the_console_login_even_for_the_right_one(client, anu):
    for _ in range(LIMIT - 1):
        assert console_login(client, "agent_anu", "wrong").status_code == 200

    tenth = console_login(client, "agent_anu", "wrong")
    right = console_login(client, "agent_anu", "pw-123456")

    for response in (tenth, right):
        assert response.status_code == 429
        assert LOCKED_TEXT in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Anu herself, from her own address, still gets in: a guesser cannot lock her out.
    elsewhere = console_login(Browser(), "agent_anu", "pw-123456", address="198.51.100.20")
    assert (elsewhere.status_code, elsewhere["Location"]) == (302, "/console/")


def test_an_address_trying_many_usernames_is_locked_for_all(client, anu, biju):
    for n in range(LIMIT):
        console_login(client, f"someone_{n}", "guess")

    response = console_login(client, "agent_biju", "pw-123456")

    assert response.status_code == 429


def test_the_admin_login_is_locked_the_same_way(client, supervisor):
    for _ in range(LIMIT):
        client.post(
            "/admin/login/",
            {"username": "supervisor_meera", "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
        )

    response = client.post(
        "/admin/login/",
        {"username": "supervisor_meera", "password": "pw-123456"},
        REMOTE_ADDR="203.0.113.7",
    )

    assert response.status_code == 429
    assert LOCKED_TEXT in response.content.decode()


def test_the_token_login_is_locked_and_a_forged_forwarded_for_does_not_help(anu):
    for n in range(LIMIT - 1):
        forged = {"HTTP_X_FORWARDED_FOR": f"10.0.{n}.1"}
        assert token_login("agent_anu", "wrong", **forged).status_code == 401

    last = token_login("agent_anu", "wrong", HTTP_X_FORWARDED_FOR="10.8.8.8")
    right = token_login("agent_anu", "pw-123456", HTTP_X_FORWARDED_FOR="10.9.9.9")

    for response in (last, right):
        assert response.status_code == 429
        assert response.json() == {
            "detail": "Too many failed logins: logging in from this address is paused for up "
            "to 15 minutes.",
            "code": "login_locked",
        }
    assert not AgentToken.objects.filter(label="api login").exists()


def test_behind_a_proxy_the_forwarded_address_is_the_client(anu, settings):
    """With NUM_PROXIES=1 the proxy's own address is shared by every client: the lock
    follows the address the proxy forwarded."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    guesser = {"HTTP_X_FORWARDED_FOR": "198.51.100.66", "address": "10.0.0.2"}
    for _ in range(LIMIT):
        token_login("agent_anu", "wrong", **guesser)

    locked = token_login("agent_anu", "pw-123456", **guesser)
    other = token_login(
        "agent_anu", "pw-123456", HTTP_X_FORWARDED_FOR="198.51.100.7", address="10.0.0.2"
    )

    assert (locked.status_code, other.status_code) == (429, 201)


def test_the_api_throttles_ignore_a_forged_forwarded_for(monkeypatch):
    monkeypatch.setattr(api_views.ConversationCreateThrottle, "rate", "3/min")
    statuses = [
        Client()
        .post(
            "/api/v1/conversations/",
            {"user_id": f"customer_{n}"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"10.0.{n}.1",
        )
        .status_code
        for n in range(4)
    ]

    assert statuses == [201, 201, 201, 429]
