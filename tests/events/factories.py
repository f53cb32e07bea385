"""
Test data for the News and events section, from one place: venues,
workshops, news items, booking forms, bookings, and the answers a person
sends. Each gives sensible defaults, so a test writes only what it is about.

Plain functions rather than factory_boy: pages join Wagtail's tree through
their parent (add_child), which factory_boy does not know, and a booking's
workshop is its form's parent.
"""

import itertools
from datetime import time, timedelta

from django.utils import timezone

from events.booking.forms import form_started_token
from events.models import (
    AttendanceMode,
    Booking,
    BookingFormField,
    BookingFormPage,
    BookingStatus,
    EventPage,
    FeedbackFormField,
    FeedbackFormPage,
    NewsPage,
    Venue,
)

# Each booking (or venue) made without a name is a different one.
_bookers = itertools.count(1)
_venues = itertools.count(1)


def make_venue(**fields):
    """A venue with what every venue must have (a name, a first address line, a town); add any other field."""
    number = next(_venues)
    fields.setdefault("name", f"Venue {number}")
    fields.setdefault("address_line_1", f"{number} High Street")
    fields.setdefault("town_or_city", "Leeds")
    return Venue.objects.create(**fields)


def add_event(parent, slug, day, venue=None, **fields):
    """A workshop (unpublished) under `parent` on `day` at 10:30am: at the venue if given, else online."""
    fields.setdefault("title", slug.replace("-", " ").capitalize())
    fields.setdefault("summary", "A workshop for strategic leaders.")
    fields.setdefault("start_time", time(10, 30))
    fields.setdefault("attendance_mode", AttendanceMode.IN_PERSON if venue else AttendanceMode.ONLINE)
    event = EventPage(slug=slug, date=day, venue=venue, **fields)
    parent.add_child(instance=event)
    return event


def add_news(parent, slug, day, **fields):
    """A news item (unpublished) under `parent`, dated `day`."""
    fields.setdefault("title", slug.replace("-", " ").capitalize())
    fields.setdefault("summary", "News from the Collaborative.")
    item = NewsPage(slug=slug, date=day, **fields)
    parent.add_child(instance=item)
    return item


def add_booking_form(event, questions=(), **fields):
    """
    Publish the workshop and give it a live booking form as its only child,
    with an editor's extra questions: dicts of BookingFormField fields.
    """
    event.save_revision().publish()
    fields.setdefault("title", "Book a place")
    fields.setdefault("slug", "book")
    form_page = BookingFormPage(**fields)
    event.add_child(instance=form_page)
    for position, question in enumerate(questions):
        BookingFormField.objects.create(page=form_page, sort_order=position, **question)
    form_page.save_revision().publish()
    form_page.refresh_from_db()
    return form_page


def add_feedback_form(event, questions=(), live=True, **fields):
    """
    A feedback form under a workshop (published, unless live=False: a
    draft), with an editor's extra questions: dicts of FeedbackFormField fields.
    """
    fields.setdefault("title", "Tell us what you thought")
    fields.setdefault("slug", "feedback")
    form_page = FeedbackFormPage(live=False, **fields)
    event.add_child(instance=form_page)
    for position, question in enumerate(questions):
        FeedbackFormField.objects.create(page=form_page, sort_order=position, **question)
    revision = form_page.save_revision()
    if live:
        revision.publish()
    form_page.refresh_from_db()
    return form_page


def make_booking(form_page, status=BookingStatus.CONFIRMED, name=None, email=None, submitted_ago=None, **fields):
    """
    A booking as the booking form stores it, at the form's workshop: a new
    person each time unless `name` or `email` say who. `submitted_ago`
    (a timedelta) dates it in the past; otherwise it was made now.
    """
    number = next(_bookers)
    name = name or f"Booker {number}"
    fields.setdefault("job_title", "Director of Nursing")
    fields.setdefault("organisation", "Oxford Health NHS Foundation Trust")
    fields.setdefault("form_data", {})
    event = fields.pop("event", None) or form_page.get_parent().specific
    # The kind of place the form gives when the booker has no choice.
    fields.setdefault("attends", event.only_place_kind)
    booking = Booking.objects.create(
        page=form_page,
        event=event,
        status=status,
        name=name,
        email=email or f"{'.'.join(name.lower().split())}@example.nhs.uk",
        **fields,
    )
    if submitted_ago is not None:
        # submit_time is set on creation; moving it back is what a booking made earlier looks like.
        booking.submit_time = timezone.now() - submitted_ago
        Booking.objects.filter(pk=booking.pk).update(submit_time=booking.submit_time)
    return booking


def booking_answers(**overrides):
    """
    A booking form's answers that a person could send: valid, and filled in
    over more than 3 seconds. An override of None leaves that answer out.
    """
    answers = {
        "name": "Jo Smith",
        "email": "jo.smith@example.nhs.uk",
        "job_title": "Director of Nursing",
        "organisation": "Oxford Health NHS Foundation Trust",
        "consent": "on",
        "started": form_started_token((timezone.now() - timedelta(seconds=10)).timestamp()),
    }
    answers.update(overrides)
    return {name: value for name, value in answers.items() if value is not None}
