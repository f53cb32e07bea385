"""
The booking commands cron runs: reminders (never twice), retrying e-mails
that failed, and purging personal data after the retention period. And a
capacity raised by an editor going at once to the people waiting.
"""

import io
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone

from events.models import Booking, BookingEmail, BookingEmailKind, BookingStatus, EventStatus
from tests.conftest import calendar_invitations
from tests.events.factories import add_booking_form, add_event, make_booking

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "tests.events.test_booking.FailingBackend"


def days_from_today(days):
    return timezone.localdate() + timedelta(days=days)


def run(command, *args, **options):
    output = io.StringIO()
    call_command(command, *args, stdout=output, **options)
    return output.getvalue().strip()


def workshop_with_form(index, slug, days, **fields):
    event = add_event(index, slug, days_from_today(days), title=slug.replace("-", " ").capitalize(), **fields)
    return add_booking_form(event)


# Reminders ----------------------------------------------------------------------


def test_reminders_go_to_people_with_a_place_at_a_workshop_in_the_next_days(index, settings):
    settings.BOOKING_REMINDER_DAYS = 2
    soon = workshop_with_form(index, "soon-workshop", 2)
    later = workshop_with_form(index, "later-workshop", 3)
    make_booking(soon, email="confirmed@example.nhs.uk")
    make_booking(soon, BookingStatus.WAITING, email="waiting@example.nhs.uk")
    make_booking(soon, BookingStatus.CANCELLED, email="cancelled@example.nhs.uk")
    make_booking(later, email="later@example.nhs.uk")

    output = run("send_booking_reminders")

    assert output == "Reminders sent: 1. Failed (retry_booking_emails will retry them): 0."
    (reminder,) = mail.outbox
    assert reminder.to == ["confirmed@example.nhs.uk"]
    assert reminder.subject.startswith("Reminder: Soon workshop")
    assert calendar_invitations(reminder)
    assert "/bookings/cancel/" in reminder.body


def test_nobody_is_reminded_twice(index):
    form_page = workshop_with_form(index, "soon-workshop", 1)
    make_booking(form_page, email="confirmed@example.nhs.uk")

    run("send_booking_reminders")
    again = run("send_booking_reminders")

    assert again.startswith("Reminders sent: 0.")
    assert len(mail.outbox) == 1
    assert BookingEmail.objects.filter(kind=BookingEmailKind.REMINDER).count() == 1


def test_a_reminder_that_fails_is_recorded_and_not_sent_again_by_the_reminder_command(index, settings):
    form_page = workshop_with_form(index, "soon-workshop", 1)
    make_booking(form_page, email="confirmed@example.nhs.uk")
    settings.EMAIL_BACKEND = FAILING_BACKEND

    output = run("send_booking_reminders")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    again = run("send_booking_reminders")

    assert output == "Reminders sent: 0. Failed (retry_booking_emails will retry them): 1."
    assert again.startswith("Reminders sent: 0.")
    record = BookingEmail.objects.get(kind=BookingEmailKind.REMINDER)
    assert record.sent_at is None and record.failed_at is not None
    assert "Connection refused" in record.error


def test_no_reminders_for_a_cancelled_or_postponed_workshop(index):
    cancelled = workshop_with_form(index, "cancelled-workshop", 1, status=EventStatus.CANCELLED)
    postponed = workshop_with_form(index, "postponed-workshop", 1, status=EventStatus.POSTPONED)
    make_booking(cancelled, email="one@example.nhs.uk")
    make_booking(postponed, email="two@example.nhs.uk")

    assert run("send_booking_reminders").startswith("Reminders sent: 0.")
    assert mail.outbox == []


# Retrying e-mails that failed ---------------------------------------------------


def test_failed_emails_are_sent_again_by_the_retry_command(index, settings):
    form_page = workshop_with_form(index, "spring-workshop", 20)
    booking = make_booking(form_page, email="jo@example.nhs.uk")
    settings.EMAIL_BACKEND = FAILING_BACKEND
    from events.booking.emails import queue_email, send_booking_email

    record = queue_email(booking, BookingEmailKind.CONFIRMATION)
    assert send_booking_email(record.pk) is False
    BookingEmail.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    still_down = run("retry_booking_emails")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    back_up = run("retry_booking_emails")
    nothing_left = run("retry_booking_emails")

    assert still_down == "Booking e-mails sent: 0. Still failing: 1."
    assert back_up == "Booking e-mails sent: 1. Still failing: 0."
    assert nothing_left == "Booking e-mails sent: 0. Still failing: 0."
    record.refresh_from_db()
    assert record.sent_at is not None and record.attempts == 3 and record.error == ""
    (message,) = mail.outbox
    assert message.subject.startswith("Booking confirmed: Spring workshop")


def test_the_retry_command_gives_up_after_the_attempts_allowed(index, settings):
    form_page = workshop_with_form(index, "spring-workshop", 20)
    record = BookingEmail.objects.create(
        booking=make_booking(form_page, email="jo@example.nhs.uk"),
        kind=BookingEmailKind.CONFIRMATION,
        recipient="jo@example.nhs.uk",
        created_at=timezone.now() - timedelta(hours=1),
        attempts=3,
    )

    assert run("retry_booking_emails", "--max-attempts", "3") == "Booking e-mails sent: 0. Still failing: 0."
    assert run("retry_booking_emails") == "Booking e-mails sent: 1. Still failing: 0."
    record.refresh_from_db()
    assert record.sent_at is not None


def test_an_email_just_queued_is_left_for_its_own_task_to_send(index):
    form_page = workshop_with_form(index, "spring-workshop", 20)
    BookingEmail.objects.create(
        booking=make_booking(form_page, email="jo@example.nhs.uk"),
        kind=BookingEmailKind.CONFIRMATION,
        recipient="jo@example.nhs.uk",
    )

    assert run("retry_booking_emails") == "Booking e-mails sent: 0. Still failing: 0."
    assert mail.outbox == []


class SlowMailServer(BaseEmailBackend):
    """A mail server so slow that a second retry run (on another server, say) starts while the first is at it."""

    overlapping_runs = []
    started = False

    def send_messages(self, email_messages):
        if not SlowMailServer.started:
            SlowMailServer.started = True
            SlowMailServer.overlapping_runs.append(run("retry_booking_emails"))
        mail.outbox.extend(email_messages)
        return len(email_messages)


def old_unsent_email(form_page, **fields):
    booking = make_booking(form_page)
    return BookingEmail.objects.create(
        booking=booking,
        kind=BookingEmailKind.CONFIRMATION,
        recipient=booking.email,
        created_at=timezone.now() - timedelta(minutes=5),
        **fields,
    )


def test_overlapping_retry_runs_send_each_email_once(index, settings):
    form_page = workshop_with_form(index, "spring-workshop", 20)
    records = [old_unsent_email(form_page), old_unsent_email(form_page)]
    settings.EMAIL_BACKEND = "tests.events.test_booking_commands.SlowMailServer"
    SlowMailServer.overlapping_runs, SlowMailServer.started = [], False
    first = run("retry_booking_emails")
    (second,) = SlowMailServer.overlapping_runs

    # The second run found the first's e-mail being sent, and sent the other.
    assert second == "Booking e-mails sent: 1. Still failing: 0. Being sent by another run: 1."
    assert first == "Booking e-mails sent: 1. Still failing: 0. Being sent by another run: 1."
    assert sorted(message.to[0] for message in mail.outbox) == sorted(record.recipient for record in records)
    assert BookingEmail.objects.filter(sent_at=None).count() == 0
    assert run("retry_booking_emails") == "Booking e-mails sent: 0. Still failing: 0."


def test_an_email_whose_sender_stopped_mid_send_is_shown_and_sent_again_after_the_lease(index, clock, client, log_in):
    from events.booking.emails import SENDING_LEASE

    form_page = workshop_with_form(index, "spring-workshop", 20)
    # Claimed by a sender whose server then stopped: never sent, never failed.
    record = old_unsent_email(form_page, claimed_at=timezone.now() - timedelta(minutes=4))
    BookingEmail.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(minutes=20))

    assert run("retry_booking_emails") == "Booking e-mails sent: 0. Still failing: 0. Being sent by another run: 1."
    assert mail.outbox == [], "another sender may still be at the mail server with it"
    log_in("Booking administrators")
    listing = client.get("/admin/events/booking/").content.decode()
    assert "Not sent: its sender stopped, will retry" in listing

    clock.shift(SENDING_LEASE)
    assert run("retry_booking_emails") == "Booking e-mails sent: 1. Still failing: 0."
    assert len(mail.outbox) == 1
    record.refresh_from_db()
    assert record.sent_at is not None
    assert "its sender stopped" not in client.get("/admin/events/booking/").content.decode()


def database_blinks(monkeypatch, failures):
    """
    The database unreachable for the next `failures` saves of a BookingEmail
    (a restart, a failover), as after the mail server has taken an e-mail.
    """
    save = BookingEmail.save
    left = [failures]

    def blink(record, *args, **kwargs):
        if left[0]:
            left[0] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return save(record, *args, **kwargs)

    monkeypatch.setattr(BookingEmail, "save", blink)


@pytest.fixture
def committed_index(committed_content):
    """News and events, for tests whose saves commit: the sender's retries need a connection outside a transaction."""
    from events.models import NewsAndEventsIndexPage

    return NewsAndEventsIndexPage.objects.get()


@pytest.mark.django_db(transaction=True)
def test_an_email_the_database_could_not_record_at_once_is_recorded_when_it_answers_and_never_sent_again(
    committed_index, clock, monkeypatch
):
    from events.booking import emails

    monkeypatch.setattr(emails, "RECORDING_PAUSES", (0, 0, 0))
    form_page = workshop_with_form(committed_index, "spring-workshop", 20)
    record = old_unsent_email(form_page)
    database_blinks(monkeypatch, failures=2)

    assert emails.send_booking_email(record.pk) is True

    record.refresh_from_db()
    assert record.sent_at is not None and record.attempts == 1
    clock.shift(emails.SENDING_LEASE)
    assert run("retry_booking_emails") == "Booking e-mails sent: 0. Still failing: 0."
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_an_email_sent_while_the_database_stays_away_is_held_by_its_claim_and_logged(
    committed_index, monkeypatch, caplog
):
    from events.booking import emails

    monkeypatch.setattr(emails, "RECORDING_PAUSES", (0, 0))
    form_page = workshop_with_form(committed_index, "spring-workshop", 20)
    record = old_unsent_email(form_page)
    database_blinks(monkeypatch, failures=3)

    with caplog.at_level(logging.ERROR, logger="events.emails"):
        assert emails.send_booking_email(record.pk) is True

    assert len(mail.outbox) == 1
    assert "was sent but could not be recorded" in caplog.text
    record.refresh_from_db()
    assert record.sent_at is None and record.claimed_at is not None
    assert run("retry_booking_emails") == "Booking e-mails sent: 0. Still failing: 0. Being sent by another run: 1."
    assert len(mail.outbox) == 1, "within the lease, nothing sends it again"


@pytest.mark.django_db(transaction=True)
def test_a_claim_the_database_made_but_whose_answer_was_lost_is_known_as_the_senders_own(committed_index, monkeypatch):
    from django.db.models import QuerySet

    from events.booking import emails

    monkeypatch.setattr(emails, "RECORDING_PAUSES", (0, 0))
    form_page = workshop_with_form(committed_index, "spring-workshop", 20)
    record = old_unsent_email(form_page)
    update = QuerySet.update
    lost = []

    def answer_lost(queryset, **changes):
        # The first claim reaches the database and is made; the connection drops before its answer comes back.
        done = update(queryset, **changes)
        if queryset.model is BookingEmail and "claimed_at" in changes and not lost:
            lost.append(done)
            raise OperationalError("server closed the connection unexpectedly")
        return done

    monkeypatch.setattr(QuerySet, "update", answer_lost)

    assert emails.send_booking_email(record.pk) is True

    assert lost == [1]
    assert len(mail.outbox) == 1
    record.refresh_from_db()
    assert record.sent_at is not None


def test_a_database_failure_before_sending_leaves_the_email_free_for_the_next_retry(index, monkeypatch):
    from events.booking import emails

    form_page = workshop_with_form(index, "spring-workshop", 20)
    record = old_unsent_email(form_page)
    build_email = emails.build_email

    def database_gone(record):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(emails, "build_email", database_gone)
    with pytest.raises(OperationalError):
        emails.send_booking_email(record.pk)
    monkeypatch.setattr(emails, "build_email", build_email)

    record.refresh_from_db()
    assert record.claimed_at is None and record.attempts == 0
    assert run("retry_booking_emails") == "Booking e-mails sent: 1. Still failing: 0."
    assert len(mail.outbox) == 1


# Purging personal data ----------------------------------------------------------


@pytest.fixture
def old_and_recent_bookings(index):
    long_ago = workshop_with_form(index, "long-ago-workshop", -400)
    last_month = workshop_with_form(index, "last-month-workshop", -30)
    old = [
        make_booking(long_ago, access_needs="Step-free access", form_data={"session": "Morning"}) for number in range(3)
    ]
    BookingEmail.objects.create(booking=old[0], kind=BookingEmailKind.CONFIRMATION, recipient=old[0].email)
    recent = make_booking(last_month, email="recent@example.nhs.uk")
    return old, recent


def test_a_dry_run_says_what_would_go_and_changes_nothing(old_and_recent_bookings):
    output = run("purge_bookings", "--dry-run")

    cutoff = timezone.localdate() - timedelta(days=365)
    assert output == (
        f"Would erase the personal details in 3 bookings for 1 workshops held before {cutoff:%d %B %Y}. "
        "Nothing has been changed."
    )
    assert not Booking.objects.filter(erased_at__isnull=False).exists()


def test_purging_erases_personal_details_after_the_retention_period_and_is_idempotent(old_and_recent_bookings, caplog):
    old, recent = old_and_recent_bookings

    with caplog.at_level(logging.INFO, logger="events.purge_bookings"):
        first = run("purge_bookings")
    second = run("purge_bookings")

    assert first.startswith("Erased the personal details in 3 bookings for 1 workshops")
    assert second.startswith("Erased the personal details in 0 bookings for 0 workshops")
    assert "Erased personal details in 3 bookings" in caplog.text
    for booking in old:
        booking.refresh_from_db()
        assert booking.erased_at is not None
        assert (booking.name, booking.email, booking.organisation, booking.access_needs) == ("", "", "", "")
        assert booking.form_data == {}
        assert booking.status == BookingStatus.CONFIRMED, "the counts of who came still add up"
    assert BookingEmail.objects.get(booking=old[0]).recipient == ""
    recent.refresh_from_db()
    assert recent.erased_at is None and recent.email == "recent@example.nhs.uk"


def test_the_retention_period_comes_from_the_setting_or_the_option(old_and_recent_bookings):
    with override_settings(BOOKING_RETENTION_DAYS=20):
        assert run("purge_bookings", "--dry-run").startswith("Would erase the personal details in 4 bookings")
    assert run("purge_bookings", "--dry-run", "--days", "1000").startswith(
        "Would erase the personal details in 0 bookings"
    )


def test_no_email_is_sent_about_an_erased_booking(old_and_recent_bookings):
    old, recent = old_and_recent_bookings
    record = BookingEmail.objects.get(booking=old[0])
    BookingEmail.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(hours=1))

    run("purge_bookings")

    assert run("retry_booking_emails") == "Booking e-mails sent: 0. Still failing: 0."
    assert mail.outbox == []


# A capacity raised by an editor -------------------------------------------------


def test_publishing_a_higher_capacity_gives_the_new_places_to_the_people_waiting(
    index, django_capture_on_commit_callbacks
):
    form_page = workshop_with_form(index, "spring-workshop", 20, capacity=1)
    make_booking(form_page, email="first@example.nhs.uk")
    first_waiting = make_booking(form_page, BookingStatus.WAITING, email="second@example.nhs.uk")
    Booking.objects.filter(pk=first_waiting.pk).update(submit_time=timezone.now() - timedelta(minutes=5))
    make_booking(form_page, BookingStatus.WAITING, email="third@example.nhs.uk")
    workshop = form_page.get_parent().specific

    workshop.capacity = 2
    with django_capture_on_commit_callbacks(execute=True):
        workshop.save_revision().publish()

    statuses = dict(Booking.objects.values_list("email", "status"))
    assert statuses == {
        "first@example.nhs.uk": BookingStatus.CONFIRMED,
        "second@example.nhs.uk": BookingStatus.CONFIRMED,
        "third@example.nhs.uk": BookingStatus.WAITING,
    }
    (message,) = mail.outbox
    assert message.to == ["second@example.nhs.uk"]
    assert message.subject.startswith("A place has come up for you")
