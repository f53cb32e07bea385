"""
Events as iCalendar (.ics) data, for "Add to calendar", the subscribable
calendar of upcoming events and the invitation e-mailed to people with a
place. Times are Europe/London wall-clock times, so a 10:30am workshop is
10:30am in summer and winter alike.

What an entry holds depends on what is known of the event's time:

- a start and an end time: an entry from the one to the other;
- a start time and no end time: an all-day entry on its date, its
  description opening "Starts at 10:30am; the finish time has not been
  announced.". Calendars read a start with no end as an entry that ends the
  moment it starts, and any default length would invent a finish time;
  the day, at least, is true;
- no time: an all-day entry, never an invented time.

An event with no known place (held in person, its venue not on record) has
no LOCATION rather than an empty one.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar, Timezone
from icalendar import Event as CalendarEvent

from .formatting import LONDON, format_time

METHOD = "PUBLISH"
STATUSES = {"cancelled": "CANCELLED", "postponed": "TENTATIVE"}

# London's time zone as calendar apps expect it: the rule the UK has kept
# since 1996 (clocks go forward at 1am GMT on the last Sunday in March and
# back at 2am BST on the last Sunday in October), with no end. icalendar's
# add_missing_timezones() writes the changes out as a list of dates that
# stops in 2038, and which vobject reads with winter times an hour early.
LONDON_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/London
BEGIN:DAYLIGHT
TZNAME:BST
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
DTSTART:19700329T010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:GMT
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
DTSTART:19701025T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def event_entry(event, request=None, joining_instructions="", location=None, revision=0):
    """
    The event's calendar entry. An invitation e-mailed to one booker gives
    the location of their kind of place (`location`: "" for none), and adds
    their invitation's own revision to the event's SEQUENCE, so that their
    calendar takes a new invitation (after they change how they attend) as
    the newer.
    """
    entry = CalendarEvent()
    entry.add("uid", f"{event.calendar_uid}@events.collaborative")
    entry.add("sequence", event.calendar_sequence + revision)
    entry.add("dtstamp", timezone.now())
    entry.add("summary", event.title)
    start_note = ""
    if event.start_time and event.end_time:
        entry.add("dtstart", datetime.combine(event.date, event.start_time, tzinfo=LONDON))
        entry.add("dtend", datetime.combine(event.date, event.end_time, tzinfo=LONDON))
    else:
        entry.add("dtstart", event.date)
        entry.add("dtend", event.date + timedelta(days=1))
        if event.start_time:
            start_note = f"Starts at {format_time(event.start_time)}; the finish time has not been announced."
    entry.add("status", STATUSES.get(event.status, "CONFIRMED"))
    if location is None:
        location = event_location(event)
    if location:
        entry.add("location", location)
    url = event.get_full_url(request)
    if url:
        entry.add("url", url)
    # Joining instructions go only into the copy e-mailed to a confirmed
    # booker, never into the public calendar files.
    description = "\n\n".join(part for part in (start_note, event.summary, joining_instructions, url) if part)
    entry.add("description", description)
    return entry


def is_timed(entry):
    return isinstance(entry.decoded("dtstart"), datetime)


def event_location(event):
    if event.is_online:
        return "Online"
    if event.venue is None:
        return ""
    address = event.venue.full_address
    return f"{address}, and online" if event.attendance_mode == "hybrid" else address


def build_calendar(events, request=None, name=None, joining_instructions="", location=None, revision=0):
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.WAGTAIL_SITE_NAME}//Website//EN")
    calendar.add("version", "2.0")
    calendar.add("method", METHOD)
    if name:
        calendar.add("x-wr-calname", name)
    entries = [event_entry(event, request, joining_instructions, location, revision) for event in events]
    # Before the entries that name it, as some calendar apps need.
    if any(is_timed(entry) for entry in entries):
        calendar.add_component(Timezone.from_ical(LONDON_VTIMEZONE))
    for entry in entries:
        calendar.add_component(entry)
    return calendar


def calendar_response(events, request, filename=None):
    name = None if filename else f"{settings.WAGTAIL_SITE_NAME}: upcoming events"
    response = HttpResponse(
        build_calendar(events, request, name).to_ical(), content_type="text/calendar; charset=utf-8"
    )
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
