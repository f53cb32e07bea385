"""Calendar files, read back with icalendar the way a calendar app would."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from wagtail.models import PageViewRestriction

from events.models import EventStatus
from tests.events.factories import add_event

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def read_calendar(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def only_event(calendar):
    (entry,) = calendar.walk("VEVENT")
    return entry


def test_a_summer_event_keeps_its_london_wall_clock_time(client, index, venue, today):
    event = add_event(index, "summer", date(2027, 7, 1), venue=venue, start_time=time(10, 30), end_time=time(12, 30))
    response = client.get(event.url + "calendar.ics")
    assert response["Content-Disposition"] == 'attachment; filename="summer.ics"'
    entry = only_event(read_calendar(response))
    start, end = entry.decoded("dtstart"), entry.decoded("dtend")
    assert (start.hour, start.minute, str(start.tzinfo)) == (10, 30, "Europe/London")
    assert start.astimezone(UTC).time() == time(9, 30)  # British Summer Time is UTC+1
    assert end == datetime(2027, 7, 1, 12, 30, tzinfo=LONDON)
    assert str(entry["summary"]) == "Summer"
    assert str(entry["location"]) == "Malmaison Hotel, 1-3 Piccadilly, Manchester, M1 3AQ"
    assert str(entry["url"]) == "http://testserver/news-and-events/summer/"
    assert str(entry["status"]) == "CONFIRMED"


def test_a_winter_event_is_on_greenwich_mean_time(client, index, today):
    event = add_event(index, "winter", date(2027, 1, 14), start_time=time(10, 30), end_time=time(12, 30))
    start = only_event(read_calendar(client.get(event.url + "calendar.ics"))).decoded("dtstart")
    assert start.astimezone(UTC).time() == time(10, 30)
    assert only_event(read_calendar(client.get(event.url + "calendar.ics")))["location"] == "Online"


def test_an_event_without_a_time_is_an_all_day_entry(client, index, today):
    event = add_event(index, "all-day", date(2027, 3, 4), start_time=None)
    entry = only_event(read_calendar(client.get(event.url + "calendar.ics")))
    assert entry.decoded("dtstart") == date(2027, 3, 4)
    assert entry.decoded("dtend") == date(2027, 3, 5)
    assert "VALUE=DATE" in entry.to_ical().decode()


def test_a_cancelled_event_says_so(client, index, today):
    event = add_event(index, "called-off", today + timedelta(days=9), status=EventStatus.CANCELLED)
    assert str(only_event(read_calendar(client.get(event.url + "calendar.ics")))["status"]) == "CANCELLED"


def test_uid_survives_changes_and_sequence_rises_with_each_published_change(client, index, today):
    event = add_event(index, "original", today + timedelta(days=20))
    first = only_event(read_calendar(client.get(event.url + "calendar.ics")))

    event.refresh_from_db()
    event.title = "A new title"
    event.slug = "new-slug"
    event.save_revision().publish()
    event.refresh_from_db()
    second = only_event(read_calendar(client.get(event.url + "calendar.ics")))

    assert event.url == "/news-and-events/new-slug/"
    assert str(second["uid"]) == str(first["uid"])
    assert int(second["sequence"]) > int(first["sequence"])
    assert str(second["summary"]) == "A new title"


def test_publishing_an_older_draft_never_takes_the_sequence_back(index, today):
    event = add_event(index, "drafts", today + timedelta(days=20))
    event.refresh_from_db()
    old_draft = event.save_revision()
    event.refresh_from_db()
    event.summary = "Changed"
    event.save_revision().publish()
    event.refresh_from_db()
    before = event.calendar_sequence
    old_draft.publish()
    event.refresh_from_db()
    assert event.calendar_sequence > before


def test_a_copied_event_is_a_new_calendar_entry(index, today):
    event = add_event(index, "to-copy", today + timedelta(days=20))
    copy = event.copy(update_attrs={"slug": "the-copy", "title": "The copy"})
    assert copy.calendar_uid != event.calendar_uid


def test_the_subscribable_calendar_lists_upcoming_public_events(client, index, today):
    add_event(index, "next", today + timedelta(days=3))
    add_event(index, "gone", today - timedelta(days=3))
    private = add_event(index, "private", today + timedelta(days=4))
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="x")  # noqa: S106
    calendar = read_calendar(client.get("/news-and-events/calendar.ics"))
    assert [str(entry["summary"]) for entry in calendar.walk("VEVENT")] == ["Next"]
    assert "upcoming events" in str(calendar["x-wr-calname"])
    assert client.get(private.url + "calendar.ics").status_code == 404


def test_no_calendar_file_where_there_is_no_event_or_no_day(client, initial_content):
    assert client.get("/about/calendar.ics").status_code == 404
    assert client.get("/news-and-events/thriving-at-work-workshop/calendar.ics").status_code == 404
    assert client.get("/no-such-page/calendar.ics").status_code == 404


def test_event_page_offers_the_calendar_file(client, index, today):
    from tests.conftest import html

    event = add_event(index, "offered", today + timedelta(days=5))
    link = html(client.get(event.url)).select_one("a.add-to-calendar")
    assert link["href"] == "/news-and-events/offered/calendar.ics"
    assert "Add this workshop to your calendar" in link.get_text()
