"""Demo data for `make run`: a supervisor, two agents and conversations in every status.

Safe to run again: agents and conversations are created once; fresh API tokens are printed
every time (only their digests are stored, so old ones cannot be shown again).

The chat link it prints carries the ``user_hash`` a shop would compute for customer_123
under this deployment's CUSTOMER_IDENTITY_SECRET (in the embedded mode, the public demo
value), so the demo shows a signed-in customer's order answers.
"""

import os
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from support.agents.availability import do_set_availability
from support.agents.models import Agent, AgentSocket, AgentToken, Availability, Role
from support.agents.services import create_agent, issue_token
from support.assistant.turns import handle_customer_message
from support.conversations import actions, identity
from support.conversations.actors import SYSTEM, Actor
from support.conversations.models import SupportConversation
from support.orders.models import Order, ServiceToken
from support.orders.services import create_service_token, upsert_order

DEMO_CUSTOMER = "customer_123"
DEMO_AGENTS = [
    ("supervisor_meera", "Meera", Role.SUPERVISOR, ["en", "ml", "ml-Latn"]),
    ("agent_456", "Anu", Role.AGENT, ["en", "ml", "ml-Latn"]),
    ("agent_789", "Biju", Role.AGENT, ["en"]),
]


def _chat_lines(base: str) -> list[str]:
    """Where to chat as customer_123, signed in at the shop when a secret is configured."""
    user_hash = identity.configured_user_hash(DEMO_CUSTOMER)
    if user_hash is None:
        return [
            f"  Chat:      {base}/chat/?user_id={DEMO_CUSTOMER}   (not verified: without "
            "CUSTOMER_IDENTITY_SECRET the assistant shows no orders)",
        ]
    return [
        f"  Chat:      {base}/chat/?user_id={DEMO_CUSTOMER}&user_hash={user_hash}",
        "             (customer_123, signed in at the shop: the assistant reads their orders)",
        f"  Guest:     {base}/chat/   (nobody signed in: no order answers)",
    ]


class Command(BaseCommand):
    help = "Load demo agents and conversations, and print how to log in."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DEMO_PASSWORD", "kerala-demo-2026")
        with transaction.atomic():
            for agent_id, name, role, languages in DEMO_AGENTS:
                if not Agent.objects.filter(agent_id=agent_id).exists():
                    create_agent(
                        agent_id=agent_id,
                        display_name=name,
                        role=role,
                        languages=languages,
                        password=password,
                    )
            # The server is starting: no console is open, so nobody is online. Agents switch
            # themselves online in the console and then receive conversations automatically.
            AgentSocket.objects.filter(agent__agent_id__in=[a[0] for a in DEMO_AGENTS]).delete()
            for agent_id, *_ in DEMO_AGENTS:
                do_set_availability(
                    actor=SYSTEM,
                    agent_id=agent_id,
                    availability=Availability.OFFLINE,
                    reason="The demo server starts with everyone offline.",
                )
        if not Order.objects.exists():
            self._orders()
        if not SupportConversation.objects.exists():
            self._conversations()
        base = options["base_url"].rstrip("/")
        lines = [
            "",
            "Kerala Sellers Support is starting.",
            f"  API docs:  {base}/api/docs/",
            f"  Console:   {base}/console/   (agents and supervisors log in here)",
            f"  Admin:     {base}/admin/   (log in as supervisor_meera)",
            f"  API:       {base}/api/v1/",
            *_chat_lines(base),
            "",
            f"Demo logins (password: {password}); agents start offline: switch to Online in",
            "the console's header to receive waiting conversations automatically.",
        ]
        AgentToken.objects.filter(label="demo").delete()
        for agent_id, name, role, languages in DEMO_AGENTS:
            agent = Agent.objects.get(agent_id=agent_id)
            token = issue_token(user=agent.user, label="demo")
            lines.append(
                f"  {agent_id:<17} {name:<6} {role:<10} {','.join(languages):<12} token {token}"
            )
        ServiceToken.objects.filter(name="demo-shop").delete()
        lines += [
            "",
            f"Shop backend service token (push orders): {create_service_token(name='demo-shop')}",
            "Demo customers with orders: customer_123 (KS-10023, KS-10024), customer_103.",
        ]
        self.stdout.write("\n".join([*lines, ""]))

    def _orders(self) -> None:
        today = timezone.localdate()
        now = timezone.now()
        demo = [
            (
                "KS-10023",
                "customer_123",
                "shipped",
                [("Kasavu saree", 1)],
                "2499.00",
                "upi",
                2,
                2,
                None,
            ),
            (
                "KS-10024",
                "customer_123",
                "delivered",
                [("Banana chips 1 kg", 2)],
                "640.00",
                "cod",
                9,
                None,
                5,
            ),
            (
                "KS-10031",
                "customer_103",
                "refunded",
                [("Nilambur teak jewellery box", 1)],
                "1850.00",
                "card",
                20,
                None,
                14,
            ),
            (
                "KS-10040",
                "customer_101",
                "out_for_delivery",
                [("Aranmula kannadi", 1)],
                "4200.00",
                "upi",
                3,
                0,
                None,
            ),
        ]
        for number, user, status, items, total, payment, placed_ago, due_in, delivered_ago in demo:
            upsert_order(
                order_number=number,
                fields={
                    "user_id": user,
                    "status": status,
                    "items": [{"name": name, "qty": qty} for name, qty in items],
                    "total_rupees": total,
                    "payment_method": payment,
                    "placed_at": now - timedelta(days=placed_ago),
                    "expected_delivery": (
                        today + timedelta(days=due_in) if due_in is not None else None
                    ),
                    "delivered_at": (
                        now - timedelta(days=delivered_ago) if delivered_ago is not None else None
                    ),
                    "delivery_city": "Kochi",
                },
            )

    def _conversations(self) -> None:
        meera = Actor.for_agent(Agent.objects.get(agent_id="supervisor_meera"))
        anu = Actor.for_agent(Agent.objects.get(agent_id="agent_456"))

        def customer(user_id: str, language: str, *texts: str) -> SupportConversation:
            # The demo shop signed these customers in (when identities can be verified).
            conversation, _ = actions.do_create_conversation(
                user_id=user_id, language=language, customer_verified=identity.enabled()
            )
            actor = Actor.customer(conversation_id=conversation.conversation_id, user_id=user_id)
            for text in texts:
                handle_customer_message(
                    actor=actor, conversation_id=conversation.conversation_id, text=text
                )
            return conversation

        customer("customer_101", "en", "Hi", "Where is my order?")
        customer("customer_102", "ml-Latn", "Hello", "Enikku oru human agent-ine venam, please")
        assigned = customer(
            "customer_103", "en", "My refund has not arrived", "I want to talk to a human agent"
        )
        actions.do_assign_conversation(
            actor=meera, conversation_id=assigned.conversation_id, agent_id="agent_456"
        )
        actions.do_post_agent_message(
            actor=anu,
            conversation_id=assigned.conversation_id,
            text="Hello, I am Anu. I am checking your refund now.",
        )
        resolved = customer("customer_104", "en", "How long does delivery take?")
        actions.do_escalate_conversation(
            actor=meera, conversation_id=resolved.conversation_id, reason="VIP customer"
        )
        actions.do_assign_conversation(
            actor=meera, conversation_id=resolved.conversation_id, agent_id="agent_789"
        )
        actions.do_resolve_conversation(actor=meera, conversation_id=resolved.conversation_id)
