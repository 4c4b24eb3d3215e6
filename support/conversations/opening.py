"""When agents are back, said in the customer's language: "at 9:00 AM IST tomorrow",
"നാളെ രാവിലെ 9 മണിക്ക് (IST)", "naale raavile 9 manikku (IST)".

The time is the business time zone's wall clock with its abbreviation (IST for
Asia/Kolkata), and the day is "today", "tomorrow" or the weekday and date there.
"""

from datetime import datetime

from . import hours
from .states import Language

_WEEKDAYS = {
    Language.ENGLISH: (
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ),
    Language.MALAYALAM: (
        "തിങ്കളാഴ്ച",
        "ചൊവ്വാഴ്ച",
        "ബുധനാഴ്ച",
        "വ്യാഴാഴ്ച",
        "വെള്ളിയാഴ്ച",
        "ശനിയാഴ്ച",
        "ഞായറാഴ്ച",
    ),
    Language.MANGLISH: (
        "Thinkalazhcha",
        "Chovvazhcha",
        "Budhanazhcha",
        "Vyazhazhcha",
        "Velliyazhcha",
        "Shaniyazhcha",
        "Njayarazhcha",
    ),
}
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTHS_ML = (
    "ജനുവരി",
    "ഫെബ്രുവരി",
    "മാർച്ച്",
    "ഏപ്രിൽ",
    "മേയ്",
    "ജൂൺ",
    "ജൂലൈ",
    "ഓഗസ്റ്റ്",
    "സെപ്റ്റംബർ",
    "ഒക്ടോബർ",
    "നവംബർ",
    "ഡിസംബർ",
)
_TODAY = {Language.ENGLISH: "today", Language.MALAYALAM: "ഇന്ന്", Language.MANGLISH: "innu"}
_TOMORROW = {Language.ENGLISH: "tomorrow", Language.MALAYALAM: "നാളെ", Language.MANGLISH: "naale"}
# Malayalam names the part of the day before a 12-hour time: morning, noon, evening, night.
_PARTS_OF_DAY = {
    Language.MALAYALAM: ("രാവിലെ", "ഉച്ചയ്ക്ക്", "വൈകുന്നേരം", "രാത്രി"),
    Language.MANGLISH: ("raavile", "uchaykku", "vaikunneram", "raathri"),
}


def when_back(opening: datetime, *, now: datetime, language: str) -> str:
    """``opening`` as the end of "agents are back …" in ``language``, seen from ``now``."""
    zone = hours.schedule().timezone
    local = opening.astimezone(zone)
    days_ahead = (local.date() - now.astimezone(zone).date()).days
    zone_name = local.tzname() or str(zone)
    hour12 = local.hour % 12 or 12
    if language not in _PARTS_OF_DAY:
        clock = f"{hour12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'} {zone_name}"
        if days_ahead in (0, 1):
            return f"at {clock} {(_TODAY if days_ahead == 0 else _TOMORROW)[Language.ENGLISH]}"
        weekday = _WEEKDAYS[Language.ENGLISH][local.weekday()]
        return f"at {clock} on {weekday}, {local.day} {_MONTHS_EN[local.month - 1]}"
    malayalam = language == Language.MALAYALAM
    part = _PARTS_OF_DAY[Language(language)][_part_of_day(local.hour)]
    if local.minute:
        clock = f"{hour12}:{local.minute:02d}-{'ന്' if malayalam else 'nu'}"
    else:
        clock = f"{hour12} {'മണിക്ക്' if malayalam else 'manikku'}"
    if days_ahead in (0, 1):
        day = (_TODAY if days_ahead == 0 else _TOMORROW)[Language(language)]
    else:
        month = (_MONTHS_ML if malayalam else _MONTHS_EN)[local.month - 1]
        day = f"{month} {local.day}, {_WEEKDAYS[Language(language)][local.weekday()]}"
    return f"{day} {part} {clock} ({zone_name})"


def _part_of_day(hour: int) -> int:
    if 4 <= hour < 12:
        return 0
    if 12 <= hour < 15:
        return 1
    if 15 <= hour < 19:
        return 2
    return 3
