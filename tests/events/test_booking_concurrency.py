"""
Bookings made at the same instant never overbook a workshop.

Each test sends many bookings at once, from threads with their own database
connections, through the real booking form (django.test.Client), all
released together by a barrier so that they really collide. The PostgreSQL
control test runs the very same scenario with the workshop's row lock taken
away, and must overbook: that proves the scenario would catch a broken lock.

The threads commit, so these tests are transactional: each starts from the
initial content put back from the session's snapshot (committed_content),
and pytest-django empties the database afterwards.
"""

import threading
import time
from datetime import time as time_of_day
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from events.booking import rules as booking_rules
from events.booking.forms import form_started_token
from events.models import (
    AttendanceMode,
    Booking,
    BookingFormPage,
    BookingStatus,
    EventPage,
    NewsAndEventsIndexPage,
    PlaceKind,
)
from tests.events.factories import add_event, booking_answers, make_venue

# Each test starts from the initial content, committed. Each opens dozens of
# database connections, so two test processes never run them at once.
pytestmark = [pytest.mark.usefixtures("committed_content"), pytest.mark.one_process_at_a_time("database connections")]

# Well below PostgreSQL's max_connections (100 by default), which other
# test runs may be sharing.
THREADS = 40
BARRIER_TIMEOUT = 60


def workshop_with_booking_form(capacity):
    """An upcoming online workshop with a published booking form."""
    event = add_event(
        NewsAndEventsIndexPage.objects.get(),
        "busy-workshop",
        timezone.localdate() + timedelta(weeks=3),
        start_time=time_of_day(10, 30),
        capacity=capacity,
        attendance_mode=AttendanceMode.ONLINE,
    )
    event.save_revision().publish()
    form_page = BookingFormPage(title="Book a place", slug="book")
    event.add_child(instance=form_page)
    form_page.save_revision().publish()
    return event, form_page


def hybrid_workshop_with_booking_form(room_places, online_places):
    """An upcoming workshop in person and online, with a published booking form."""
    event = add_event(
        NewsAndEventsIndexPage.objects.get(),
        "busy-hybrid-workshop",
        timezone.localdate() + timedelta(weeks=3),
        venue=make_venue(),
        start_time=time_of_day(10, 30),
        attendance_mode=AttendanceMode.HYBRID,
        capacity=room_places,
        online_capacity=online_places,
    )
    event.save_revision().publish()
    form_page = BookingFormPage(title="Book a place", slug="book")
    event.add_child(instance=form_page)
    form_page.save_revision().publish()
    return event, form_page


def book_all_at_once(form_url, bookings, threads, answers_for=lambda booker: {}):
    """
    POST `bookings` bookings (distinct e-mail addresses) to the booking form
    from `threads` threads, each thread with its own client and database
    connection. Every round, all the threads wait at a barrier and then
    book together. Returns each booking's status code, and any exception.
    """
    assert bookings % threads == 0, "each thread books the same number of times, so every round is full"
    rounds = bookings // threads
    barrier = threading.Barrier(threads, timeout=BARRIER_TIMEOUT)
    started = form_started_token(timezone.now().timestamp() - 10)
    status_codes = {}
    errors = []
    lock = threading.Lock()

    def book(thread_number):
        client = Client()
        try:
            for round_number in range(rounds):
                barrier.wait()
                email = f"Booker.{round_number}.{thread_number}@Example.NHS.uk"
                data = booking_answers(
                    name=f"Booker {round_number}-{thread_number}",
                    email=email,
                    started=started,
                    **answers_for(round_number * threads + thread_number),
                )
                try:
                    response = client.post(form_url, data)
                except Exception as error:  # noqa: BLE001 (recorded and asserted on below)
                    with lock:
                        errors.append(f"{email}: {error!r}")
                    continue
                with lock:
                    status_codes[email] = response.status_code
        except threading.BrokenBarrierError:
            with lock:
                errors.append(f"thread {thread_number}: the barrier broke (another thread failed)")
        except BaseException as error:
            barrier.abort()
            with lock:
                errors.append(f"thread {thread_number}: {error!r}")
        finally:
            connection.close()

    workers = [threading.Thread(target=book, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=BARRIER_TIMEOUT * rounds + 60)
    assert not any(worker.is_alive() for worker in workers), "a booking thread hung"
    return status_codes, errors


def booked(event):
    bookings = Booking.objects.filter(event=event)
    return {
        "confirmed": bookings.filter(status=BookingStatus.CONFIRMED).count(),
        "waiting": bookings.filter(status=BookingStatus.WAITING).count(),
        "all": bookings.count(),
    }


def run_booking_rush(capacity, bookings, threads=THREADS):
    """The scenario every test here runs: a rush of bookings at one workshop, all at the same moment."""
    event, form_page = workshop_with_booking_form(capacity)
    with override_settings(BOOKING_RATE_LIMIT_ATTEMPTS=100_000):
        status_codes, errors = book_all_at_once(form_page.url, bookings, threads)
    return event, status_codes, errors


def assert_no_overbooking(event, status_codes, errors, capacity, bookings):
    assert errors == []
    assert len(status_codes) == bookings
    not_redirected = {email: code for email, code in status_codes.items() if code != 302}
    assert not_redirected == {}, "every booking is taken (302 to its confirmation), none is refused or fails"
    assert booked(event) == {"confirmed": capacity, "waiting": bookings - capacity, "all": bookings}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rush_of_bookings_never_overbooks_on_postgresql():
    event, status_codes, errors = run_booking_rush(capacity=50, bookings=120)

    assert_no_overbooking(event, status_codes, errors, capacity=50, bookings=120)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rush_for_both_kinds_of_place_fills_each_exactly_on_postgresql():
    """120 bookers at once at a workshop in person (50 places) and online (30): each kind fills exactly."""
    event, form_page = hybrid_workshop_with_booking_form(room_places=50, online_places=30)

    def half_in_person_half_online(booker):
        return {"attends": PlaceKind.IN_PERSON if booker % 2 else PlaceKind.ONLINE}

    with override_settings(BOOKING_RATE_LIMIT_ATTEMPTS=100_000):
        status_codes, errors = book_all_at_once(form_page.url, 120, THREADS, half_in_person_half_online)

    assert errors == []
    assert set(status_codes.values()) == {302}
    bookings = Booking.objects.filter(event=event)
    counts = {
        (kind, status): bookings.filter(attends=kind, status=status).count()
        for kind in PlaceKind
        for status in (BookingStatus.CONFIRMED, BookingStatus.WAITING)
    }
    assert counts == {
        (PlaceKind.IN_PERSON, BookingStatus.CONFIRMED): 50,
        (PlaceKind.IN_PERSON, BookingStatus.WAITING): 10,
        (PlaceKind.ONLINE, BookingStatus.CONFIRMED): 30,
        (PlaceKind.ONLINE, BookingStatus.WAITING): 30,
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_lock_the_same_rush_overbooks(monkeypatch):
    """The control: with no row lock, the same scenario must overbook, or it could not catch a broken lock."""

    def fetch_without_locking(event_id):
        event = EventPage.objects.get(pk=event_id)
        # Widen the race window between counting places and booking one, as
        # a slow request would, so that the overbooking is certain.
        time.sleep(0.02)
        return event

    monkeypatch.setattr(booking_rules, "lock_event_for_booking", fetch_without_locking)

    event, status_codes, errors = run_booking_rush(capacity=50, bookings=120)

    assert errors == []
    assert booked(event)["all"] == 120
    print(f"without the lock: {booked(event)}")
    assert booked(event)["confirmed"] > 50


@pytest.mark.django_db(transaction=True)
def test_a_rush_of_bookings_never_overbooks_on_any_database():
    """The same scenario, smaller, on whichever database the suite runs on (SQLite by default)."""
    event, status_codes, errors = run_booking_rush(capacity=10, bookings=30, threads=10)

    assert_no_overbooking(event, status_codes, errors, capacity=10, bookings=30)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_booking_that_waits_too_long_for_the_lock_is_asked_to_try_again(monkeypatch):
    """Someone holds the workshop's lock (a stuck transaction): the visitor gets "try again", not a hang or a 500."""
    event, form_page = workshop_with_booking_form(capacity=50)
    monkeypatch.setattr(booking_rules, "LOCK_TIMEOUT", "100ms")
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                EventPage.objects.select_for_update(of=("self",)).get(pk=event.pk)
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        response = Client().post(form_page.url, booking_answers())
    finally:
        release.set()
        holder.join(timeout=30)

    assert response.status_code == 503
    content = response.content.decode()
    assert "Nothing has been booked yet: please send the form again." in content
    assert 'value="Jo Smith"' in content, "the answers are kept for the second try"
    assert not Booking.objects.filter(event=event).exists()
