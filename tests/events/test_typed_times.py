"""
Editors type a workshop's times, and its booking's opening and closing, as
people write them ("3:30pm", "3pm", "15.30", "noon"): each is kept as the
time meant, or refused with a plain error, never quietly changed.
"""

from datetime import datetime, time

import pytest
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from events.formatting import AmbiguousTime, format_time, parse_time
from events.models import EventPage
from tests.conftest import html

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("3:30pm", time(15, 30)),
        ("3.30pm", time(15, 30)),
        ("3pm", time(15, 0)),
        ("3 PM", time(15, 0)),
        ("15:30", time(15, 30)),
        ("15.30", time(15, 30)),
        ("10:30 am", time(10, 30)),
        ("10.30a.m.", time(10, 30)),
        ("  9:05  ", time(9, 5)),
        ("09:30", time(9, 30)),
        ("10", time(10, 0)),
        ("14:00:00", time(14, 0)),
        ("15:30pm", time(15, 30)),
        ("noon", time(12, 0)),
        ("Midday", time(12, 0)),
        ("12 noon", time(12, 0)),
        ("12pm", time(12, 0)),
        ("12:15pm", time(12, 15)),
        ("12am", time(0, 0)),
        ("midnight", time(0, 0)),
        # A leading zero is the 24-hour clock, written on purpose.
        ("03:30", time(3, 30)),
    ],
)
def test_times_are_read_as_people_write_them(typed, meant):
    assert parse_time(typed) == meant


@pytest.mark.parametrize("typed", ["half three", "25:00", "10:75", "0am", "3:3pm", "15:30am", "10:30xm", ""])
def test_what_cannot_be_a_time_is_refused(typed):
    with pytest.raises(ValueError, match="Enter a time such as 10:30am or 14:00"):
        parse_time(typed)


@pytest.mark.parametrize(("typed", "choices"), [("3:30", "3:30am or 3:30pm"), ("3", "3am or 3pm"), ("6.15", "6:15am")])
def test_an_hour_no_workshop_starts_at_is_asked_about_not_guessed(typed, choices):
    with pytest.raises(AmbiguousTime, match=choices):
        parse_time(typed)


def test_every_time_the_site_shows_reads_back_as_itself():
    for minute_of_day in range(0, 24 * 60, 5):
        moment = time(minute_of_day // 60, minute_of_day % 60)
        assert parse_time(format_time(moment)) == moment


def workshop_form(index, **changes):
    """The add-workshop form as an editor fills it in, online so that it needs no venue."""
    data = {
        "title": "Winter workshop",
        "slug": "winter-workshop",
        "event_type": "workshop",
        "date": "2030-01-10",
        "start_time": "10:30am",
        "end_time": "12:30pm",
        "attendance_mode": "online",
        "joining_instructions": "A link to follow.",
        "summary": "A workshop on workforce planning.",
        "aims": rich_text(""),
        "agenda": streamfield([]),
        "body": streamfield([]),
        "capacity": "50",
        "booking_opens_at": "",
        "booking_closes_at": "",
        "status": "scheduled",
        "materials": inline_formset([]),
    }
    data.update(changes)
    return nested_form_data(data)


def add_workshop(client, index, **changes):
    return client.post(f"/admin/pages/add/events/eventpage/{index.pk}/", workshop_form(index, **changes))


def test_an_editor_types_times_as_people_write_them(client, log_in, index):
    log_in("Editors")
    response = add_workshop(client, index, start_time="10am", end_time="3:30pm")

    assert response.status_code == 302
    workshop = EventPage.objects.get(slug="winter-workshop")
    assert (workshop.start_time, workshop.end_time) == (time(10, 0), time(15, 30))
    assert workshop.when == "Thursday 10 January 2030, 10am to 3:30pm"

    # The edit form shows the times as the site writes them, in plain boxes no date picker rewrites.
    form = html(client.get(f"/admin/pages/{workshop.pk}/edit/"))
    start = form.select_one("#id_start_time")
    assert (start["type"], start["value"]) == ("text", "10am")
    assert form.select_one("#id_end_time")["value"] == "3:30pm"
    assert "initTimeChooser" not in str(form)
    # The rest of the form keeps Wagtail's widgets, such as the chooser for a venue.
    assert form.select_one("#id_venue-chooser") is not None


@pytest.mark.parametrize(
    ("end_time", "error"),
    [
        ("half three", "Enter a time such as 10:30am or 14:00."),
        ("3:30", "Enter 3:30am or 3:30pm: is it in the morning or the afternoon?"),
    ],
)
def test_an_editor_is_told_plainly_when_a_time_cannot_be_read(client, log_in, index, end_time, error):
    log_in("Editors")
    response = add_workshop(client, index, end_time=end_time)

    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert "The end time must be after the start time." not in page
    assert html(response).select_one("#id_end_time")["value"] == end_time, "what was typed stays to correct"
    assert not EventPage.objects.filter(slug="winter-workshop").exists()


def test_booking_opens_and_closes_at_times_typed_as_people_write_them(client, log_in, index):
    log_in("Editors")
    response = add_workshop(client, index, booking_opens_at="1/12/2029 9am", booking_closes_at="8/1/2030 5:30pm")

    assert response.status_code == 302
    workshop = EventPage.objects.get(slug="winter-workshop")
    assert timezone.localtime(workshop.booking_opens_at).replace(tzinfo=None) == datetime(2029, 12, 1, 9, 0)
    assert timezone.localtime(workshop.booking_closes_at).replace(tzinfo=None) == datetime(2030, 1, 8, 17, 30)
    # Still offered with the date picker, which no longer rewrites what is typed when the box is left.
    form = html(client.get(f"/admin/pages/{workshop.pk}/edit/"))
    assert form.select_one("#id_booking_closes_at")["value"] == "08/01/2030 17:30"
    assert '"validateOnBlur": false' in str(form)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("8/1/2030 3:30", "Enter 3:30am or 3:30pm: is it in the morning or the afternoon?"),
        ("8/1/2030 teatime", "Enter a date and time such as 31/1/2027 5pm."),
        ("someday", "Enter a date and time such as 31/1/2027 5pm."),
    ],
)
def test_a_booking_deadline_that_cannot_be_read_is_refused_plainly(client, log_in, index, typed, error):
    log_in("Editors")
    response = add_workshop(client, index, booking_closes_at=typed)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not EventPage.objects.filter(slug="winter-workshop").exists()


def test_an_agenda_sessions_time_is_typed_as_people_write_it(client, log_in, index):
    def agenda(session_time):
        session = {"time": session_time, "title": "Welcome", "speakers": streamfield([]), "to_be_confirmed": ""}
        return streamfield([("part", {"heading": "Afternoon", "sessions": streamfield([("item", session)])})])

    log_in("Editors")
    refused = add_workshop(client, index, agenda=agenda("half two"))
    response = add_workshop(client, index, agenda=agenda("2:15pm"))

    assert refused.status_code == 200 and "Enter a time such as 10:30am or 14:00." in refused.content.decode()
    assert response.status_code == 302
    workshop = EventPage.objects.get(slug="winter-workshop")
    assert workshop.agenda[0].value["sessions"][0]["time"] == time(14, 15)


def test_a_date_is_read_day_first_whatever_language_an_editor_chose(client, log_in, index):
    from wagtail.users.models import UserProfile

    editor = log_in("Editors")
    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = "en-us"
    profile.save()

    response = add_workshop(client, index, booking_opens_at="1/3/2029 9am")

    assert response.status_code == 302
    workshop = EventPage.objects.get(slug="winter-workshop")
    assert timezone.localtime(workshop.booking_opens_at).date() == datetime(2029, 3, 1).date()
