"""The waiting customer's place in the queue and estimated wait: exact numbers from a
controlled clock and a known history, the API field for customers and staff, the
``queue.updated`` events of every change to the queue, and the out-of-hours notice.

30 November 2026 is a Monday; business hours here are mon-sat 09:00-21:00 in Kolkata.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from support.conversations import actions, assignment, events, waiting
from support.conversations.actors import ASSISTANT
from support.conversations.models import SupportMessage
from support.conversations.states import EscalationSource

from .conftest import Customer, Staff
from .staffing import set_agent

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")


def ist(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=IST)


class Clock:
    def __init__(self) -> None:
        self.now = ist(30, 10)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """``timezone.now()`` (and so every stored time) is ``clock.now``."""
    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture(autouse=True)
def _business(settings: Any) -> None:
    settings.BUSINESS_HOURS = "mon-sat 09:00-21:00"
    settings.AUTO_ASSIGN = False  # the tests take conversations from the queue themselves


class Lifecycle:
    """Conversations brought through the lifecycle at the clock's times."""

    def __init__(self, clock: Clock, supervisor: Staff) -> None:
        self.clock = clock
        self.supervisor = supervisor
        self.count = 0

    def _at(self, at: datetime | None) -> Any:
        if at is not None:
            self.clock.now = at
        return TestCase.captureOnCommitCallbacks(execute=True)

    def escalate(self, at: datetime | None = None, *, language: str = "en") -> Customer:
        self.count += 1
        user_id = f"customer_{self.count}"
        with self._at(at):
            conversation, token = actions.do_create_conversation(user_id=user_id, language=language)
            actions.do_escalate_conversation(
                actor=self.supervisor.actor, conversation_id=conversation.conversation_id
            )
        return Customer(conversation_id=conversation.conversation_id, token=token, user_id=user_id)

    def assign(self, customer: Customer, agent: Staff, at: datetime | None = None) -> None:
        with self._at(at):
            actions.do_assign_conversation(
                actor=self.supervisor.actor,
                conversation_id=customer.conversation_id,
                agent_id=agent.agent_id,
            )

    def claim(self, customer: Customer, agent: Staff, at: datetime | None = None) -> None:
        with self._at(at):
            assignment.do_claim_conversation(
                actor=agent.actor, conversation_id=customer.conversation_id
            )

    def unassign(self, customer: Customer, agent: Staff, at: datetime | None = None) -> None:
        with self._at(at):
            assignment.do_unassign_conversation(
                actor=agent.actor, conversation_id=customer.conversation_id
            )

    def resolve(self, customer: Customer, at: datetime | None = None) -> None:
        with self._at(at):
            actions.do_resolve_conversation(
                actor=self.supervisor.actor, conversation_id=customer.conversation_id
            )


@pytest.fixture
def lifecycle(clock: Clock, supervisor: Staff) -> Lifecycle:
    return Lifecycle(clock, supervisor)


@pytest.fixture
def monday_morning(lifecycle: Lifecycle, anu: Staff, biju: Staff) -> list[Customer]:
    """Three conversations taken from the queue and one resolved while waiting, then three
    waiting since 10:30; the clock stops at 10:35.

    Someone waited 10:00-10:08, 10:10-10:12, 10:20-10:21 and 10:30-10:35: 16 minutes, in
    which agents took 3 conversations: 320 seconds a place.
    """
    first = lifecycle.escalate(ist(30, 10, 0))
    second = lifecycle.escalate(ist(30, 10, 2))
    lifecycle.assign(first, anu, ist(30, 10, 4))
    lifecycle.assign(second, anu, ist(30, 10, 8))
    third = lifecycle.escalate(ist(30, 10, 10))
    lifecycle.claim(third, biju, ist(30, 10, 12))
    spam = lifecycle.escalate(ist(30, 10, 20))
    lifecycle.resolve(spam, ist(30, 10, 21))  # left the queue, but no agent took it
    waiting_now = [lifecycle.escalate(ist(30, 10, 30 + n)) for n in range(3)]
    lifecycle.clock.now = ist(30, 10, 35)
    return waiting_now


def waiting_status(customer: Customer) -> dict[str, Any] | None:
    status = waiting.queue_status(customer.conversation())
    return status.as_data() if status else None


# ---- positions and estimates -----------------------------------------------------------


def test_places_follow_the_staff_queue_and_estimates_the_recent_pace(monday_morning, anu):
    set_agent(anu, "online")

    assert waiting.seconds_per_place(now=ist(30, 10, 35)) == 320
    assert [waiting_status(c) for c in monday_morning] == [
        {"position": n, "estimated_wait_seconds": 320 * n, "open_now": True, "next_opening": None}
        for n in (1, 2, 3)
    ]
    # The fan-out reads the same in one go, in queue order.
    assert waiting.queue_statuses(limit=10) == [
        (c.conversation_id, waiting.queue_status(c.conversation())) for c in monday_morning
    ]


def test_with_no_agent_online_in_business_hours_there_is_no_estimate(monday_morning):
    assert [waiting_status(c) for c in monday_morning] == [
        {"position": n, "estimated_wait_seconds": None, "open_now": True, "next_opening": None}
        for n in (1, 2, 3)
    ]


def test_fewer_than_three_conversations_taken_is_no_basis(lifecycle, anu):
    set_agent(anu, "online")
    taken = [lifecycle.escalate(ist(30, 10, n)) for n in range(2)]
    for customer in taken:
        lifecycle.assign(customer, anu, ist(30, 10, 5))
    waiting_one = lifecycle.escalate(ist(30, 10, 6))

    assert waiting.seconds_per_place(now=ist(30, 10, 7)) is None
    assert waiting_status(waiting_one) == {
        "position": 1,
        "estimated_wait_seconds": None,
        "open_now": True,
        "next_opening": None,
    }


def test_only_the_last_day_counts(monday_morning, anu, clock):
    set_agent(anu, "online")

    # Tuesday 11:00: Monday's takes are more than a day old.
    assert waiting.seconds_per_place(now=ist(1, 11, month=12)) is None


def test_time_out_of_hours_is_not_counted_and_the_estimate_starts_at_the_next_opening(
    lifecycle, anu
):
    """Saturday 5 December: three taken in two minutes each before closing; one waiting
    since 20:58. At 21:30 (closed), 8 business minutes for 3 taken: 160 seconds a place,
    counted from Monday's opening."""
    for minute in (0, 10, 20):
        customer = lifecycle.escalate(ist(5, 20, minute, month=12))
        lifecycle.assign(customer, anu, ist(5, 20, minute + 2, month=12))
    late = lifecycle.escalate(ist(5, 20, 58, month=12))
    lifecycle.clock.now = ist(5, 21, 30, month=12)

    assert waiting.seconds_per_place(now=lifecycle.clock.now) == 160
    # Nobody is online at night, and it does not matter: agents are back on Monday.
    assert waiting_status(late) == {
        "position": 1,
        # Saturday 21:30 to Monday 09:00, then 160 seconds.
        "estimated_wait_seconds": (2 * 3600 + 30 * 60) + 24 * 3600 + 9 * 3600 + 160,
        "open_now": False,
        "next_opening": "2026-12-07T03:30:00Z",
    }


def test_conversations_that_do_not_wait_have_no_queue(make_customer, anu, lifecycle):
    assert waiting.queue_status(make_customer("open").conversation()) is None
    assert waiting.queue_status(make_customer("assigned", agent=anu).conversation()) is None
    assert waiting.queue_status(make_customer("resolved").conversation()) is None


# ---- the API -----------------------------------------------------------------------------


def test_the_customer_and_staff_read_the_place_until_an_agent_takes_it(
    monday_morning, anu, biju, supervisor, lifecycle
):
    set_agent(anu, "online")
    first, second, _ = monday_morning
    expected = {
        "position": 2,
        "estimated_wait_seconds": 640,
        "open_now": True,
        "next_opening": None,
    }

    for client in (second.client(), anu.client(), supervisor.client()):
        response = client.get(second.url())
        assert response.status_code == 200
        assert response.json()["queue"] == expected
    assert "handoff_brief" not in second.client().get(second.url()).json()

    lifecycle.assign(first, biju, ist(30, 10, 35))  # a fourth taken: 16 min / 4 a place

    assert second.client().get(second.url()).json()["queue"] == {
        **expected,
        "position": 1,
        "estimated_wait_seconds": 240,
    }

    lifecycle.assign(second, biju)

    for client in (second.client(), anu.client()):
        body = client.get(second.url()).json()
        assert (body["status"], body["queue"]) == ("assigned", None)


def test_open_and_resolved_conversations_answer_a_null_queue(make_customer):
    for customer in (make_customer("open"), make_customer("resolved")):
        assert customer.client().get(customer.url()).json()["queue"] is None


def test_out_of_hours_the_api_says_closed_and_when_it_opens(lifecycle):
    customer = lifecycle.escalate(ist(29, 12))  # Sunday

    assert customer.client().get(customer.url()).json()["queue"] == {
        "position": 1,
        "estimated_wait_seconds": None,
        "open_now": False,
        "next_opening": "2026-11-30T03:30:00Z",
    }


# ---- live updates ------------------------------------------------------------------------


def queue_events(captured: list[Any]) -> list[tuple[str, tuple[str, ...], int]]:
    """(conversation, groups, position) of each queue.updated event, checking its shape."""
    found = []
    for event in captured:
        if event.type != "queue.updated":
            continue
        assert event.data == {
            "position": event.data["position"],
            "estimated_wait_seconds": None,  # no agent online: no estimate
            "open_now": True,
            "next_opening": None,
        }
        found.append((event.conversation_id, event.groups, event.data["position"]))
    return found


def told(customer: Customer, position: int) -> tuple[str, tuple[str, ...], int]:
    cid = str(customer.conversation_id)
    return (cid, (f"conversation.{cid}",), position)


@pytest.fixture
def captured() -> Iterator[list[Any]]:
    from support.common import bus

    found: list[Any] = []
    unsubscribe = bus.subscribe(found.append)
    yield found
    unsubscribe()


def test_every_change_to_the_queue_tells_each_waiting_customer_their_place(
    lifecycle, anu, biju, captured
):
    a = lifecycle.escalate(ist(30, 10, 0))
    b = lifecycle.escalate(ist(30, 10, 1))

    captured.clear()
    c = lifecycle.escalate(ist(30, 10, 2))
    assert queue_events(captured) == [told(a, 1), told(b, 2), told(c, 3)]
    escalated_types = [e.type for e in captured]
    assert escalated_types.index("conversation.escalated") < escalated_types.index("queue.updated")

    captured.clear()
    lifecycle.assign(a, anu)
    assert queue_events(captured) == [told(b, 1), told(c, 2)]

    captured.clear()
    lifecycle.claim(c, biju)
    assert queue_events(captured) == [told(b, 1)]

    captured.clear()
    lifecycle.unassign(a, anu)  # back in the queue, in its old place: escalated first
    assert queue_events(captured) == [told(a, 1), told(b, 2)]

    captured.clear()
    lifecycle.resolve(b)  # a waiting conversation closed without an agent
    assert queue_events(captured) == [told(a, 1)]


def test_changes_that_leave_the_queue_as_it_is_tell_nobody(lifecycle, anu, biju, captured):
    waiting_one = lifecycle.escalate(ist(30, 10, 0))
    taken = lifecycle.escalate(ist(30, 10, 1))
    lifecycle.assign(taken, anu)

    captured.clear()
    lifecycle.assign(taken, biju)  # a transfer
    lifecycle.resolve(taken)  # an assigned one resolved
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.do_post_user_message(
            actor=waiting_one.actor, conversation_id=waiting_one.conversation_id, text="Hello?"
        )
    assert queue_events(captured) == []


def test_the_fan_out_stops_at_its_limit(lifecycle, captured, monkeypatch):
    monkeypatch.setattr(events, "QUEUE_FANOUT_LIMIT", 2)
    first, second = (lifecycle.escalate(ist(30, 10, n)) for n in range(2))

    captured.clear()
    lifecycle.escalate(ist(30, 10, 2))

    assert queue_events(captured) == [told(first, 1), told(second, 2)]


def test_the_update_waits_for_the_commit_and_a_rollback_sends_nothing(lifecycle, captured):
    lifecycle.escalate(ist(30, 10, 0))
    captured.clear()

    with (
        TestCase.captureOnCommitCallbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        events.queue_changed("escalated", "assigned")
        raise RuntimeError("rolled back")
    assert (callbacks, captured) == ([], [])

    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        events.queue_changed("escalated", "assigned")
        assert captured == []  # not before the commit
    assert callbacks == [events.publish_queue]


# ---- the out-of-hours notice -------------------------------------------------------------


def notice_of(customer: Customer) -> str:
    return SupportMessage.objects.filter(
        conversation_id=customer.conversation_id, sender="system"
    ).values_list("text", flat=True)[0]


AWAY_SATURDAY_NIGHT = {
    "en": (
        "Our agents are away right now. They will be back at 9:00 AM IST on Monday, "
        "7 December. This conversation stays open, and an agent will reply here then."
    ),
    "ml": (
        "ഞങ്ങളുടെ ഏജന്റുമാർ ഇപ്പോൾ ലഭ്യമല്ല. ഡിസംബർ 7, തിങ്കളാഴ്ച രാവിലെ 9 മണിക്ക് (IST) അവർ "
        "തിരിച്ചെത്തും. ഈ സംഭാഷണം തുറന്നിരിക്കും; അപ്പോൾ ഒരു ഏജന്റ് ഇവിടെ മറുപടി നൽകും."
    ),
    "ml-Latn": (
        "Njangalude agent-maar ippol illa. December 7, Thinkalazhcha raavile 9 manikku (IST) "
        "avar thirichethum. Ee sambhashanam open aayi irikkum; appol oru agent ivide "
        "marupadi tharum."
    ),
}


@pytest.mark.parametrize("language", ["en", "ml", "ml-Latn"])
def test_out_of_hours_the_customer_is_told_when_agents_are_back(
    clock, make_customer, language, captured
):
    clock.now = ist(5, 21, 30, month=12)  # Saturday night
    customer = make_customer("open", language=language)

    response = customer.client().post(customer.url("escalate/"), {})

    assert response.status_code == 200
    assert notice_of(customer) == AWAY_SATURDAY_NIGHT[language]
    notice = next(e for e in captured if e.type == "message.created")
    assert notice.data["message"] == AWAY_SATURDAY_NIGHT[language]


@pytest.mark.parametrize(
    ("at", "hours", "language", "when"),
    [
        (ist(30, 7), "mon-sat 09:00-21:00", "en", "at 9:00 AM IST today"),
        (ist(1, 22, month=12), "mon-sat 09:00-21:00", "en", "at 9:00 AM IST tomorrow"),
        (ist(29, 12), "mon-sat 09:00-21:00", "ml", "നാളെ രാവിലെ 9 മണിക്ക് (IST)"),
        (ist(30, 7), "mon-sat 09:30-21:00", "ml", "ഇന്ന് രാവിലെ 9:30-ന് (IST)"),
        (ist(30, 7), "mon 14:15-18:00", "ml-Latn", "innu uchaykku 2:15-nu (IST)"),
        (ist(30, 19), "tue 16:00-18:00", "ml", "നാളെ വൈകുന്നേരം 4 മണിക്ക് (IST)"),
        (ist(30, 19), "tue 16:00-18:00", "en", "at 4:00 PM IST tomorrow"),
    ],
)
def test_the_opening_is_said_as_today_tomorrow_or_a_date(
    clock, make_customer, settings, at, hours, language, when
):
    settings.BUSINESS_HOURS = hours
    clock.now = at
    customer = make_customer("escalated", language=language)

    assert when in notice_of(customer)


def test_in_hours_the_customer_is_told_an_agent_is_coming(clock, make_customer):
    clock.now = ist(30, 12)

    assert notice_of(make_customer("escalated")) == (
        "You are being connected to a human agent. Please stay here; an agent will reply shortly."
    )


def test_an_assistant_failure_out_of_hours_apologises_then_says_agents_are_away(clock, customer):
    clock.now = ist(29, 12)  # Sunday

    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.do_escalate_conversation(
            actor=ASSISTANT,
            conversation_id=customer.conversation_id,
            source=EscalationSource.AI_FAILURE,
            reason="The assistant could not answer.",
        )

    assert notice_of(customer) == (
        "Sorry, I am having trouble answering right now. Our agents are away right now. They "
        "will be back at 9:00 AM IST tomorrow. This conversation stays open, and an agent "
        "will reply here then."
    )


def test_with_no_opening_in_sight_the_notice_makes_no_promise(clock, make_customer, settings):
    settings.BUSINESS_CLOSED_DATES = "2026-11-29..2027-12-31"
    clock.now = ist(29, 12)

    assert notice_of(make_customer("escalated", language="ml")) == (
        "ഞങ്ങളുടെ ഏജന്റുമാർ ഇപ്പോൾ ലഭ്യമല്ല. ഈ സംഭാഷണം തുറന്നിരിക്കും; ഞങ്ങൾ "
        "തിരിച്ചെത്തിയാലുടൻ ഒരു ഏജന്റ് ഇവിടെ മറുപടി നൽകും."
    )


def test_an_agent_online_out_of_hours_is_not_hidden_from_the_customer(
    clock, make_customer, anu, lifecycle
):
    """A late shift: Saturday 21:30, closed by the hours, but Anu is online. The customer
    is told an agent is coming, and the queue says open with an estimate from the pace."""
    for minute in (0, 10, 20):
        customer = lifecycle.escalate(ist(5, 20, minute, month=12))
        lifecycle.assign(customer, anu, ist(5, 20, minute + 2, month=12))
    set_agent(anu, "online")
    clock.now = ist(5, 21, 30, month=12)

    waiting_customer = make_customer("escalated")

    assert notice_of(waiting_customer) == (
        "You are being connected to a human agent. Please stay here; an agent will reply shortly."
    )
    body = waiting_customer.client().get(waiting_customer.url()).json()
    assert body["queue"] == {
        "position": 1,
        "estimated_wait_seconds": 120,  # 6 busy minutes for 3 taken, from now, not Monday
        "open_now": True,
        "next_opening": None,
    }


def test_an_agent_who_leaves_out_of_hours_promises_no_one_else(clock, make_customer, anu, biju):
    clock.now = ist(5, 21, 30, month=12)  # Saturday night, closed
    set_agent(anu, "online")
    taken = make_customer("assigned", agent=anu)

    with TestCase.captureOnCommitCallbacks(execute=True):
        assignment.do_unassign_conversation(actor=anu.actor, conversation_id=taken.conversation_id)

    last = SupportMessage.objects.filter(conversation_id=taken.conversation_id).last()
    assert last.text == (
        "Anu has left the conversation. Our agents are away right now. They will be back at "
        "9:00 AM IST on Monday, 7 December. This conversation stays open, and an agent will "
        "reply here then."
    )

    # With Biju still online, the customer is told another agent is coming.
    set_agent(biju, "online")
    again = make_customer("assigned", agent=anu, user_id="customer_again")
    with TestCase.captureOnCommitCallbacks(execute=True):
        assignment.do_unassign_conversation(actor=anu.actor, conversation_id=again.conversation_id)

    last = SupportMessage.objects.filter(conversation_id=again.conversation_id).last()
    assert last.text == ("Anu has left the conversation. Another agent will be with you shortly.")
