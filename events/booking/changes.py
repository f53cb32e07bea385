"""
Telling the people booked when a workshop changes.

Publishing a workshop whose date, time, place, way of attending, joining
instructions or status differ from what its bookers were last told e-mails
everyone booked or waiting whom the change concerns (a new venue, those
with a place in the room; new joining instructions, those online), at once, with the new details and (for a place)
an updated calendar invitation. events/signal_handlers.py calls this on
every publication: by an editor, a moderator's approval or a schedule.

Why at once, rather than asking the publisher and leaving a notice until
someone sends it: publishing is already the deliberate, reviewed step (a
moderator approves an editor's change), the people booked must hear of a
cancellation or a new date whoever published it, and a notice waiting for
"someone" was the very dead end the Booking administrators met. What the
editor writes in the workshop's "status message" is the e-mail's own words;
"Tell bookers about a change" remains for saying something more.
"""

from datetime import date, time

from django.db import transaction
from django.utils import timezone
from wagtail.admin import messages
from wagtail.log_actions import log
from wagtail.models import PageLogEntry

from ..formatting import format_event_datetime
from ..models import BookersTold, BookingEmailKind, EventPage, EventStatus, Venue
from ..models.choices import AttendanceMode, PlaceKind
from .emails import queue_email

# What the people booked are told of, as EventPage's fields. The data
# migration that first recorded them (events 0016) names the same fields.
TOLD_OF = ("date", "start_time", "end_time", "attendance_mode", "venue_id", "status", "joining_instructions")

NOTIFY_ACTION = "events.notify_bookers"


def arrangements(event):
    """
    The event's arrangements as its bookers are told them, in a form JSON
    keeps: only what their e-mails show (no venue for an event held online,
    no joining instructions for one held only in person), and text as it
    reads, whatever line endings the editor's browser sent.
    """
    values = {name: getattr(event, name) for name in TOLD_OF}
    if event.attendance_mode == AttendanceMode.ONLINE:
        values["venue_id"] = None
    if event.attendance_mode == AttendanceMode.IN_PERSON:
        values["joining_instructions"] = ""
    values["joining_instructions"] = "\n".join(values["joining_instructions"].splitlines()).strip()
    return {name: _as_json(value) for name, value in values.items()}


def _as_json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def tell_bookers_of_published_changes(event, revision=None):
    """
    Compare the published event with what its bookers were last told and,
    if anything they rely on has changed, e-mail everyone booked or waiting
    and record it in the workshop's history. Returns how many were told.

    Nobody is told of the first publication (nobody has booked from it), of
    a change to an event that has started (the record being tidied), of one
    scheduled to go live later (Wagtail signals a publication when it is
    scheduled; they are told when it goes live), or twice of one change:
    the record is locked while the event, read again under the lock, is
    compared with it, so of two publications at once the later is told,
    once.
    """
    if not event.live:
        return 0
    with transaction.atomic():
        told, first = BookersTold.objects.select_for_update().get_or_create(event_id=event.pk)
        event = EventPage.objects.select_related("venue").get(pk=event.pk)
        published = arrangements(event)
        if first or not told.arrangements:
            told.arrangements = published
            told.save()
            return 0
        if told.arrangements == published:
            return 0
        changed = [name for name in TOLD_OF if told.arrangements.get(name) != published[name]]
        bookings = [] if event.has_started() else list(event.bookings.active().filter(erased_at=None))
        bookings = [booking for booking in bookings if concerns(booking, changed)]
        summary = what_changed(told.arrangements, event, changed)
        told.arrangements = published
        if bookings:
            told.told_at = timezone.now()
        told.save()
        if not bookings:
            return 0
        for booking in bookings:
            queue_email(booking, BookingEmailKind.UPDATE, message=summary)
        log(
            instance=event,
            action=NOTIFY_ACTION,
            revision=revision,
            data={"recipients": len(bookings), "changed": changed, "on_publishing": True},
        )
    return len(bookings)


# What only one kind of place relies on: the venue (the room) and the
# joining instructions (online). Anything else (the day, the time, the way
# of attending, the status) concerns everyone.
ONLY_FOR = {"venue_id": PlaceKind.IN_PERSON, "joining_instructions": PlaceKind.ONLINE}


def concerns(booking, changed):
    """Whether any of the changes is one this booker relies on, for their kind of place."""
    return any(ONLY_FOR.get(name, booking.attends) == booking.attends for name in changed)


def what_changed(told, event, changed):
    """
    A sentence or two on what is new, with what it was, for the e-mail:
    the e-mail's details give the rest as it is now. A new status speaks
    for itself in the e-mail's first line.
    """
    sentences = []
    if "date" in changed or "start_time" in changed or "end_time" in changed:
        was = format_event_datetime(
            _date(told["date"]), _time(told["start_time"]), _time(told["end_time"]), event.date_shows_month_only
        )
        what = "date" if "date" in changed else "time"
        sentences.append(f"The {what} has changed: it was {was}.")
    if "venue_id" in changed and event.venue_id and told.get("venue_id"):
        old_venue = Venue.objects.filter(pk=told["venue_id"]).values_list("name", flat=True).first()
        sentences.append(f"The venue has changed{f': it was {old_venue}' if old_venue else ''}.")
    if "attendance_mode" in changed:
        sentences.append(f"How to attend has changed: it is now {AttendanceMode(event.attendance_mode).label.lower()}.")
    if "joining_instructions" in changed and event.attendance_mode != AttendanceMode.IN_PERSON:
        sentences.append("The joining instructions have changed: people with a place will find the new ones below.")
    if "status" in changed and event.status == EventStatus.SCHEDULED:
        sentences.append(f"The {event.get_event_type_display().lower()} is going ahead as planned.")
    return " ".join(sentences)


def _date(value):
    return date.fromisoformat(value) if value else None


def _time(value):
    return time.fromisoformat(value) if value else None


def say_who_was_told_on_publishing(request, page):
    """The publisher hears, in the same flow, that the people booked were e-mailed about the change."""
    event = page.specific
    if not isinstance(event, EventPage):
        return
    entry = (
        PageLogEntry.objects.filter(page_id=page.pk, action=NOTIFY_ACTION, revision=page.get_latest_revision())
        .order_by("-timestamp")
        .first()
    )
    if entry is None:
        return
    count = entry.data.get("recipients", 0)
    kind = event.get_event_type_display().lower()
    people = "1 person" if count == 1 else f"{count} people"
    if event.status == EventStatus.CANCELLED:
        messages.success(request, f"E-mailed the {people} booked or waiting that the {kind} is cancelled.")
    else:
        messages.success(
            request,
            f"E-mailed the {people} booked or waiting about the change, with the new details and, "
            "for those with a place, an updated calendar invitation.",
        )
