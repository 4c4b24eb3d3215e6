"""Management commands: create_agent and the demo data of `make run`."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from support.agents.models import Agent
from support.conversations.models import ConversationEvent, SupportConversation

from .conftest import Client

pytestmark = pytest.mark.django_db


def demo_token(output: str, agent_id: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith(f"  {agent_id} "))
    return line.rsplit("token ", 1)[1]


def test_create_agent_prints_a_working_token_as_its_last_line():
    out = StringIO()
    call_command("create_agent", "agent_456", "--languages", "en,ml", "--name", "Anu", stdout=out)

    token = out.getvalue().strip().splitlines()[-1]
    agent = Agent.objects.get(agent_id="agent_456")
    assert (agent.display_name, agent.role, agent.languages) == ("Anu", "agent", ["en", "ml"])
    client = Client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/conversations/").status_code == 200
    assert client.post("/api/v1/conversations/x/assign/").status_code == 404


def test_create_agent_refuses_a_password_the_rules_refuse(monkeypatch):
    with pytest.raises(CommandError, match="This password is too short"):
        call_command("create_agent", "agent_y", "--password", "short", stdout=StringIO())
    assert not Agent.objects.filter(agent_id="agent_y").exists()


def test_create_agent_reads_the_password_from_standard_input(monkeypatch, client):
    monkeypatch.setattr(sys, "stdin", StringIO("a-long-Passphrase-42\n"))

    call_command("create_agent", "agent_z", "--password", "-", stdout=StringIO())

    response = client.post(
        "/console/login/", {"username": "agent_z", "password": "a-long-Passphrase-42"}
    )
    assert (response.status_code, response["Location"]) == (302, "/console/")


def test_create_agent_makes_supervisors():
    out = StringIO()
    call_command("create_agent", "lead_1", "--supervisor", "--password", "pw-123456", stdout=out)

    agent = Agent.objects.get(agent_id="lead_1")
    assert agent.role == "supervisor"
    assert agent.user.check_password("pw-123456")
    assert out.getvalue().startswith("Created supervisor lead_1")


def test_create_agent_refuses_duplicates_and_unknown_languages():
    call_command("create_agent", "agent_456", stdout=StringIO())

    with pytest.raises(CommandError, match=r"Agent agent_456 already exists\."):
        call_command("create_agent", "agent_456", stdout=StringIO())
    with pytest.raises(CommandError, match="Unknown language fr"):
        call_command("create_agent", "agent_457", "--languages", "en,fr", stdout=StringIO())
    assert not Agent.objects.filter(agent_id="agent_457").exists()


def test_the_demo_data_has_every_status_and_can_be_loaded_twice():
    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)

    assert sorted(SupportConversation.objects.values_list("status", flat=True)) == [
        "assigned",
        "escalated",
        "open",
        "resolved",
    ]
    assert set(Agent.objects.values_list("agent_id", "role")) == {
        ("supervisor_meera", "supervisor"),
        ("agent_456", "agent"),
        ("agent_789", "agent"),
    }
    assert "ml" in Agent.objects.get(agent_id="agent_456").languages
    assert ConversationEvent.objects.filter(kind="resolved").count() == 1
    # Each run prints fresh working tokens; the old ones stop working.
    old, new = (demo_token(out.getvalue(), "supervisor_meera") for out in (first, second))
    stale, fresh = Client(), Client()
    stale.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert stale.get("/api/v1/conversations/").status_code == 401
    assert fresh.get("/api/v1/conversations/").json()["count"] == 4


def test_the_service_starts_before_its_static_files_are_collected(tmp_path):
    """`make run` migrates (which imports every URL) before collectstatic; with hashed static
    names nothing may look a static URL up at import time."""
    code = (
        "import django\n"
        "from django.conf import settings\n"
        "django.setup()\n"
        f"settings.STATIC_ROOT = {str(tmp_path)!r}\n"
        "from django.core.management import call_command\n"
        "call_command('check')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
