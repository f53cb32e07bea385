"""
How an event's date and time read, in one place, so that the page, the
listings, e-mails and calendar entries all say the same thing:

    Thursday 2 July 2020, 10:30am to 12:30pm
    Thursday 16 November 2017            (no time given: none is invented)
    February 2018                        (only the month is known)

and, the other way, the times editors type as people write them ("3:30pm",
"3pm", "15.30", "noon": parse_time), and the text people type, cleaned of
the invisible control characters that spreadsheets and XML refuse.
"""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone

LONDON = ZoneInfo("Europe/London")


def format_time(value: time) -> str:
    """10am, 10:30am, midday, 12:30pm: the NHS.UK style for times."""
    if value.hour == 12 and value.minute == 0:
        return "midday"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    if value.minute == 0:
        return f"{hour}{suffix}"
    return f"{hour}:{value.minute:02d}{suffix}"


NOT_A_TIME = "Enter a time such as 10:30am or 14:00."
_TIME_WORDS = {"noon": time(12), "midday": time(12), "12 noon": time(12), "12 midday": time(12), "midnight": time(0)}
# "3:30pm", "3.30 p.m.", "3pm", "15:30", "15.30", "10", "14:00:00".
_TYPED_TIME = re.compile(
    r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?)?\s*(?:(?P<half>[ap])\.?\s*m\.?)?"
)
# Hours before these are taken for the afternoon's when typed without am or
# pm ("3:30"): asked about rather than read as the middle of the night.
_FIRST_HOUR_WITHOUT_AM_OR_PM = 7


class AmbiguousTime(ValueError):
    """A time typed without am or pm at an hour that could be either ("3:30")."""


def parse_time(text: str) -> time:
    """
    The time an editor means by what they typed: "3:30pm", "3.30pm", "3pm",
    "15:30", "15.30", "10:30 am", "noon", "12am" (midnight). Without am or
    pm it is the 24-hour clock, except that "1" to "6:59" with no leading
    zero are asked about (AmbiguousTime): nobody means a workshop at 3:30 in
    the night. Raises ValueError, with words to show the editor, for
    anything else.
    """
    typed = " ".join(text.split()).lower()
    if typed in _TIME_WORDS:
        return _TIME_WORDS[typed]
    match = _TYPED_TIME.fullmatch(typed)
    if not match:
        raise ValueError(NOT_A_TIME)
    hour, minute, second = (int(match[part] or 0) for part in ("hour", "minute", "second"))
    if minute > 59 or second > 59:
        raise ValueError(NOT_A_TIME)
    if match["half"]:
        if not 1 <= hour <= 12:
            # "15:30pm" says one thing twice; "15:30am" says two.
            if match["half"] == "p" and 12 < hour < 24:
                return time(hour, minute, second)
            raise ValueError(NOT_A_TIME)
        return time(hour % 12 + (12 if match["half"] == "p" else 0), minute, second)
    if hour > 23:
        raise ValueError(NOT_A_TIME)
    if 1 <= hour < _FIRST_HOUR_WITHOUT_AM_OR_PM and not match["hour"].startswith("0"):
        written = format_time(time(hour, minute)).removesuffix("am")
        raise AmbiguousTime(f"Enter {written}am or {written}pm: is it in the morning or the afternoon?")
    return time(hour, minute, second)


def format_date(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def format_short_date(day: date, month_only: bool = False) -> str:
    """12 March 2026, or March 2026 when only the month is known: short enough to follow a title."""
    return f"{day:%B %Y}" if month_only else f"{day.day} {day:%B %Y}"


def format_event_datetime(
    day: date, start: time | None = None, end: time | None = None, month_only: bool = False
) -> str:
    if month_only:
        return f"{day:%B %Y}"
    text = format_date(day)
    if start and end:
        return f"{text}, {format_time(start)} to {format_time(end)}"
    if start:
        return f"{text}, {format_time(start)}"
    return text


def format_moment(value: datetime) -> str:
    """A moment such as a booking deadline, in London time: "Monday 1 June 2026 at 9am"."""
    local = timezone.localtime(value, LONDON)
    return f"{format_date(local.date())} at {format_time(local.time())}"


# Control characters (C0, DEL, C1), UTF-16 surrogates and the two
# non-characters XML forbids. Tab, line feed and carriage return are kept
# apart: they belong in a multi-line answer.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
CONTROL_CHARACTERS = re.compile(f"[{_CONTROL}]")
CONTROL_CHARACTERS_AND_LINE_BREAKS = re.compile(f"[{_CONTROL}\t\n\r]")


def without_control_characters(text: str, keep_line_breaks: bool = True) -> str:
    """
    The text without invisible control characters: pasted from another
    document they mean nothing to a reader, and one of them is enough to make
    an Excel export unreadable (openpyxl refuses it, and XML cannot hold it).
    """
    pattern = CONTROL_CHARACTERS if keep_line_breaks else CONTROL_CHARACTERS_AND_LINE_BREAKS
    return pattern.sub("", text)
