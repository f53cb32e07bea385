"""
The events app's background work on Django's task framework, as production
runs it: the database backend (django-tasks-db) queues each task in the
site's own database, and a worker process (`manage.py db_worker`) runs it
(tests/conftest.py: queued_in_the_database, run_worker). The rest of the
suite uses the immediate backend (settings/test.py), which runs each task at
once.

Callbacks queued for when a transaction commits run here through
django_capture_on_commit_callbacks, as they would when the booking's
transaction commits.
"""

import io
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from events.models import Booking, BookingEmail, BookingEmailKind
from tests.conftest import run_worker
from tests.events.factories import add_booking_form, add_event, booking_answers, make_booking

pytestmark = pytest.mark.django_db


def queued(task_path):
    return DBTaskResult.objects.filter(task_path=task_path)


def run(command, *args, **options):
    output = io.StringIO()
    call_command(command, *args, stdout=output, **options)
    return output.getvalue().strip()


@pytest.fixture
def form_page(index):
    event = add_event(index, "spring-workshop", timezone.localdate() + timedelta(days=20), capacity=50)
    return add_booking_form(event)


@pytest.fixture
def no_threads(monkeypatch):
    """Fail any attempt to start a thread: background work never runs in a thread of the web process."""

    def refuse(thread):
        raise AssertionError(f"a thread was started: {thread.name}")

    monkeypatch.setattr(threading.Thread, "start", refuse)


def test_a_booking_queues_its_email_and_the_worker_sends_it_once(
    form_page, queued_in_the_database, no_threads, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_page.url, booking_answers())

    assert response.status_code == 302
    assert Booking.objects.get().name == "Jo Smith"
    assert mail.outbox == [], "the visitor's request does not talk to the mail server"
    (task,) = queued("events.tasks.send_booking_email_task")
    assert task.status == "READY"
    record = BookingEmail.objects.get()
    assert task.args_kwargs == {"args": [record.pk], "kwargs": {}}
    assert record.sent_at is None

    run_worker()

    (message,) = mail.outbox
    assert message.to == ["jo.smith@example.nhs.uk"]
    record.refresh_from_db()
    assert record.sent_at is not None and record.attempts == 1
    task.refresh_from_db()
    assert (task.status, task.return_value) == ("SUCCESSFUL", True)
    run_worker()
    assert len(mail.outbox) == 1


def test_the_immediate_backend_sends_at_once_without_a_thread(
    form_page, no_threads, client, django_capture_on_commit_callbacks
):
    """Development and tests: nothing to run but the site, and the e-mail is in the terminal at once."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_page.url, booking_answers())

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert not DBTaskResult.objects.exists()


def test_an_email_no_worker_took_is_shown_as_waiting_and_queued_once_however_often_the_retry_runs(
    form_page, queued_in_the_database, clock, client, log_in, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(form_page.url, booking_answers())
    log_in("Booking administrators")
    assert "Not sent" not in client.get("/admin/events/booking/").content.decode()

    # No worker runs for half an hour, while the schedule's retry runs every 10 minutes.
    for _run in range(3):
        clock.shift(timedelta(minutes=10))
        assert run("retry_booking_emails") == (
            "Booking e-mails sent: 0. Still failing: 0. Already queued for the worker: 1."
        )
    listing = client.get("/admin/events/booking/").content.decode()
    assert "Not sent: still waiting for the background worker" in listing
    assert queued("events.tasks.send_booking_email_task").count() == 1, "the queue does not grow"

    run_worker()

    assert len(mail.outbox) == 1
    assert "Not sent" not in client.get("/admin/events/booking/").content.decode()


def test_a_failed_email_is_queued_again_once_and_a_duplicate_sending_sends_nothing(
    form_page, queued_in_the_database, settings, clock, client, django_capture_on_commit_callbacks
):
    from events.booking.emails import enqueue_sending

    settings.EMAIL_BACKEND = "tests.events.test_booking.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(form_page.url, booking_answers())
    run_worker()
    record = BookingEmail.objects.get()
    record.refresh_from_db()
    assert record.failed_at is not None and record.sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.shift(timedelta(minutes=10))
    assert run("retry_booking_emails") == "Booking e-mails sent: 0. Still failing: 0. Queued for the worker: 1."
    # A sending queued twice for one e-mail (a retry run racing another): it still goes once.
    enqueue_sending(record.pk)
    run_worker()

    assert len(mail.outbox) == 1
    assert sorted(queued("events.tasks.send_booking_email_task").values_list("return_value", flat=True), key=str) == [
        False,
        None,
        True,
    ]


def test_reminders_are_recorded_and_sent_by_the_worker(form_page, queued_in_the_database, settings):
    settings.BOOKING_REMINDER_DAYS = 30
    booking = make_booking(form_page, email="jo@example.nhs.uk")

    output = run("send_booking_reminders")

    assert output.startswith("Reminders queued (task ")
    assert not BookingEmail.objects.exists(), "the worker records them"
    run_worker()
    run_worker()  # The reminders' sending, queued by the first task.
    (message,) = mail.outbox
    assert message.to == ["jo@example.nhs.uk"] and message.subject.startswith("Reminder: ")
    assert BookingEmail.objects.get(booking=booking, kind=BookingEmailKind.REMINDER).sent_at is not None


def test_the_retention_purge_runs_on_the_worker(index, queued_in_the_database, settings):
    event = add_event(index, "old-workshop", timezone.localdate() - timedelta(days=400))
    booking = make_booking(add_booking_form(event), email="jo@example.nhs.uk")

    output = run("purge_bookings")

    assert output.startswith("Queued (task ")
    assert "1 bookings for 1 workshops" in output
    booking.refresh_from_db()
    assert booking.erased_at is None
    run_worker()
    booking.refresh_from_db()
    assert booking.erased_at is not None and booking.email == ""
    assert queued("events.tasks.purge_booking_personal_data_task").get().return_value == 1


def test_a_purge_that_fails_says_so_and_exits_with_an_error(index, monkeypatch):
    from django.core.management.base import CommandError

    from events.booking import privacy as booking_privacy

    def broken(bookings):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(booking_privacy, "erase_personal_data", broken)
    with pytest.raises(CommandError, match="The erasure failed: builtins.RuntimeError"):
        run("purge_bookings")


def test_a_bookings_page_in_the_admin_says_what_became_of_each_email_and_why(
    form_page, queued_in_the_database, settings, clock, client, log_in, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(form_page.url, booking_answers())
    booking = Booking.objects.get()
    log_in("Booking administrators")
    inspect_url = f"/admin/events/booking/inspect/{booking.pk}/"
    assert "Booking confirmed: Queued " in client.get(inspect_url).content.decode()

    clock.shift(timedelta(minutes=11))
    assert "Booking confirmed: Not sent: waiting for the background worker since " in (
        client.get(inspect_url).content.decode()
    )

    settings.EMAIL_BACKEND = "tests.events.test_booking.FailingBackend"
    run_worker()
    page = client.get(inspect_url).content.decode()
    assert "Booking confirmed: Not delivered (1 try, the last " in page
    assert "OSError: Connection refused by the mail server. The schedule tries again every 10 minutes" in page

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clock.shift(timedelta(minutes=2))
    run("retry_booking_emails")
    run_worker()
    assert "Booking confirmed: Sent " in client.get(inspect_url).content.decode()
