"""Business hours: when agents are there to answer.

Three settings (.env.example), parsed strictly when the service starts
(``ConversationsConfig.ready`` calls ``schedule()``; a mistake stops start-up with a sentence
that says what is wrong):

- ``BUSINESS_TIMEZONE``: an IANA zone, ``Asia/Kolkata`` by default. Hours and closed dates are
  wall-clock times and dates there.
- ``BUSINESS_HOURS``: rules separated by ``;``, each days then times:
  ``mon-sat 09:00-21:00``, ``mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00; sun closed``.
  Days are ``mon`` … ``sun``, lists (``mon,wed,fri``) and ranges (``fri-mon`` wraps). Times are
  ``HH:MM-HH:MM`` with the end after the start (``24:00`` is the end of the day); a period
  past midnight is two rules (``fri 18:00-24:00; sat 00:00-02:00``). A day given twice, or
  overlapping times, is a mistake. Days not named are closed. ``always`` is open all the time.
- ``BUSINESS_CLOSED_DATES``: holidays, comma-separated ``YYYY-MM-DD`` dates or inclusive
  ranges ``YYYY-MM-DD..YYYY-MM-DD``; closed all day whatever the weekday says.

Times that run into each other (``sat 09:00-24:00; sun 00:00-12:00``) are one open period:
nothing opens at midnight there.
"""

import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# How far ahead an opening is looked for: a year of holidays, and a week to spare.
HORIZON_DAYS = 366 + 7
ALWAYS = frozenset({"always", "24/7"})
EXAMPLES = "e.g. 'mon-sat 09:00-21:00' or 'mon-fri 09:00-18:00; sat 10:00-14:00'"

_TIME = re.compile(r"^(\d{2}):(\d{2})$")

Range = tuple[int, int]  # minutes after midnight: [start, end)
Period = tuple[datetime, datetime]  # an open period in UTC: [start, end)


@dataclass(frozen=True)
class Schedule:
    timezone: ZoneInfo
    week: tuple[tuple[Range, ...], ...]  # per weekday, Monday first
    closed_dates: frozenset[date]

    def periods(self, since: datetime, *, merged: bool = False) -> Iterator[Period]:
        """The open periods that end after ``since``, in order, in UTC, one per range of a
        day; ``merged``: periods that run into each other (across midnight) as one, which
        looks ahead to the next gap (as far as the horizon when always open)."""
        first_day = since.astimezone(self.timezone).date() - timedelta(days=1)
        days = (first_day + timedelta(days=offset) for offset in range(HORIZON_DAYS))
        periods = (period for day in days for period in self._day(day))
        return (p for p in (_merge(periods) if merged else periods) if p[1] > since)

    def _day(self, day: date) -> Iterator[Period]:
        if day in self.closed_dates:
            return
        for start, end in self.week[day.weekday()]:
            yield self._instant(day, start), self._instant(day, end)

    def _instant(self, day: date, minutes: int) -> datetime:
        day += timedelta(days=minutes // MINUTES_PER_DAY)
        minutes %= MINUTES_PER_DAY
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.timezone)
        return local.astimezone(UTC)


def _merge(periods: Iterator[Period]) -> Iterator[Period]:
    current: Period | None = None
    for start, end in periods:
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            yield current
        current = (start, end)
    if current is not None:
        yield current


def schedule() -> Schedule:
    """The configured schedule (parsed once per distinct setting)."""
    return parse(
        str(settings.BUSINESS_TIMEZONE),
        str(settings.BUSINESS_HOURS),
        str(settings.BUSINESS_CLOSED_DATES),
    )


def is_open(at: datetime) -> bool:
    """Whether agents are at work at ``at``."""
    for start, _end in schedule().periods(at):
        return start <= at
    return False


def next_opening(at: datetime) -> datetime | None:
    """When the business next opens after ``at`` (the start of the first open period that
    begins later than ``at``; while open, that is the opening after this period). None when
    nothing opens within a year."""
    for start, _end in schedule().periods(at, merged=True):
        if start > at:
            return start
    return None


def open_seconds(start: datetime, end: datetime) -> float:
    """The seconds between ``start`` and ``end`` that fall in business hours."""
    total = 0.0
    if end <= start:
        return total
    for period_start, period_end in schedule().periods(start):
        if period_start >= end:
            break
        total += (min(period_end, end) - max(period_start, start)).total_seconds()
    return total


def after_open_seconds(start: datetime, seconds: float) -> datetime | None:
    """The instant when ``seconds`` of business hours have passed since ``start`` (counting
    from the next opening when closed at ``start``). None when the hours of the next year
    are not enough."""
    for period_start, period_end in schedule().periods(start):
        begin = max(period_start, start)
        available = (period_end - begin).total_seconds()
        if seconds <= available:
            return begin + timedelta(seconds=seconds)
        seconds -= available
    return None


# Parsing.


@functools.lru_cache(maxsize=8)
def parse(timezone_name: str, hours: str, closed_dates: str) -> Schedule:
    """The schedule these settings describe; ImproperlyConfigured says what is wrong."""
    try:
        zone = ZoneInfo(timezone_name.strip())
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ImproperlyConfigured(
            f"BUSINESS_TIMEZONE: {timezone_name!r} is not a time zone; use an IANA name such "
            "as 'Asia/Kolkata'."
        ) from error
    return Schedule(timezone=zone, week=_parse_week(hours), closed_dates=_parse_dates(closed_dates))


def _hours_error(problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"BUSINESS_HOURS: {problem}. Write days and times, {EXAMPLES}.")


def _parse_week(text: str) -> tuple[tuple[Range, ...], ...]:
    if text.strip().lower() in ALWAYS:
        return tuple(((0, MINUTES_PER_DAY),) for _ in DAYS)
    rules = [rule.strip() for rule in text.split(";")]
    if not any(rules):
        raise _hours_error("it is empty ('always' is open all the time)")
    week: dict[int, tuple[Range, ...]] = {}
    given_in: dict[int, str] = {}
    for rule in rules:
        if not rule:
            raise _hours_error(f"an empty rule in {text!r}")
        # "mon - fri 09:00 - 21:00, 22:00-23:00" reads as "mon-fri 09:00-21:00,22:00-23:00".
        tokens = re.sub(r"\s*([-,])\s*", r"\1", rule).split()
        if len(tokens) != 2:
            raise _hours_error(f"{rule!r} is not days then times")
        days, times = tokens
        ranges = () if times.lower() == "closed" else _parse_ranges(times, rule)
        for day in _parse_days(days, rule):
            if day in given_in:
                raise _hours_error(
                    f"{DAYS[day]} is given twice ({given_in[day]!r} and {rule!r}); "
                    "give each day once"
                )
            given_in[day] = rule
            week[day] = ranges
    if not any(week.values()):
        raise _hours_error(f"{text!r} is never open")
    return tuple(week.get(day, ()) for day in range(len(DAYS)))


def _parse_days(text: str, rule: str) -> list[int]:
    days: list[int] = []
    for part in text.lower().split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise _hours_error(
                f"{part!r} in {rule!r} is not a day or a range of days (mon, tue, wed, thu, "
                "fri, sat, sun; e.g. mon-fri)"
            )
        start = DAYS.index(first)
        count = (DAYS.index(last) - start) % len(DAYS) + 1 if last else 1
        days.extend((start + n) % len(DAYS) for n in range(count))
    if len(set(days)) != len(days):
        raise _hours_error(f"a day is given twice in {rule!r}")
    return days


def _parse_ranges(text: str, rule: str) -> tuple[Range, ...]:
    ranges: list[Range] = []
    for part in text.split(","):
        start_text, separator, end_text = part.partition("-")
        start, end = _minutes(start_text), _minutes(end_text)
        if not separator or start is None or end is None:
            raise _hours_error(
                f"{part!r} in {rule!r} is not a time range HH:MM-HH:MM (or 'closed')"
            )
        if end <= start:
            raise _hours_error(
                f"{part!r} in {rule!r} ends before it starts; a period past midnight is two "
                "rules, e.g. 'fri 18:00-24:00; sat 00:00-02:00'"
            )
        ranges.append((start, end))
    ranges.sort()
    for (_, end), (start, _) in itertools.pairwise(ranges):
        if start < end:
            raise _hours_error(f"times overlap in {rule!r}")
    return tuple(ranges)


def _minutes(text: str) -> int | None:
    match = _TIME.match(text)
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def _parse_dates(text: str) -> frozenset[date]:
    dates: set[date] = set()
    for part in (part.strip() for part in text.split(",")):
        if not part:
            continue
        first_text, _, last_text = part.partition("..")
        try:
            first = date.fromisoformat(first_text.strip())
            last = date.fromisoformat(last_text.strip()) if last_text else first
        except ValueError as error:
            raise ImproperlyConfigured(
                f"BUSINESS_CLOSED_DATES: {part!r} is not a date YYYY-MM-DD or a range "
                "YYYY-MM-DD..YYYY-MM-DD; separate them with commas."
            ) from error
        if last < first:
            raise ImproperlyConfigured(f"BUSINESS_CLOSED_DATES: {part!r} ends before it starts.")
        dates.update(first + timedelta(days=n) for n in range((last - first).days + 1))
    return frozenset(dates)
