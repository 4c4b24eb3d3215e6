"""Who may call which endpoint, as a matrix of endpoints x roles x conversation statuses.

Roles: anonymous, outsider (a Django user without an Agent profile), the customer (the token
of the conversation), another customer (the token of another conversation), Anu (the agent
the conversation is assigned to), Biju (an agent it is not assigned to) and the supervisor.

Every refusal answers the exact status and ``{"detail": <sentence>, "code": <code>}``, and
changes nothing: no conversation, message or audit row moves and no realtime event is sent.
"""

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from support.assistant.providers import provider_calls
from support.conversations.models import (
    ConversationEvent,
    IdempotencyRecord,
    SupportConversation,
    SupportMessage,
)

from .conftest import Client

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
OUTSIDER = "outsider"
CUSTOMER = "customer"
OTHER_CUSTOMER = "other_customer"
ANU = "anu"  # the agent the conversation is assigned to
BIJU = "biju"  # an agent it is not assigned to
SUPERVISOR = "supervisor"
ROLES = (ANONYMOUS, OUTSIDER, CUSTOMER, OTHER_CUSTOMER, ANU, BIJU, SUPERVISOR)


@dataclass(frozen=True)
class Endpoint:
    method: str
    suffix: str | None  # under the conversation's URL; None for the absolute `path`
    body: dict[str, Any] | None = None
    path: str = ""

    def url(self, conversation_id: object) -> str:
        if self.suffix is None:
            return self.path
        return f"/api/v1/conversations/{conversation_id}/{self.suffix}"

    @property
    def writes(self) -> bool:
        return self.method == "post"


ENDPOINTS = {
    "queue": Endpoint("get", None, path="/api/v1/conversations/"),
    "detail": Endpoint("get", ""),
    "messages": Endpoint("get", "messages/"),
    "post_message": Endpoint("post", "messages/", {"message": "Where is my order KS-10023?"}),
    "escalate": Endpoint("post", "escalate/", {"reason": "Needs a human"}),
    "assign": Endpoint("post", "assign/", {"agent_id": "agent_biju"}),
    "reply": Endpoint("post", "agent/messages/", {"message": "Hello, this is the agent."}),
    "note": Endpoint("post", "notes/", {"message": "Customer sounds upset."}),
    "resolve": Endpoint("post", "resolve/", {"reason": "Sorted out"}),
    "claim": Endpoint("post", "claim/", {}),
    "unassign": Endpoint("post", "unassign/", {"reason": "Shift over"}),
    "agents": Endpoint("get", None, path="/api/v1/agents/"),
    "agent_me": Endpoint("get", None, path="/api/v1/agents/me/"),
}

# Expected refusals: (status, code, detail).
NEED_CREDENTIALS = (
    401,
    "not_authenticated",
    "Authentication required: send X-Conversation-Token (customers) or "
    "Authorization: Token <key> (agents).",
)
NOT_STAFF_ACCOUNT = (403, "forbidden", "Your account is not an agent or supervisor account.")
STAFF_ONLY = (403, "forbidden", "Only agents and supervisors may do this.")
NOT_YOURS = (404, "conversation_not_found", "Conversation not found.")
NOT_ASSIGNED = (403, "not_assigned_to_you", "This conversation is not assigned to you.")
CUSTOMER_ONLY = (403, "forbidden", "Only the customer writes customer messages.")
SUPERVISOR_ONLY = (403, "forbidden", "Only supervisors assign conversations.")
ALREADY_ESCALATED = (
    409,
    "conversation_already_escalated",
    "This conversation is already escalated.",
)
ALREADY_ESCALATED_AND_ASSIGNED = (
    409,
    "conversation_already_escalated",
    "This conversation is already escalated and assigned to an agent.",
)
RESOLVED = (409, "conversation_resolved", "This conversation is resolved.")
ALREADY_RESOLVED = (409, "conversation_resolved", "This conversation is already resolved.")
RESOLVED_FOR_CUSTOMER = (
    409,
    "conversation_resolved",
    "This conversation is resolved and takes no new messages. Please start a new conversation.",
)
AI_STILL_ANSWERS = (
    409,
    "conversation_not_escalated",
    "The assistant is handling this conversation; escalate it before an agent replies.",
)
NOT_ESCALATED_FOR_ASSIGN = (
    409,
    "conversation_not_escalated",
    "Only escalated conversations can be assigned; escalate it first.",
)
ALREADY_WITH_BIJU = (
    409,
    "already_assigned",
    "This conversation is already assigned to agent_biju.",
)
ALREADY_WITH_ANU = (
    409,
    "already_assigned",
    "This conversation is already assigned to agent_anu.",
)
NOT_ESCALATED_FOR_CLAIM = (
    409,
    "conversation_not_escalated",
    "Only escalated conversations can be claimed; escalate it first.",
)
NOT_ASSIGNED_TO_ANYONE = (
    409,
    "conversation_not_assigned",
    "This conversation is not assigned to anyone.",
)


def row(endpoint: str, status: str, **expected: Any) -> list[Any]:
    """One matrix row: the outcome for each role, by name; an int is a success status."""
    assert set(expected) == set(ROLES), f"{endpoint}/{status} must list every role"
    return [
        pytest.param(endpoint, status, role, expected[role], id=f"{endpoint}-{status}-{role}")
        for role in ROLES
    ]


# Anonymous and outsider callers, customers on staff endpoints: the same everywhere.
OUTSIDE = {ANONYMOUS: NEED_CREDENTIALS, OUTSIDER: NOT_STAFF_ACCOUNT}
STAFF_ENDPOINT = {**OUTSIDE, CUSTOMER: STAFF_ONLY, OTHER_CUSTOMER: STAFF_ONLY}
CUSTOMER_ENDPOINT = {**OUTSIDE, OTHER_CUSTOMER: NOT_YOURS}

MATRIX = [
    # Reads.
    *row("queue", "assigned", **STAFF_ENDPOINT, anu=200, biju=200, supervisor=200),
    *row("agents", "assigned", **STAFF_ENDPOINT, anu=200, biju=200, supervisor=200),
    *row("agent_me", "assigned", **STAFF_ENDPOINT, anu=200, biju=200, supervisor=200),
    *row(
        "detail", "assigned", **CUSTOMER_ENDPOINT, customer=200, anu=200, biju=200, supervisor=200
    ),
    *row(
        "detail", "resolved", **CUSTOMER_ENDPOINT, customer=200, anu=200, biju=200, supervisor=200
    ),
    *row(
        "messages", "assigned", **CUSTOMER_ENDPOINT, customer=200, anu=200, biju=200, supervisor=200
    ),
    *row("messages", "open", **CUSTOMER_ENDPOINT, customer=200, anu=200, biju=200, supervisor=200),
    # The customer's messages: only the customer, never after resolution.
    *row(
        "post_message",
        "assigned",
        **CUSTOMER_ENDPOINT,
        customer=201,
        anu=CUSTOMER_ONLY,
        biju=CUSTOMER_ONLY,
        supervisor=CUSTOMER_ONLY,
    ),
    *row(
        "post_message",
        "resolved",
        **CUSTOMER_ENDPOINT,
        customer=RESOLVED_FOR_CUSTOMER,
        anu=CUSTOMER_ONLY,
        biju=CUSTOMER_ONLY,
        supervisor=CUSTOMER_ONLY,
    ),
    # Escalation: the customer and any agent, once.
    *row("escalate", "open", **CUSTOMER_ENDPOINT, customer=200, anu=200, biju=200, supervisor=200),
    *row(
        "escalate",
        "escalated",
        **CUSTOMER_ENDPOINT,
        customer=ALREADY_ESCALATED,
        anu=ALREADY_ESCALATED,
        biju=ALREADY_ESCALATED,
        supervisor=ALREADY_ESCALATED,
    ),
    *row(
        "escalate",
        "assigned",
        **CUSTOMER_ENDPOINT,
        customer=ALREADY_ESCALATED_AND_ASSIGNED,
        anu=ALREADY_ESCALATED_AND_ASSIGNED,
        biju=ALREADY_ESCALATED_AND_ASSIGNED,
        supervisor=ALREADY_ESCALATED_AND_ASSIGNED,
    ),
    *row(
        "escalate",
        "resolved",
        **CUSTOMER_ENDPOINT,
        customer=RESOLVED,
        anu=RESOLVED,
        biju=RESOLVED,
        supervisor=RESOLVED,
    ),
    # Assignment (to Biju): supervisors only, escalated or assigned conversations only.
    *row(
        "assign",
        "escalated",
        **STAFF_ENDPOINT,
        anu=SUPERVISOR_ONLY,
        biju=SUPERVISOR_ONLY,
        supervisor=200,
    ),
    *row(
        "assign",
        "assigned",  # to Anu: a transfer
        **STAFF_ENDPOINT,
        anu=SUPERVISOR_ONLY,
        biju=SUPERVISOR_ONLY,
        supervisor=200,
    ),
    *row(
        "assign",
        "assigned_to_biju",
        **STAFF_ENDPOINT,
        anu=SUPERVISOR_ONLY,
        biju=SUPERVISOR_ONLY,
        supervisor=ALREADY_WITH_BIJU,
    ),
    *row(
        "assign",
        "open",
        **STAFF_ENDPOINT,
        anu=SUPERVISOR_ONLY,
        biju=SUPERVISOR_ONLY,
        supervisor=NOT_ESCALATED_FOR_ASSIGN,
    ),
    *row(
        "assign",
        "resolved",
        **STAFF_ENDPOINT,
        anu=SUPERVISOR_ONLY,
        biju=SUPERVISOR_ONLY,
        supervisor=RESOLVED,
    ),
    # Agent replies and private notes: the assigned agent or a supervisor, humans' statuses only.
    *[
        param
        for endpoint in ("reply", "note")
        for param in (
            *row(
                endpoint, "assigned", **STAFF_ENDPOINT, anu=201, biju=NOT_ASSIGNED, supervisor=201
            ),
            *row(
                endpoint,
                "escalated",
                **STAFF_ENDPOINT,
                anu=NOT_ASSIGNED,
                biju=NOT_ASSIGNED,
                supervisor=201,
            ),
            *row(
                endpoint,
                "open",
                **STAFF_ENDPOINT,
                anu=AI_STILL_ANSWERS,
                biju=AI_STILL_ANSWERS,
                supervisor=AI_STILL_ANSWERS,
            ),
            *row(
                endpoint,
                "resolved",
                **STAFF_ENDPOINT,
                anu=RESOLVED,
                biju=RESOLVED,
                supervisor=RESOLVED,
            ),
        )
    ],
    # Resolution: the assigned agent or a supervisor, once.
    *row("resolve", "assigned", **STAFF_ENDPOINT, anu=200, biju=NOT_ASSIGNED, supervisor=200),
    *row(
        "resolve",
        "escalated",
        **STAFF_ENDPOINT,
        anu=NOT_ASSIGNED,
        biju=NOT_ASSIGNED,
        supervisor=200,
    ),
    *row("resolve", "open", **STAFF_ENDPOINT, anu=NOT_ASSIGNED, biju=NOT_ASSIGNED, supervisor=200),
    *row(
        "resolve",
        "resolved",
        **STAFF_ENDPOINT,
        anu=ALREADY_RESOLVED,
        biju=ALREADY_RESOLVED,
        supervisor=ALREADY_RESOLVED,
    ),
    # Claims: any agent or supervisor takes a waiting conversation; one claim wins.
    *row("claim", "escalated", **STAFF_ENDPOINT, anu=200, biju=200, supervisor=200),
    *row(
        "claim",
        "assigned",
        **STAFF_ENDPOINT,
        anu=ALREADY_WITH_ANU,
        biju=ALREADY_WITH_ANU,
        supervisor=ALREADY_WITH_ANU,
    ),
    *row(
        "claim",
        "open",
        **STAFF_ENDPOINT,
        anu=NOT_ESCALATED_FOR_CLAIM,
        biju=NOT_ESCALATED_FOR_CLAIM,
        supervisor=NOT_ESCALATED_FOR_CLAIM,
    ),
    *row("claim", "resolved", **STAFF_ENDPOINT, anu=RESOLVED, biju=RESOLVED, supervisor=RESOLVED),
    # Unassigning: the assigned agent or a supervisor, back to escalated.
    *row("unassign", "assigned", **STAFF_ENDPOINT, anu=200, biju=NOT_ASSIGNED, supervisor=200),
    *[
        param
        for status in ("escalated", "open")
        for param in row(
            "unassign",
            status,
            **STAFF_ENDPOINT,
            anu=NOT_ASSIGNED_TO_ANYONE,
            biju=NOT_ASSIGNED_TO_ANYONE,
            supervisor=NOT_ASSIGNED_TO_ANYONE,
        )
    ],
    *row(
        "unassign", "resolved", **STAFF_ENDPOINT, anu=RESOLVED, biju=RESOLVED, supervisor=RESOLVED
    ),
]


@pytest.fixture
def cast(make_customer, other_customer, anu, biju, supervisor, outsider, anonymous):
    """Builds the conversation under test in ``status`` and a client per role."""

    def build(status: str) -> tuple[Any, dict[str, Client]]:
        if status == "assigned_to_biju":
            target = make_customer("assigned", agent=biju)
        else:
            target = make_customer(
                status, agent=anu if status in ("assigned", "resolved") else None
            )
        clients = {
            ANONYMOUS: anonymous,
            OUTSIDER: outsider,
            CUSTOMER: target.client(),
            OTHER_CUSTOMER: other_customer.client(),
            ANU: anu.client(),
            BIJU: biju.client(),
            SUPERVISOR: supervisor.client(),
        }
        return target, clients

    return build


def snapshot() -> dict[str, Any]:
    """Everything a refused request must leave as it was."""
    return {
        "conversations": {
            c.pk: (c.status, c.assigned_agent_id, c.message_count, c.escalated, c.resolved_at)
            for c in SupportConversation.objects.all()
        },
        "messages": list(SupportMessage.objects.values_list("pk", "text")),
        "audit": ConversationEvent.objects.count(),
        "idempotency": IdempotencyRecord.objects.count(),
        "provider_calls": provider_calls.total(),
    }


def call(client: Client, endpoint: Endpoint, conversation_id: object) -> Any:
    url = endpoint.url(conversation_id)
    if endpoint.writes:
        return client.post(url, endpoint.body)
    return client.get(url)


ACTING_AGENT = {ANU: "agent_anu", BIJU: "agent_biju", SUPERVISOR: "supervisor_meera"}


def assert_the_call_took_effect(endpoint: str, role: str, target: Any, body: Any) -> None:
    conversation = target.conversation()
    if endpoint == "queue":
        assert str(target.conversation_id) in [c["conversation_id"] for c in body["results"]]
    elif endpoint == "agents":
        assert [a["agent_id"] for a in body] == ["agent_anu", "agent_biju", "supervisor_meera"]
    elif endpoint == "agent_me":
        assert body["agent_id"] == ACTING_AGENT[role]
    elif endpoint == "detail":
        assert body["conversation_id"] == str(target.conversation_id)
        assert body["status"] == conversation.status
    elif endpoint == "messages":
        stored = SupportMessage.objects.filter(conversation_id=target.conversation_id)
        assert [m["message_id"] for m in body["results"]] == [m.pk for m in stored]
    elif endpoint == "post_message":
        assert body["message"] == "Where is my order KS-10023?"
        assert "ai_response" not in body  # the conversation is with humans: the AI is silent
        assert provider_calls.total() == 0
        assert conversation.status == "assigned"
    elif endpoint == "escalate":
        assert body["status"] == "escalated"
        assert conversation.status == "escalated"
        assert conversation.escalation_reason == "Needs a human"
    elif endpoint == "assign":
        assert body["assigned_agent"] == "agent_biju"
        assert (conversation.status, conversation.assigned_agent_id) == ("assigned", "agent_biju")
    elif endpoint in ("reply", "note"):
        message = SupportMessage.objects.get(pk=body["message_id"])
        assert message.conversation_id == target.conversation_id
        assert (message.sender, message.agent_id) == ("agent", ACTING_AGENT[role])
        assert message.is_private is (endpoint == "note")
    elif endpoint == "resolve":
        assert body["status"] == "resolved"
        assert (conversation.status, conversation.assigned_agent_id) == ("resolved", None)
    elif endpoint == "claim":
        assert body["assigned_agent"] == ACTING_AGENT[role]
        assert (conversation.status, conversation.assigned_agent_id) == (
            "assigned",
            ACTING_AGENT[role],
        )
    elif endpoint == "unassign":
        assert (body["status"], body["assigned_agent"]) == ("escalated", None)
        assert (conversation.status, conversation.assigned_agent_id) == ("escalated", None)
        assert conversation.escalated  # back to the humans' queue, never to the assistant
    else:  # pragma: no cover - a new endpoint needs its check
        pytest.fail(f"no check for {endpoint}")


@pytest.mark.parametrize(("endpoint", "status", "role", "expected"), MATRIX)
def test_the_access_matrix_holds(cast, events, endpoint, status, role, expected):
    target, clients = cast(status)
    before = snapshot()
    events.clear()

    response = call(clients[role], ENDPOINTS[endpoint], target.conversation_id)

    if isinstance(expected, int):
        assert response.status_code == expected, response.json()
        assert_the_call_took_effect(endpoint, role, target, response.json())
        return
    status_code, code, detail = expected
    assert response.status_code == status_code
    assert response.json() == {"detail": detail, "code": code}
    assert snapshot() == before
    assert events == []


def test_every_endpoint_and_role_is_in_the_matrix():
    covered = {(param.values[0], param.values[2]) for param in MATRIX}
    assert covered == {(endpoint, role) for endpoint in ENDPOINTS for role in ROLES}


# Credentials that do not work.


def get_detail(client: Client, customer: Any) -> Any:
    return client.get(customer.url())


def assert_refused_as(response: Any, status_code: int, code: str, detail: str) -> None:
    assert response.status_code == status_code
    assert response.json() == {"detail": detail, "code": code}


@pytest.mark.parametrize(
    "token",
    ["garbage", "", "x" * 500, "Token abc"],
    ids=["garbage", "empty", "long", "looks-like-an-agent-token"],
)
def test_it_refuses_a_conversation_token_that_matches_no_conversation(customer, token):
    client = Client()
    client.credentials(HTTP_X_CONVERSATION_TOKEN=token)

    response = get_detail(client, customer)

    assert_refused_as(response, 401, "invalid_token", "Invalid conversation token.")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        ("Token garbage", "Invalid token."),
        ("token garbage", "Invalid token."),
        ("Token ", "Invalid Authorization header: use 'Token <key>'."),
        ("Token two parts", "Invalid Authorization header: use 'Token <key>'."),
        ("Token caf\u00e9", "Invalid token."),  # not UTF-8 once it is on the wire
    ],
    ids=["garbage", "lowercase-keyword", "no-key", "two-keys", "latin-1"],
)
def test_it_refuses_an_agent_token_that_is_not_valid(customer, authorization, detail):
    client = Client()
    client.credentials(HTTP_AUTHORIZATION=authorization)

    response = get_detail(client, customer)

    assert_refused_as(response, 401, "invalid_token", detail)


def test_it_treats_an_unknown_authorization_scheme_as_no_credentials(customer):
    client = Client()
    client.credentials(HTTP_AUTHORIZATION="Basic abc")

    response = get_detail(client, customer)

    assert_refused_as(response, 401, *NEED_CREDENTIALS[1:])


def test_it_refuses_a_bad_service_token(customer):
    client = Client()
    client.credentials(HTTP_AUTHORIZATION="Bearer abc")

    response = get_detail(client, customer)

    assert (response.status_code, response.json()["code"]) == (401, "invalid_token")


def test_it_says_how_to_send_an_agent_token_sent_as_a_bearer_token(customer, anu):
    client = Client()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {anu.token}")

    response = get_detail(client, customer)

    assert_refused_as(
        response,
        401,
        "invalid_token",
        "This is an agent's API token: send it as 'Authorization: Token <key>'.",
    )


def test_it_refuses_a_conversation_token_of_another_conversation_even_for_a_valid_id(
    customer, other_customer
):
    response = other_customer.client().get(customer.url("messages/"))

    assert_refused_as(response, 404, *NOT_YOURS[1:])


def test_it_answers_not_found_for_a_conversation_that_does_not_exist(supervisor, customer):
    missing = "/api/v1/conversations/00000000-0000-4000-8000-000000000000/"

    for client in (supervisor.client(), customer.client()):
        assert_refused_as(client.get(missing), 404, *NOT_YOURS[1:])


def test_it_refuses_the_token_of_a_deactivated_agent(anu, customer, events):
    user = anu.agent.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    before = snapshot()
    events.clear()

    for response in (
        anu.client().get("/api/v1/conversations/"),
        anu.client().post(customer.url("escalate/"), {}),
    ):
        assert_refused_as(response, 401, "invalid_token", "Invalid token.")
    assert snapshot() == before
    assert events == []


def test_it_refuses_a_deactivated_user_logged_in_by_session(customer):
    user = get_user_model().objects.create_user(username="gone", password="pw-123456")
    user.is_active = False
    user.save(update_fields=["is_active"])
    client = Client()
    client.force_authenticate(user)

    response = get_detail(client, customer)

    assert_refused_as(response, 401, *NEED_CREDENTIALS[1:])


def test_it_lets_a_superuser_without_an_agent_profile_act_as_a_supervisor(make_customer):
    target = make_customer("escalated")
    admin = get_user_model().objects.create_superuser(username="root", password="pw-123456")
    client = Client()
    client.force_authenticate(admin)

    response = client.post(target.url("agent/messages/"), {"message": "Admin here."})

    assert response.status_code == 201
    assert response.json()["agent_id"] is None


# Private notes.


def test_a_customer_sees_the_escalation_reason_only_in_their_own_words(make_customer, supervisor):
    by_staff = make_customer("open")
    supervisor.client().post(
        by_staff.url("escalate/"), {"reason": "internal: suspected fraudster"}, format="json"
    )
    by_rule = make_customer("open")
    by_rule.client().post(by_rule.url("messages/"), {"message": "The seller cheated me"})
    own = make_customer("open")
    own.client().post(own.url("messages/"), {"message": "I want to talk to a human agent"})

    reasons = [
        c.client().get(c.url()).json()["escalation_reason"] for c in (by_staff, by_rule, own)
    ]

    assert reasons == ["", "", "I want to talk to a human agent"]
    staff_view = supervisor.client().get(by_staff.url()).json()
    assert staff_view["escalation_reason"] == "internal: suspected fraudster"


def test_it_never_shows_private_notes_to_the_customer(make_customer, anu, biju, supervisor):
    target = make_customer("assigned", agent=anu)
    reply = anu.client().post(target.url("agent/messages/"), {"message": "How can I help?"})
    note = anu.client().post(target.url("notes/"), {"message": "Asked for a refund twice."})
    assert (reply.status_code, note.status_code) == (201, 201)

    seen_by_customer = target.client().get(target.url("messages/")).json()["results"]

    texts = [m["message"] for m in seen_by_customer]
    assert "Asked for a refund twice." not in texts
    assert "How can I help?" in texts
    assert all(m["is_private"] is False for m in seen_by_customer)
    assert note.json()["message_id"] not in [m["message_id"] for m in seen_by_customer]
    assert target.conversation().message_count == 1  # notes are not customer-visible messages


@pytest.mark.parametrize("who", [ANU, BIJU, SUPERVISOR])
def test_it_shows_private_notes_to_every_staff_member(make_customer, anu, biju, supervisor, who):
    target = make_customer("assigned", agent=anu)
    note = anu.client().post(target.url("notes/"), {"message": "Asked for a refund twice."})
    staff = {ANU: anu, BIJU: biju, SUPERVISOR: supervisor}[who]

    results = staff.client().get(target.url("messages/")).json()["results"]

    notes = [m for m in results if m["is_private"]]
    assert [(m["message_id"], m["message"], m["agent_id"]) for m in notes] == [
        (note.json()["message_id"], "Asked for a refund twice.", "agent_anu")
    ]


def test_it_hides_private_notes_from_the_customer_when_paging_with_after(make_customer, anu):
    target = make_customer("assigned", agent=anu)
    first = anu.client().post(target.url("agent/messages/"), {"message": "One"}).json()
    anu.client().post(target.url("notes/"), {"message": "Secret"})
    last = anu.client().post(target.url("agent/messages/"), {"message": "Two"}).json()

    response = target.client().get(target.url("messages/"), {"after": first["message_id"]})

    assert [m["message_id"] for m in response.json()["results"]] == [last["message_id"]]


def test_an_agent_learns_nothing_about_agents_from_assign(make_customer, anu):
    """The role is checked before the agent id, so agents cannot probe which ids exist."""
    customer = make_customer("escalated")

    known = anu.client().post(customer.url("assign/"), {"agent_id": "agent_anu"})
    unknown = anu.client().post(customer.url("assign/"), {"agent_id": "agent_nobody"})

    assert (known.status_code, known.json()["code"]) == (403, "forbidden")
    assert (unknown.status_code, unknown.json()["code"]) == (403, "forbidden")
    assert customer.conversation().status == "escalated"


def test_the_api_base_url_links_to_the_docs_and_the_collections(client):
    response = client.get("/api/v1/")

    assert response.status_code == 200
    assert response.json() == {
        "docs": "http://testserver/api/docs/",
        "schema": "http://testserver/api/schema/",
        "conversations": "http://testserver/api/v1/conversations/",
        "agents": "http://testserver/api/v1/agents/",
        "auth_token": "http://testserver/api/v1/auth/token/",
    }


def test_the_site_root_leads_to_the_console(client):
    response = client.get("/")

    assert (response.status_code, response["Location"]) == (302, "/console/")
