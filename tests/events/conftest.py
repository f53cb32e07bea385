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
    return make_venue()
