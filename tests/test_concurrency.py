"""The invariant under concurrency (DESIGN.md section 1), on PostgreSQL.

Many threads post customer messages whose AI replies are slow, while other threads escalate
the same conversations. Afterwards no conversation holds an AI message written after its
escalation, none was delivered after the escalation event, and every conversation has
exactly the audit events it should.
"""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from support.assistant.providers import AssistantReply, ReplyContext, provider_calls, use_provider
from support.assistant.turns import handle_customer_message
from support.common import bus
from support.conversations import actions
from support.conversations.actors import Actor
from support.conversations.models import ConversationEvent, SupportConversation, SupportMessage

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres"),
]

CONVERSATIONS = 40
THREADS = 16


class SlowProvider:
    """Takes 0-40 ms to answer, long enough for escalations to land mid-reply.

    For the conversations in ``held``, the first reply waits until the test has escalated
    the conversation, so those replies are certainly in flight during the escalation.
    """

    name = "slow"

    def __init__(self, held: set[str] = frozenset()) -> None:
        self.lock = threading.Lock()
        self.replies = 0
        self.in_flight = {cid: threading.Event() for cid in held}
        self.release = {cid: threading.Event() for cid in held}

    def reply(self, context: ReplyContext) -> AssistantReply:
        cid = context.conversation_id
        if cid in self.in_flight and not self.in_flight[cid].is_set():
            self.in_flight[cid].set()
            assert self.release[cid].wait(10), "the escalation never came"
        else:
            time.sleep(random.uniform(0, 0.04))
        with self.lock:
            self.replies += 1
        return AssistantReply(text=f"answer to {context.text}")


def _in_thread(work):
    def run(*args):
        try:
            return work(*args)
        finally:
            connection.close()

    return run


@pytest.fixture
def captured():
    lock = threading.Lock()
    seen: list[bus.Event] = []

    def listener(event: bus.Event) -> None:
        with lock:
            seen.append(event)

    unsubscribe = bus.subscribe(listener)
    yield seen
    unsubscribe()


def test_no_ai_reply_lands_after_a_racing_escalation(supervisor, captured):
    random.seed(7)
    customers = []
    for n in range(CONVERSATIONS):
        conversation, _ = actions.do_create_conversation(user_id=f"customer_{n}")
        customers.append(
            Actor.customer(conversation_id=conversation.conversation_id, user_id=f"customer_{n}")
        )
    held = {str(c.conversation_id) for c in customers[::2]}
    provider = SlowProvider(held)

    @_in_thread
    def chat(customer: Actor) -> None:
        for text in ("Where is my order?", "When will it arrive?", "Can I pay by UPI?"):
            try:
                handle_customer_message(
                    actor=customer, conversation_id=customer.conversation_id, text=text
                )
            except Exception as error:  # resolved conversations refuse messages
                raise AssertionError(f"message refused: {error}") from error

    @_in_thread
    def escalate(customer: Actor) -> None:
        cid = str(customer.conversation_id)
        if cid in held:
            assert provider.in_flight[cid].wait(10), "no reply was generated"
        else:
            time.sleep(random.uniform(0, 0.08))
        actions.do_escalate_conversation(
            actor=supervisor.actor, conversation_id=customer.conversation_id, reason="race"
        )
        if cid in held:
            provider.release[cid].set()

    # Two pools, so held replies never starve the escalations they wait for.
    with (
        use_provider(provider),
        ThreadPoolExecutor(THREADS // 2) as chats,
        ThreadPoolExecutor(THREADS // 2) as escalations,
    ):
        futures = [chats.submit(chat, c) for c in customers]
        futures += [escalations.submit(escalate, c) for c in customers]
        for future in futures:
            future.result()

    dropped = provider.replies - SupportMessage.objects.filter(sender="ai").count()
    for customer in customers:
        conversation = SupportConversation.objects.get(pk=customer.conversation_id)
        assert conversation.status == "escalated"
        escalation_notice = conversation.messages.get(sender="system")
        late_ai = conversation.messages.filter(sender="ai", id__gt=escalation_notice.id)
        assert not late_ai.exists(), f"AI spoke after escalation in {conversation.pk}"
        assert list(
            ConversationEvent.objects.filter(conversation=conversation).values_list(
                "kind", "from_status", "to_status", "actor_id"
            )
        ) == [
            ("created", "", "open", customer.actor_id),
            ("escalated", "open", "escalated", "supervisor_meera"),
        ]
        # Delivery: no AI message event after the escalation event of the conversation.
        stream = [e for e in captured if e.conversation_id == str(conversation.pk)]
        escalated_at = next(i for i, e in enumerate(stream) if e.type == "conversation.escalated")
        assert all(e.data.get("sender") != "ai" for e in stream[escalated_at:]), (
            f"an AI message was delivered after escalation in {conversation.pk}"
        )
        # Every customer message was stored: nothing lost.
        assert conversation.messages.filter(sender="user").count() == 3
        assert conversation.message_count == conversation.messages.exclude(sender="system").count()
    # The race happened: every held reply was generated and then dropped under the lock.
    assert dropped >= len(held)
    assert provider.replies == provider_calls.total()
    for cid in held:
        assert not SupportMessage.objects.filter(conversation_id=cid, sender="ai").exists()


def test_escalated_conversations_never_call_the_provider_under_load(supervisor):
    customers = []
    for n in range(10):
        conversation, _ = actions.do_create_conversation(user_id=f"customer_{n}")
        actions.do_escalate_conversation(
            actor=supervisor.actor, conversation_id=conversation.conversation_id
        )
        customers.append(
            Actor.customer(conversation_id=conversation.conversation_id, user_id=f"customer_{n}")
        )

    @_in_thread
    def chat(customer: Actor, n: int) -> None:
        handle_customer_message(
            actor=customer, conversation_id=customer.conversation_id, text=f"hello {n}"
        )

    with use_provider(SlowProvider()), ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(chat, c, n) for c in customers for n in range(5)]:
            future.result()

    assert provider_calls.total() == 0
    assert SupportMessage.objects.filter(sender="user").count() == 50
    assert not SupportMessage.objects.filter(sender="ai").exists()
    for customer in customers:
        conversation = SupportConversation.objects.get(pk=customer.conversation_id)
        assert conversation.message_count == 5
