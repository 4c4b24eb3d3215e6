"""Requests generated from the OpenAPI schema (schemathesis): whatever the input, the API
never answers with a server error, and every answer matches the schema it documents."""

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def api_schema():
    # As Django's test client does: keep the test's connection (and its transaction) open
    # across the WSGI calls instead of closing it at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def assigned(anu, make_customer):
    """A conversation that exists, so generated requests reach past the 404."""
    return make_customer("assigned", agent=anu)


def _fuzz(schema, headers, conversation):
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case):
            if case.path_parameters and "conversation_id" in case.path_parameters:
                case.path_parameters["conversation_id"] = str(conversation.conversation_id)
            response = case.call(headers=headers)
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        run()


def test_generated_staff_requests_never_break_the_api(api_schema, supervisor, assigned):
    _fuzz(api_schema, {"Authorization": f"Token {supervisor.token}"}, assigned)


def test_generated_customer_requests_never_break_the_api(api_schema, assigned):
    _fuzz(api_schema, {"X-Conversation-Token": assigned.token}, assigned)


def test_the_schema_is_generated_without_warnings(tmp_path):
    """Every component has one name (drf-spectacular warns of enum name collisions, and of
    views it cannot describe)."""
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    assert "ConversationStatusEnum:" in (tmp_path / "schema.yml").read_text()
