"""
The lists of workshops, news and reports (the home page, News and events and
its filtered views, tests/reports/test_remembered_report.py has a report's) are rendered once
and remembered, with the page cache itself off: each test first renders a
page so that its parts are kept, then changes something as an editor, a
booker or the clock would, and sees the change at once. What a part depends
on is what its look-ups say while it is built (home/page_cache.remembered).
"""

from datetime import datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from events.calendar import LONDON
from events.models import EventPage
from home import page_cache
from tests.conftest import html, remembered_parts_kept
from tests.events.factories import add_booking_form, add_event, add_news, make_booking

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pages_rendered_afresh(settings):
    settings.PAGE_CACHE_SECONDS = 0


def cards(path, client=None):
    """Each card's text on the page at path, as a visitor reads it."""
    response = (client or Client()).get(path)
    assert response.status_code == 200
    return [card.get_text(" ", strip=True) for card in html(response).select(".nhsuk-card")]


def card_for(title, path):
    return next(card for card in cards(path) if title in card)


@pytest.fixture
def workshop(index, venue, today):
    event = add_event(index, "retention-workshop", today + timedelta(days=30), venue=venue, capacity=5)
    add_booking_form(event)
    return EventPage.objects.get(pk=event.pk)


@pytest.mark.parametrize("path", ["/", "/news-and-events/", "/news-and-events/?show=upcoming"])
def test_places_taken_show_on_every_list_at_once(workshop, committing, path):
    assert "5 places left" in card_for("Retention workshop", path)
    assert remembered_parts_kept(), "the list was not remembered"

    with committing():
        make_booking(workshop.get_children().get().specific)
    assert "4 places left" in card_for("Retention workshop", path)


@pytest.mark.parametrize("path", ["/", "/news-and-events/", "/news-and-events/?show=upcoming"])
def test_a_workshop_published_or_unpublished_shows_or_goes_at_once(index, today, committing, path):
    cards(path)
    event = add_event(index, "new-workshop", today + timedelta(days=3), title="Newly announced workshop")
    with committing():
        event.save_revision().publish()
    assert any("Newly announced workshop" in card for card in cards(path))

    with committing():
        event.unpublish()
    assert not any("Newly announced workshop" in card for card in cards(path))


@pytest.mark.parametrize("path", ["/", "/news-and-events/"])
def test_a_news_item_published_shows_at_once(index, today, committing, path):
    cards(path)
    item = add_news(index, "fresh-news", today, title="Fresh news from the Collaborative")
    with committing():
        item.save_revision().publish()
    assert any("Fresh news from the Collaborative" in card for card in cards(path))


def test_booking_opening_shows_when_the_clock_reaches_it_with_nothing_changed(workshop, clock, committing):
    opens = timezone.now() + timedelta(hours=2)
    workshop.booking_opens_at = opens
    with committing():
        workshop.save_revision().publish()
    for path in ("/", "/news-and-events/"):
        assert "Booking opens" in card_for("Retention workshop", path)

    clock.move_to(opens + timedelta(seconds=1), tick=True)
    for path in ("/", "/news-and-events/"):
        assert "5 places left" in card_for("Retention workshop", path)


def test_a_workshop_moves_from_upcoming_to_past_when_its_day_is_over(index, committing, clock):
    now = timezone.localtime()
    event = add_event(index, "today-workshop", now.date(), start_time=time(23, 30), title="Late workshop")
    with committing():
        event.save_revision().publish()
    overview = html(Client().get("/news-and-events/"))
    assert "Late workshop" in overview.select_one("#upcoming-events + ul").get_text()

    clock.move_to(datetime.combine(now.date() + timedelta(days=1), time(0, 0, 1), tzinfo=LONDON), tick=True)
    overview = html(Client().get("/news-and-events/"))
    assert "Late workshop" in overview.select_one("#past-events + ul").get_text()
    assert (
        not overview.select_one("#upcoming-events + ul")
        or "Late workshop" not in overview.select_one("#upcoming-events + ul").get_text()
    )


def test_a_filtered_view_counts_once_and_again_when_a_workshop_is_published(index, today, committing):
    def result_count():
        return html(Client().get("/news-and-events/?show=upcoming")).select_one("#result-count").get_text()

    before = result_count()
    assert "listing-count" in " ".join(cache._cache)
    event = add_event(index, "counted", today + timedelta(days=9))
    with committing():
        event.save_revision().publish()
    assert int(result_count().split()[0]) == int(before.split()[0]) + 1


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("show=upcoming", True),
        ("show=news&year=&topic=", True),
        ("show=upcoming&page=1", True),
        # What the pagination links would carry on, bad values shown as typed, a page number
        # given twice or past the end: rendered for the request alone.
        ("show=upcoming&utm_source=newsletter", False),
        ("show=upcoming&year=not-a-year", False),
        ("show=upcoming&page=1&page=2", False),
        ("show=upcoming&page=99", False),
    ],
)
def test_a_filtered_view_is_remembered_only_for_a_plain_valid_query(index, query, kept):
    response = Client().get(f"/news-and-events/?{query}")
    assert response.status_code == 200
    assert bool([part for part in remembered_parts_kept() if ":filtered:" in part]) is kept


def test_a_list_tells_a_cached_page_what_it_depends_on_when_read_as_well_as_when_built(workshop):
    """With the page cache on, the page holding a remembered list is forgotten when the list would be."""
    for _ in range(2):
        with page_cache._collecting() as (declared, until):
            Client().get("/news-and-events/")
        assert {page_cache.page_type_scope(EventPage), "workshop-places"} <= declared
        assert until[0] is not None and until[0] > timezone.now()


@pytest.mark.parametrize("path", ["/news-and-events/?show=news", "/news-and-events/?show=past", "/news-and-events/"])
def test_the_year_filter_offers_a_new_year_at_once_on_every_view(index, today, committing, path):
    def years_offered():
        form = html(Client().get(path)).select_one("form.listing-filters")
        return [option.get_text() for option in form.select("select[name=year] option")]

    later = today.replace(year=today.year + 3)
    assert str(later.year) not in years_offered()
    event = add_event(index, "far-ahead", later)
    with committing():
        event.save_revision().publish()
    assert str(later.year) in years_offered()
