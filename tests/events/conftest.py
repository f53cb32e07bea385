from datetime import date, time

import pytest
from django.utils import timezone

from events.models import AttendanceMode, EventPage, NewsAndEventsIndexPage, NewsPage, Venue

TODAY = date(2026, 11, 23)


@pytest.fixture
def today(monkeypatch):
    """A fixed "today" for everything that splits upcoming from past."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


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
