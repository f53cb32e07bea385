"""
Events as iCalendar (.ics) data, for "Add to calendar" and the subscribable
calendar of upcoming events. Times are Europe/London wall-clock times, so a
10:30am workshop is 10:30am in summer and winter alike.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from .formatting import LONDON

PRODUCT_ID = "-//National Mental Health Workforce Development Collaborative//Website//EN"
STATUSES = {"cancelled": "CANCELLED", "postponed": "TENTATIVE"}


def event_entry(event, request=None, joining_instructions=""):
    entry = CalendarEvent()
    entry.add("uid", f"{event.calendar_uid}@events.collaborative")
    entry.add("sequence", event.calendar_sequence)
    entry.add("dtstamp", timezone.now())
    entry.add("summary", event.title)
    if event.start_time:
        entry.add("dtstart", datetime.combine(event.date, event.start_time, tzinfo=LONDON))
        if event.end_time:
            entry.add("dtend", datetime.combine(event.date, event.end_time, tzinfo=LONDON))
    else:
        # No time known: an all-day entry, never an invented time.
        entry.add("dtstart", event.date)
        entry.add("dtend", event.date + timedelta(days=1))
    entry.add("status", STATUSES.get(event.status, "CONFIRMED"))
    entry.add("location", event_location(event))
    url = event.full_url_for(request)
    if url:
        entry.add("url", url)
    # Joining instructions go only into the copy e-mailed to a confirmed
    # booker, never into the public calendar files.
    description = "\n\n".join(part for part in (event.summary, joining_instructions, url) if part)
    entry.add("description", description)
    return entry


def event_location(event):
    if event.is_online:
        return "Online"
    if event.venue is None:
        return ""
    address = event.venue.full_address
    return f"{address}, and online" if event.attendance_mode == "hybrid" else address


def build_calendar(events, request=None, name=None, joining_instructions=""):
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(event_entry(event, request, joining_instructions))
    calendar.add_missing_timezones()
    return calendar


def calendar_response(events, request, filename=None):
    name = None if filename else f"{settings.WAGTAIL_SITE_NAME}: upcoming events"
    response = HttpResponse(
        build_calendar(events, request, name).to_ical(), content_type="text/calendar; charset=utf-8"
    )
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
