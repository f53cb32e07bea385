"""Fixtures for the News and events tests; the data they build comes from tests/events/factories.py."""

import pytest
from django.utils import timezone

from events.models import NewsAndEventsIndexPage
from tests.events.factories import make_venue


@pytest.fixture
def today(clock):
    """The test's "today" in London, read from the tests' clock (tests/conftest.py)."""
    return timezone.localdate()


@pytest.fixture
def index(initial_content):
    return NewsAndEventsIndexPage.objects.get()


@pytest.fixture
def venue(db):
    """The Malmaison in Manchester, step-free, as the Collaborative's workshops have used."""
    return make_venue(
        name="Malmaison Hotel",
        address_line_1="1-3 Piccadilly",
        town_or_city="Manchester",
        postcode="M1 3AQ",
        step_free_access="yes",
        nearest_station="Manchester Piccadilly",
    )
