"""Browser tests: Playwright drives Debian's Chromium against a live Daphne server (HTTP and
WebSockets) that serves the test database.

They run in their own pytest invocation (`make test` does both), because Playwright's event
loop would break async tests. Without Chromium they are skipped, saying so, unless
REQUIRE_BROWSER is set (CI), where that is a failure.
"""

import os
import shutil
from collections.abc import Iterator
from functools import partial
from importlib import import_module
from typing import Any

import pytest
from channels.testing.live import make_application
from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from support.agents.models import Role
from support.agents.services import create_agent

# Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PASSWORD = "pw-123456"
CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM = next((p for p in CHROMIUM_PATHS if os.path.exists(p)), shutil.which("chromium"))


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if CHROMIUM:
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError("REQUIRE_BROWSER is set but Chromium is not installed")
    skip = pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)")
    for item in items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def _browser_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.BUSINESS_HOURS = "always"  # no test depends on the hour it runs at


def _use_test_database(name: str) -> None:
    """In the server process: talk to the test database the tests use (SQLite or PostgreSQL)."""
    from django.conf import settings
    from django.db import connections

    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    connections["default"].close()


def _restore_default_content() -> None:
    """The escalation rules and articles the data migrations load: the flush after each
    transactional test removes them, and every test starts from a migrated database."""
    from django.apps import apps

    for module in (
        "support.assistant.migrations.0002_default_rules",
        "support.knowledge.migrations.0002_default_articles",
    ):
        import_module(module).load(apps, None)


@pytest.fixture
def live_server_url(transactional_db: None, _browser_settings: None) -> Iterator[str]:
    """A Daphne server in a child process (forked after the settings above applied)."""
    from django.db import connection

    _restore_default_content()

    server = DaphneProcess(
        "127.0.0.1",
        partial(make_application, static_wrapper=ASGIStaticFilesHandler),
        setup=partial(_use_test_database, connection.settings_dict["NAME"]),
    )
    server.start()
    while not server.ready.wait(timeout=1):
        if not server.is_alive():
            raise RuntimeError("the live server did not start")
    yield f"http://127.0.0.1:{server.port.value}"
    server.terminate()
    server.join()


@pytest.fixture
def staff(transactional_db: None) -> None:
    """Meera (supervisor) and Anu (agent), who log in with PASSWORD."""
    create_agent(
        agent_id="supervisor_meera",
        display_name="Meera",
        role=Role.SUPERVISOR,
        languages=["en", "ml"],
        password=PASSWORD,
    )
    create_agent(
        agent_id="agent_anu", display_name="Anu", languages=["en", "ml"], password=PASSWORD
    )
