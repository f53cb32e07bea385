"""
Calendar files, read back the way calendar apps would: every file by two
unrelated readers, icalendar and vobject, which must agree.
"""

import email
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar
from wagtail.models import PageViewRestriction

from events.booking.emails import build_email
from events.models import BookingEmail, BookingEmailKind, EventPage, EventStatus
from tests.events.factories import add_booking_form, add_event, make_booking

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def read_calendar(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return read_both(response.content)[0]


def read_both(content):
    """
    A calendar file as icalendar and vobject read it, each checked for what
    any calendar app needs: an end to every entry, no empty location, and
    London's time zone as a rule rather than a list of dates.
    """
    calendar = Calendar.from_ical(content)
    vcalendar = vobject.readOne(content.decode("utf-8"))
    entries = calendar.walk("VEVENT")
    assert len(entries) == len(vcalendar.vevent_list)
    for entry in entries:
        # Without DTEND or DURATION, RFC 5545 ends a timed entry the moment it starts.
        assert "DTEND" in entry or "DURATION" in entry, entry["summary"]
        assert "LOCATION" not in entry or str(entry["location"]).strip(), entry["summary"]
    for ventry in vcalendar.vevent_list:
        assert hasattr(ventry, "dtend")
        assert not hasattr(ventry, "location") or ventry.location.value.strip()
    if any(isinstance(entry.decoded("dtstart"), datetime) for entry in entries):
        (zone,) = calendar.walk("VTIMEZONE")
        assert str(zone["tzid"]) == "Europe/London"
        assert "RDATE" not in zone.to_ical().decode()
        rules = {part.name: dict(part["rrule"]) for part in zone.subcomponents}
        assert rules == {
            "DAYLIGHT": {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]},
            "STANDARD": {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]},
        }
    return calendar, vcalendar


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


# Every calendar file, in both readers --------------------------------------

# (years ahead, month, day, when 10:30am London is in UTC): in winter (GMT)
# and summer (BST), next year and after 2038, where time zone definitions
# written out as lists of dates, and clocks that count seconds in 32 bits,
# run out.
DAYS = {
    "next winter": (1, 1, 14, time(10, 30)),
    "next summer": (1, 7, 1, time(9, 30)),
    "winter after 2038": (14, 1, 12, time(10, 30)),
    "summer after 2038": (14, 7, 5, time(9, 30)),
}


@pytest.fixture
def timed_events(index, venue, today):
    """A 10:30am to 12:30pm workshop on each of DAYS, by name."""
    return {
        name: add_event(
            index,
            name.replace(" ", "-"),
            date(today.year + years, month, day),
            venue=venue,
            start_time=time(10, 30),
            end_time=time(12, 30),
        )
        for name, (years, month, day, _utc) in DAYS.items()
    }


def emailed_calendar(event):
    """
    The calendar part of the e-mail confirming a place at the workshop, from
    the raw message as it goes to the mail server (parsed with the compat32
    policy, which leaves headers as they were written).
    """
    form_page = event.booking_page() or add_booking_form(event)
    booking = make_booking(form_page)
    record = BookingEmail.objects.create(booking=booking, kind=BookingEmailKind.CONFIRMATION, recipient=booking.email)
    message = email.message_from_bytes(build_email(record).message().as_bytes())
    (part,) = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    return part


def calendar_files(how, events, client):
    """Each calendar file the site gives for the events: one per event, or the subscribable one."""
    if how == "page":
        return [client.get(event.url + "calendar.ics").content for event in events]
    if how == "subscription":
        return [client.get("/news-and-events/calendar.ics").content]
    return [emailed_calendar(event).get_payload(decode=True) for event in events]


HOW = ["page", "subscription", "e-mail"]


@pytest.mark.parametrize("how", HOW)
def test_a_1030_workshop_is_at_1030_london_time_in_winter_and_summer_and_after_2038(how, client, timed_events):
    expected = {
        f"{event.calendar_uid}@events.collaborative": (event.date, DAYS[name][3])
        for name, event in timed_events.items()
    }
    seen = {}
    for content in calendar_files(how, timed_events.values(), client):
        calendar, vcalendar = read_both(content)
        for ventry in vcalendar.vevent_list:
            day, utc = expected[ventry.uid.value]
            start, end = ventry.dtstart.value, ventry.dtend.value
            assert (start.date(), start.astimezone(UTC).time()) == (day, utc), ventry.summary.value
            assert (start.hour, start.minute, end.hour, end.minute) == (10, 30, 12, 30)
            assert end - start == timedelta(hours=2)
            seen[ventry.uid.value] = start
        for entry in calendar.walk("VEVENT"):
            assert entry.decoded("dtstart") == seen[str(entry["uid"])]
    assert set(seen) == set(expected)


@pytest.mark.parametrize("how", HOW)
def test_a_start_time_without_an_end_is_an_all_day_entry_that_gives_the_start(how, client, index, venue, today):
    day = today + timedelta(days=40)
    event = add_event(index, "open-ended", day, venue=venue, start_time=time(10, 30), end_time=None)
    (content,) = calendar_files(how, [event], client)
    calendar, vcalendar = read_both(content)
    (ventry,) = vcalendar.vevent_list
    assert (ventry.dtstart.value, ventry.dtend.value) == (day, day + timedelta(days=1))
    entry = only_event(calendar)
    assert (entry.decoded("dtstart"), entry.decoded("dtend")) == (day, day + timedelta(days=1))
    description = str(entry["description"])
    assert description.startswith("Starts at 10:30am; the finish time has not been announced.\n\n")
    assert ventry.description.value == description
    assert "VALUE=DATE" in entry.to_ical().decode()


def test_the_diversity_and_inclusion_workshop_has_no_empty_location(client, initial_content):
    event = EventPage.objects.get(slug="diversity-and-inclusion-workshop")
    content = client.get(event.url + "calendar.ics").content
    entry = only_event(read_both(content)[0])
    assert "LOCATION" not in entry
    assert b"LOCATION" not in content
    # Its 10:30am start is known, its finish is not.
    assert entry.decoded("dtstart") == date(2020, 11, 16)
    assert str(entry["description"]).startswith("Starts at 10:30am; the finish time has not been announced.")


def test_the_emailed_invitation_names_its_charset_once(index, venue, today):
    event = add_event(index, "emailed", today + timedelta(days=30), venue=venue)
    part = emailed_calendar(event)
    assert part["Content-Type"].lower().count("charset") == 1
    assert part.get_content_charset() == "utf-8"
    assert part.get_param("method") == "PUBLISH"
    assert part.get_filename() == "emailed.ics"
    assert part.get_content_disposition() == "attachment"
    calendar, _vcalendar = read_both(part.get_payload(decode=True))
    assert str(calendar["method"]) == "PUBLISH"
