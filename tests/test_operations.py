"""What an operator relies on: the health check, start-up refusing an unsafe configuration,
errors in the API's shape, and requests that succeed while the shared cache is down."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client as Browser

from support.api import views as api_views

from .conftest import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


class Down(Exception):
    """What the cache client raises when Redis is gone."""


def unreachable(*args, **kwargs):
    raise Down("Connection refused")


def test_the_health_check_answers_ok_with_the_database_and_the_cache(client):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_the_health_check_names_what_fails(client, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(cache, "set", unreachable)

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json() == {
        "status": "failing",
        "checks": {"database": "ok", "cache": "failing: Down"},
    }


def test_a_server_error_under_the_api_answers_in_the_error_shape(customer, monkeypatch):
    monkeypatch.setattr(api_views.ConversationDetailView, "get", unreachable)
    browser = Browser(raise_request_exception=False)

    api = browser.get(customer.url(), HTTP_X_CONVERSATION_TOKEN=customer.token)
    page = browser.get("/console/login/")  # not the API: Django's page

    assert api.status_code == 500
    assert api.json() == {
        "detail": "The server failed to answer; the error is logged.",
        "code": "server_error",
    }
    assert page.status_code == 200


def test_with_the_cache_down_messages_are_stored_and_the_rules_still_apply(
    make_customer, monkeypatch, caplog
):
    from django.core.cache import cache

    for method in ("get", "add", "set", "incr"):
        monkeypatch.setattr(cache, method, unreachable)

    created = Client().post("/api/v1/conversations/", {"user_id": "customer_9"}, format="json")
    customer = make_customer("open")
    answer = customer.client().post(customer.url("messages/"), {"message": "The seller cheated me"})

    assert created.status_code == 201  # its rate limit was not checked
    assert answer.status_code == 201
    assert "ai_response" not in answer.json()
    assert customer.conversation().escalation_source == "rule"
    assert "the cache is unreachable" in caplog.text


def _settings_in_a_new_process(**environment):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **environment}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("secret", [None, ""])
def test_start_up_refuses_a_missing_or_empty_secret_key_in_production(secret):
    environment = {"ALLOW_INSECURE_SECRET_KEY": "false"}
    if secret is not None:
        environment["SECRET_KEY"] = secret
    else:
        os.environ.pop("SECRET_KEY", None)

    result = _settings_in_a_new_process(**environment)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when ALLOW_INSECURE_SECRET_KEY is false" in result.stderr


def test_the_data_directory_is_created_at_start_up(tmp_path):
    data = tmp_path / "fresh" / "var"

    result = _settings_in_a_new_process(DATA_DIR=str(data))

    assert result.returncode == 0, result.stderr
    assert data.is_dir()
