"""
The page cache as visitors meet it, on a live server with real commits: a
workshop page is served from the cache, a booking made in the browser shows
at once in its places left while pages that do not show them stay cached,
and the booking form is never shared.
"""

import re

import pytest

from events.models import Booking, PlaceKind
from tests.browser.conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKSHOP = "/news-and-events/example-workshop/"
ABOUT = "/about/"


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300
    settings.BOOKING_MIN_FILL_SECONDS = 0


def test_a_booking_shows_at_once_on_the_cached_workshop_page(browser, site):
    first_visitor = browser.new_page(viewport=DESKTOP)
    assert first_visitor.goto(site + WORKSHOP).headers["x-page-cache"] == "miss"
    second_visitor = browser.new_page(viewport=DESKTOP)
    cached = second_visitor.goto(site + WORKSHOP)
    assert cached.headers["x-page-cache"] == "hit"
    assert "set-cookie" not in cached.headers
    places = second_visitor.locator(".event-places").inner_text()
    assert "In person: 50 of 50 left" in places and "Online: no limit" in places
    first_visitor.goto(site + ABOUT)
    # Another visitor: the first one's browser now holds the page, and is answered 304 Not Modified.
    assert second_visitor.goto(site + ABOUT).headers["x-page-cache"] == "hit"

    # Each visitor's form has its own CSRF token: neither is served from the cache.
    tokens = []
    for visitor in (first_visitor, second_visitor):
        form = visitor.goto(site + WORKSHOP + "book/")
        assert "x-page-cache" not in form.headers
        tokens.append(visitor.locator("input[name=csrfmiddlewaretoken]").input_value())
    assert tokens[0] != tokens[1]

    second_visitor.get_by_role("radio", name=re.compile("^In person, at ")).check()
    second_visitor.fill("#id_name", "Sam Patel")
    second_visitor.fill("#id_email", "sam.patel@example.nhs.uk")
    second_visitor.fill("#id_job_title", "Director of Workforce")
    second_visitor.select_option("#id_listed_organisation", label="My organisation is not listed")
    second_visitor.fill("#id_organisation", "Mersey Care NHS Foundation Trust")
    second_visitor.check("#id_consent")
    with second_visitor.expect_navigation():
        second_visitor.click("main button[type=submit]")
    assert Booking.objects.get(email="sam.patel@example.nhs.uk").attends == PlaceKind.IN_PERSON

    fresh = first_visitor.goto(site + WORKSHOP)
    assert fresh.headers["x-page-cache"] == "miss"
    places = first_visitor.locator(".event-places").inner_text()
    assert "In person: 49 of 50 left" in places and "Online: no limit" in places
    # The about page shows no places: the booking left it in the cache.
    assert browser.new_page(viewport=DESKTOP).goto(site + ABOUT).headers["x-page-cache"] == "hit"
