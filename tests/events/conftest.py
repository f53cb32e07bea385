from datetime import time

import pytest
from django.utils import timezone

from events.models import AttendanceMode, EventPage, NewsAndEventsIndexPage, NewsPage, Venue


@pytest.fixture
def today(clock):
    """The test's "today" in London, read from the tests' clock (tests/conftest.py)."""
    return timezone.localdate()


@pytest.fixture
def index(initial_content):
    return NewsAndEventsIndexPage.objects.get()


@pytest.fixture
def venue(db):
    return Venue.objects.create(
        name="Malmaison Hotel",
        address_line_1="1-3 Piccadilly",
        town_or_city="Manchester",
        postcode="M1 3AQ",
        step_free_access="yes",
        nearest_station="Manchester Piccadilly",
    )


def add_event(parent, slug, day, venue=None, **fields):
    fields.setdefault("title", slug.replace("-", " ").capitalize())
    fields.setdefault("summary", "A workshop for strategic leaders.")
    fields.setdefault("start_time", time(10, 30))
    fields.setdefault("attendance_mode", AttendanceMode.IN_PERSON if venue else AttendanceMode.ONLINE)
    event = EventPage(slug=slug, date=day, venue=venue, **fields)
    parent.add_child(instance=event)
    return event


def add_news(parent, slug, day, **fields):
    fields.setdefault("title", slug.replace("-", " ").capitalize())
    fields.setdefault("summary", "News from the Collaborative.")
    item = NewsPage(slug=slug, date=day, **fields)
    parent.add_child(instance=item)
    return item


def add_booking_form(event, questions=(), **fields):
    """
    A live booking form as the only child of a published workshop, with an
    editor's extra questions: dicts of BookingFormField fields.
    """
    from events.models import BookingFormField, BookingFormPage

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


def booking_answers(**overrides):
    """A booking form's answers that a person could send: valid, and filled in over more than 3 seconds."""
    from events.forms import form_started_token

    answers = {
        "name": "Jo Smith",
        "email": "jo.smith@example.nhs.uk",
        "job_title": "Director of Nursing",
        "organisation": "Oxford Health NHS Foundation Trust",
        "consent": "on",
        "started": form_started_token(timezone.now().timestamp() - 10),
    }
    answers.update(overrides)
    return {name: value for name, value in answers.items() if value is not None}
