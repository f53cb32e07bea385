"""
Upcoming or past, booking open or closed, reminders and the form's fill time
all read one clock (django.utils.timezone.now, the London date derived from
it), so moving that clock moves every one of them together, across midnight
and across the clocks changing.
"""

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from events.models import BookingStatus
from tests.conftest import NOW, html
from tests.events.factories import add_booking_form, add_event, booking_answers, make_booking

pytestmark = pytest.mark.django_db


def text(soup):
    return " ".join(soup.get_text(" ").split())


def upcoming_and_past(client, index):
    soup = html(client.get(index.url))
    listed = {}
    for section in ("upcoming-events", "past-events"):
        heading = soup.find(id=section)
        listed[section] = [a.get_text(strip=True) for a in heading.find_next_sibling("ul").select("h3 a")]
    return listed


def test_every_test_starts_at_the_same_moment_whatever_the_real_date():
    assert abs(timezone.now() - NOW) < timedelta(seconds=5)
    assert timezone.localdate() == date(2026, 11, 23)


def test_the_london_date_comes_from_the_one_clock_after_midnight_in_summer(client, index, clock):
    # 11:30pm on 30 June in UTC is already 1 July in London (BST).
    clock.move_to(datetime(2027, 6, 30, 23, 30, tzinfo=UTC))
    june = add_event(index, "june-workshop", date(2027, 6, 30), title="June workshop")
    add_booking_form(june)
    july = add_event(index, "july-workshop", date(2027, 7, 1), start_time=time(10, 30), title="July workshop")
    add_booking_form(july)

    listed = upcoming_and_past(client, index)
    june_page = text(html(client.get(june.url)))
    july_page = text(html(client.get(july.url)))

    assert "June workshop" in listed["past-events"]
    assert "July workshop" in listed["upcoming-events"]
    # A past workshop's page says nothing of booking; today's is still open.
    assert "Booking" not in june_page and "places" not in june_page
    assert "50 places left" in july_page


@pytest.mark.parametrize(
    ("utc_time", "open_for_booking"),
    [(time(9, 29), True), (time(9, 30), False)],
    ids=["a minute before it starts", "as it starts"],
)
def test_booking_closes_as_the_workshop_starts_on_the_day_the_clocks_go_forward(
    client, index, clock, utc_time, open_for_booking
):
    # 28 March 2027: London moves to BST at 1am, so 10:30am there is 9:30am UTC.
    workshop = add_event(index, "spring-workshop", date(2027, 3, 28), start_time=time(10, 30), capacity=10)
    form_page = add_booking_form(workshop)
    clock.move_to(datetime.combine(date(2027, 3, 28), utc_time, tzinfo=UTC))

    card = html(client.get(index.url)).select_one(".event-card__booking").get_text()
    page = text(html(client.get(workshop.url)))
    response = client.post(form_page.url, booking_answers())

    if open_for_booking:
        assert "10 places left" in card
        assert "already started" not in page
        assert response.status_code == 302
    else:
        assert "Booking closed" in card
        assert "This workshop has already started, so booking is closed." in page
        assert "already started" in text(html(response))


def test_the_form_tells_a_person_from_a_bot_by_the_same_clock(client, index, clock, settings):
    settings.BOOKING_MIN_FILL_SECONDS = 3
    form_page = add_booking_form(add_event(index, "winter-workshop", NOW.date() + timedelta(days=30)))
    started = html(client.get(form_page.url)).find("input", attrs={"name": "started"})["value"]

    clock.shift(1)
    too_quick = client.post(form_page.url, booking_answers(started=started, email="quick@example.nhs.uk"))
    clock.shift(10)
    in_good_time = client.post(form_page.url, booking_answers(started=started, email="person@example.nhs.uk"))

    assert "Please check your details and send the form again." in text(html(too_quick))
    assert in_good_time.status_code == 302


def test_reminders_follow_the_clock_and_stop_once_the_workshop_has_started(index, clock, settings):
    settings.BOOKING_REMINDER_DAYS = 2
    workshop = add_event(index, "reminded-workshop", date(2027, 3, 28), start_time=time(10, 30))
    form_page = add_booking_form(workshop)
    make_booking(form_page, BookingStatus.CONFIRMED, name="Ada Lovelace")
    make_booking(form_page, BookingStatus.CONFIRMED, name="Grace Hopper")

    clock.move_to(datetime(2027, 3, 25, 8, 0, tzinfo=UTC))  # three days before: not yet
    call_command("send_booking_reminders", stdout=io.StringIO())
    assert mail.outbox == []

    clock.move_to(datetime(2027, 3, 28, 9, 31, tzinfo=UTC))  # 10:31am BST: it has begun
    call_command("send_booking_reminders", stdout=io.StringIO())
    assert mail.outbox == []

    clock.move_to(datetime(2027, 3, 27, 8, 0, tzinfo=UTC))  # the day before
    call_command("send_booking_reminders", stdout=io.StringIO())
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ada.lovelace@example.nhs.uk",
        "grace.hopper@example.nhs.uk",
    ]
    assert "this workshop tomorrow" in mail.outbox[0].body
