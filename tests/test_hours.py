"""Business hours: the settings' syntax, refused mistakes, and open/closed at the edges (time
zone, day boundaries, midnight, holidays)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from support.conversations import hours

IST = ZoneInfo("Asia/Kolkata")


def ist(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    """A wall-clock time in Kolkata in 2026 (30 November 2026 is a Monday)."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=IST)


@pytest.fixture
def business(settings):
    def configure(hours_text: str, closed: str = "", zone: str = "Asia/Kolkata") -> None:
        settings.BUSINESS_TIMEZONE = zone
        settings.BUSINESS_HOURS = hours_text
        settings.BUSINESS_CLOSED_DATES = closed

    configure("mon-sat 09:00-21:00")
    return configure


# ---- the syntax ------------------------------------------------------------------------


def test_days_and_times_make_a_week():
    schedule = hours.parse("Asia/Kolkata", "mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00", "")

    assert schedule.week == (
        ((540, 780), (840, 1080)),
        ((540, 780), (840, 1080)),
        ((540, 780), (840, 1080)),
        ((540, 780), (840, 1080)),
        ((540, 780), (840, 1080)),
        ((600, 840),),
        (),
    )
    assert schedule.timezone == IST
    assert schedule.closed_dates == frozenset()


def test_lists_wrapping_ranges_closed_days_spaces_and_capitals_are_understood():
    schedule = hours.parse(
        "Asia/Kolkata", " Fri - Mon 10:00 - 24:00 ; wed,THU 09:30-17:00; tue closed ", ""
    )

    assert schedule.week == (
        ((600, 1440),),
        (),
        ((570, 1020),),
        ((570, 1020),),
        ((600, 1440),),
        ((600, 1440),),
        ((600, 1440),),
    )


@pytest.mark.parametrize("text", ["always", "24/7", " Always "])
def test_always_is_open_all_the_time(text):
    assert hours.parse("Asia/Kolkata", text, "").week == ((((0, 1440),),) * 7)


def test_closed_dates_are_dates_and_inclusive_ranges():
    schedule = hours.parse("Asia/Kolkata", "always", "2026-01-26, 2026-12-24..2026-12-26,")

    assert sorted(d.isoformat() for d in schedule.closed_dates) == [
        "2026-01-26",
        "2026-12-24",
        "2026-12-25",
        "2026-12-26",
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "BUSINESS_HOURS: it is empty ('always' is open all the time)."),
        ("mon-sat", "BUSINESS_HOURS: 'mon-sat' is not days then times."),
        ("mon-sat 9:00-21:00", "'9:00-21:00' in 'mon-sat 9:00-21:00' is not a time range"),
        ("monday 09:00-21:00", "'monday' in 'monday 09:00-21:00' is not a day"),
        ("mon-xyz 09:00-21:00", "'mon-xyz' in 'mon-xyz 09:00-21:00' is not a day"),
        ("mon 09:00-25:00", "'09:00-25:00' in 'mon 09:00-25:00' is not a time range"),
        ("mon 09:60-10:00", "'09:60-10:00' in 'mon 09:60-10:00' is not a time range"),
        ("mon 24:30-24:45", "'24:30-24:45' in 'mon 24:30-24:45' is not a time range"),
        ("mon 09:00", "'09:00' in 'mon 09:00' is not a time range"),
        ("fri 22:00-02:00", "'22:00-02:00' in 'fri 22:00-02:00' ends before it starts"),
        ("mon 10:00-10:00", "ends before it starts"),
        ("mon 09:00-13:00,12:00-18:00", "times overlap in 'mon 09:00-13:00,12:00-18:00'"),
        (
            "mon-sat 09:00-21:00; sat 10:00-14:00",
            "sat is given twice ('mon-sat 09:00-21:00' and 'sat 10:00-14:00'); give each day once",
        ),
        ("mon,mon 09:00-10:00", "a day is given twice in 'mon,mon 09:00-10:00'"),
        ("mon 09:00-21:00;", "an empty rule in 'mon 09:00-21:00;'"),
        ("mon closed; sun closed", "'mon closed; sun closed' is never open"),
        ("mon 09:00-12:00 14:00-18:00", "is not days then times"),
    ],
)
def test_mistakes_in_the_hours_are_refused_saying_what_is_wrong(text, says):
    with pytest.raises(ImproperlyConfigured) as refused:
        hours.parse("Asia/Kolkata", text, "")

    message = str(refused.value)
    assert message.startswith("BUSINESS_HOURS: ")
    assert says in message
    assert message.endswith(
        "Write days and times, e.g. 'mon-sat 09:00-21:00' or "
        "'mon-fri 09:00-18:00; sat 10:00-14:00'."
    )


@pytest.mark.parametrize(
    ("zone", "closed", "says"),
    [
        (
            "India/Kerala",
            "",
            "BUSINESS_TIMEZONE: 'India/Kerala' is not a time zone; use an IANA name such as "
            "'Asia/Kolkata'.",
        ),
        (
            "Asia/Kolkata",
            "2026-02-30",
            "BUSINESS_CLOSED_DATES: '2026-02-30' is not a date YYYY-MM-DD or a range "
            "YYYY-MM-DD..YYYY-MM-DD; separate them with commas.",
        ),
        (
            "Asia/Kolkata",
            "26/01/2026",
            "BUSINESS_CLOSED_DATES: '26/01/2026' is not a date YYYY-MM-DD",
        ),
        (
            "Asia/Kolkata",
            "2026-12-26..2026-12-24",
            "BUSINESS_CLOSED_DATES: '2026-12-26..2026-12-24' ends before it starts.",
        ),
    ],
)
def test_a_wrong_time_zone_or_date_is_refused(zone, closed, says):
    with pytest.raises(ImproperlyConfigured) as refused:
        hours.parse(zone, "mon-sat 09:00-21:00", closed)

    assert str(refused.value).startswith(says)


def test_start_up_stops_on_a_mistake_in_the_settings(business):
    business("mon-sat 09:00-21:00; sat closed")

    with pytest.raises(ImproperlyConfigured, match="sat is given twice"):
        apps.get_app_config("support").ready()

    business("mon-sat 09:00-21:00")
    apps.get_app_config("support").ready()  # fine again


# ---- open or closed --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (ist(30, 8, 59, 59), False),  # Monday, a second before opening
        (ist(30, 9), True),  # opening is open
        (ist(30, 20, 59, 59), True),
        (ist(30, 21), False),  # closing is closed
        (ist(29, 12), False),  # Sunday
        (ist(28, 12), True),  # Saturday
        (datetime(2026, 11, 30, 3, 30, tzinfo=UTC), True),  # 09:00 in Kolkata
        (datetime(2026, 11, 30, 3, 29, 59, tzinfo=UTC), False),
        (datetime(2026, 11, 29, 23, 0, tzinfo=UTC), False),  # Sunday in UTC, 04:30 Mon here
    ],
)
def test_it_is_open_from_the_opening_until_just_before_the_closing(business, at, open_):
    assert hours.is_open(at) is open_


def test_the_next_opening_skips_the_night_the_weekend_and_holidays(business):
    assert hours.next_opening(ist(30, 6)) == ist(30, 9)  # Monday morning: today
    assert hours.next_opening(ist(30, 12)) == ist(1, 9, month=12)  # open now: tomorrow's
    assert hours.next_opening(ist(28, 21)) == ist(30, 9)  # Saturday's closing: Monday
    assert hours.next_opening(ist(29, 23, 59)) == ist(30, 9)

    business("mon-sat 09:00-21:00", closed="2026-11-30..2026-12-01")

    assert hours.is_open(ist(30, 12)) is False
    assert hours.next_opening(ist(28, 21)) == ist(2, 9, month=12)  # Wednesday


def test_hours_that_run_into_each_other_are_one_period(business):
    business("fri 18:00-24:00; sat 00:00-02:00,10:00-12:00")

    friday_evening = datetime(2026, 11, 27, 19, tzinfo=IST)
    assert hours.is_open(datetime(2026, 11, 28, 1, tzinfo=IST)) is True
    # Nothing opens at midnight: the next opening after Friday evening is Saturday at ten.
    assert hours.next_opening(friday_evening) == datetime(2026, 11, 28, 10, tzinfo=IST)
    # Friday 19:00-24:00, Saturday 00:00-02:00 and 10:00-11:00.
    assert hours.open_seconds(friday_evening, datetime(2026, 11, 28, 11, tzinfo=IST)) == (8 * 3600)


def test_always_open_has_no_next_opening(business):
    business("always")

    assert hours.is_open(ist(29, 3)) is True
    assert hours.next_opening(ist(29, 3)) is None


def test_no_opening_within_a_year_is_none(business):
    business("mon-sat 09:00-21:00", closed="2026-11-29..2027-12-31")

    assert hours.next_opening(ist(30, 12)) is None
    assert hours.after_open_seconds(ist(30, 12), 60) is None


def test_business_seconds_between_two_instants(business):
    # Saturday 20:00 to Monday 10:00: one hour on Saturday, one on Monday.
    assert hours.open_seconds(ist(28, 20), ist(30, 10)) == 7200
    assert hours.open_seconds(ist(30, 10), ist(30, 10)) == 0
    assert hours.open_seconds(ist(30, 11), ist(30, 10)) == 0


def test_business_seconds_from_an_instant(business):
    # In hours: plain addition.
    assert hours.after_open_seconds(ist(30, 10), 600) == ist(30, 10, 10)
    # Past the closing: the rest after the next opening.
    assert hours.after_open_seconds(ist(30, 20, 55), 320) == ist(1, 9, 0, 20, month=12)
    # Closed: counted from the next opening (Saturday night to Monday).
    assert hours.after_open_seconds(ist(28, 21, 30), 0) == ist(30, 9)


def test_times_are_wall_clock_times_of_the_business_time_zone(business):
    # New York moves its clocks forward on Sunday 8 March 2026: that day has 23 hours.
    business("sun 00:00-24:00", zone="America/New_York")
    new_york = ZoneInfo("America/New_York")
    day_start = datetime(2026, 3, 8, tzinfo=new_york)

    assert hours.open_seconds(day_start, datetime(2026, 3, 9, tzinfo=new_york)) == 23 * 3600
    assert hours.is_open(datetime(2026, 3, 8, 5, tzinfo=UTC)) is True  # 00:00 EST
    assert hours.is_open(datetime(2026, 3, 9, 4, tzinfo=UTC)) is False  # 00:00 EDT, Monday
