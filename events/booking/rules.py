"""
The booking rules: who gets a place, who joins the waiting list, and what
happens when someone cancels.

Capacity is held by the database, not by this process: every change to a
workshop's bookings first locks the workshop's row (SELECT ... FOR UPDATE on
PostgreSQL), so bookings made at the same instant through several app
servers are decided one after another. On SQLite every write transaction
starts with BEGIN IMMEDIATE (see the DATABASES setting), which does the same
for the whole database.

E-mails are recorded in the same transaction and sent only after it commits
(emails.py): a booking never waits for, or fails with, the mail server.
"""

import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from ..models import Booking, BookingEmailKind, BookingStatus, EventPage, EventStatus
from ..models.bookings import normalise_email
from . import questions
from .emails import queue_email

# The name this module's log lines had before it moved into events/booking/:
# monitoring alerts on it (docs/deployment.md, Monitoring).
logger = logging.getLogger("events.booking")


class BookingBusy(Exception):
    """The database stayed too busy to take the booking: the visitor is asked to try again."""


class NoPlaceFree(Exception):
    """An administrator tried to promote someone while every place is taken."""


@dataclass
class BookingResult:
    booking: Booking
    # "confirmed", "waiting" or "already_booked". Never shown to the visitor,
    # who may not own the address (see book_place).
    outcome: str


# How long a booking waits for the workshop's lock on PostgreSQL before it
# gives up (and is retried): a booking holds the lock for milliseconds, so
# a longer wait means something is wrong, and a visitor should not hang.
LOCK_TIMEOUT = "5s"


def lock_event_for_booking(event_id):
    """
    The workshop's row, locked until the transaction ends, so that only one
    booking decision is made at a time for it. of=("self",) locks the
    workshop's own row, not Wagtail's shared page row. (SQLite has no row
    locks: there, each transaction takes the write lock as it begins.)
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
    return EventPage.objects.select_for_update(of=("self",)).get(pk=event_id)


def run_locked(event_id, decide, attempts=4):
    """
    Run decide(event) in a transaction holding the workshop's lock. A
    deadlock or lock timeout is retried after a short, random pause; if the
    database stays busy, BookingBusy.
    """
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return decide(lock_event_for_booking(event_id))
        except OperationalError:
            if attempt == attempts:
                logger.warning("Booking for event %s gave up after %s attempts", event_id, attempts, exc_info=True)
                raise BookingBusy from None
            time.sleep(random.uniform(0.05, 0.2) * attempt)  # noqa: S311 (jitter, not security)


def book_place(page, answers, extra_answers):
    """
    Book a place at the booking form's workshop, or a place on its waiting
    list when every place is taken. A second booking for the same mailbox
    (however its address is written: normalise_email) books nothing: the
    owner of the address is told by e-mail, and the visitor's page says
    nothing a stranger could learn from, since anyone can type a colleague's
    address into the form.
    """
    email = normalise_email(answers["email"])

    def decide(event):
        existing = Booking.objects.filter(event=event, email_normalised=email).first()
        if existing and not existing.is_cancelled:
            tell_of_repeat_request(existing, changed_answers(existing, page, answers, extra_answers))
            return BookingResult(existing, "already_booked")
        # Anyone already waiting comes before a newcomer.
        confirmed = event.bookings.confirmed().count()
        confirmed += len(promote_into_free_places(event, confirmed=confirmed))
        has_room = event.capacity is None or confirmed < event.capacity
        status = BookingStatus.CONFIRMED if has_room else BookingStatus.WAITING
        now = timezone.now()
        booking = existing or Booking(page=page, event=event)
        for name, value in answers.items():
            setattr(booking, name, value)
        booking.form_data = extra_answers
        booking.status = status
        booking.status_changed_at = now
        booking.consented_at = now
        booking.cancelled_at = None
        if existing:
            # Someone who cancelled and books again starts afresh.
            booking.submit_time = now
        booking.save()
        queue_email(booking, kind_for(booking))
        queue_contact_notice(booking)
        return BookingResult(booking, "confirmed" if booking.is_confirmed else "waiting")

    try:
        return run_locked(page.event.pk, decide)
    except IntegrityError:
        # Only reachable if two identical bookings race past the lock (which
        # holds them apart); the database's unique constraint stopped the
        # second, so the first is the booking.
        return run_locked(page.event.pk, decide)


# However often the form is sent with one address, its owner hears of it at
# most once in this time: the form must not become a way to flood a colleague's inbox.
REPEAT_REQUEST_INTERVAL = timedelta(hours=1)


def tell_of_repeat_request(booking, changed=()):
    """
    E-mail the owner of a booking that someone asked to book again with
    their address, naming the questions answered differently this time:
    those answers are not saved (anyone can type a colleague's address, so
    a second request changes nothing), and the owner learns how to change
    them rather than finding them silently dropped.
    """
    recently = timezone.now() - REPEAT_REQUEST_INTERVAL
    if booking.emails.filter(kind=BookingEmailKind.REPEAT_REQUEST, created_at__gte=recently).exists():
        return
    message = ""
    if changed:
        contact = booking.event.booking_contact
        how = (
            "reply to this e-mail"
            if contact and contact.email
            else "contact us"
            if not contact
            else f"contact {contact.name}"
        )
        message = (
            f"This request answered these questions differently: {', '.join(changed)}. Those answers have not "
            f"been saved: your booking keeps the ones you gave when you booked. To change them, {how}."
        )
    queue_email(booking, BookingEmailKind.REPEAT_REQUEST, message=message)


def changed_answers(booking, page, answers, extra_answers):
    """The headings or labels of the questions a second request answered differently from the booking."""
    changed = [
        question.heading
        for question in questions.BOOKING_QUESTIONS
        if question.name != "email"
        and question.name in answers
        and (answers[question.name] or "").strip() != (getattr(booking, question.name) or "").strip()
    ]
    labels = {field.clean_name: field.label for field in page.get_form_fields()}
    stored = booking.form_data or {}
    # Compared as stored: dates and numbers come back from the database's JSON as text.
    answered = json.loads(json.dumps(extra_answers, cls=DjangoJSONEncoder))
    changed += [labels.get(name, name) for name, value in answered.items() if value != stored.get(name)]
    return changed


def kind_for(booking):
    return BookingEmailKind.CONFIRMATION if booking.is_confirmed else BookingEmailKind.WAITING_LIST


def places_free(event):
    if event.capacity is None:
        return True
    return event.bookings.confirmed().count() < event.capacity


def promote_into_free_places(event, confirmed=None):
    """
    Give free places to the waiting list, first come first served, and tell
    each person. `confirmed`: the confirmed count, if the caller has just
    read it under the same lock.
    """
    if event.status in (EventStatus.CANCELLED, EventStatus.POSTPONED) or event.has_started():
        return []
    promoted = []
    if confirmed is None and event.capacity is not None:
        confirmed = event.bookings.confirmed().count()
    free = None if event.capacity is None else event.capacity - confirmed
    waiting = event.bookings.waiting()
    if free is not None:
        waiting = waiting[: max(free, 0)]
    for booking in waiting:
        _set_status(booking, BookingStatus.CONFIRMED)
        queue_email(booking, BookingEmailKind.PROMOTION)
        promoted.append(booking)
    return promoted


def cancel_booking(booking):
    """
    Cancel a booking or a waiting-list place. A confirmed place that frees
    up goes straight to the first person waiting. Returns False if it was
    already cancelled.
    """

    def decide(event):
        current = Booking.objects.get(pk=booking.pk)
        if current.is_cancelled or current.submit_time != booking.submit_time:
            # Already cancelled, or cancelled and booked again since the
            # caller read it: that later booking is not the one to cancel.
            return False
        was_confirmed = current.is_confirmed
        _set_status(current, BookingStatus.CANCELLED)
        if not current.is_erased:
            queue_email(current, BookingEmailKind.CANCELLATION)
            queue_contact_notice(current)
        if was_confirmed:
            promote_into_free_places(event)
        booking.refresh_from_db()
        return True

    return run_locked(booking.event_id, decide)


def promote_booking(booking):
    """Give a waiting-list booking a place, if one is free (an administrator's choice of who)."""

    def decide(event):
        current = Booking.objects.get(pk=booking.pk)
        if not current.is_waiting:
            return False
        if not places_free(event):
            raise NoPlaceFree(f"Every place at {event.title} is taken. Cancel a booking or raise the capacity first.")
        _set_status(current, BookingStatus.CONFIRMED)
        queue_email(current, BookingEmailKind.PROMOTION)
        booking.refresh_from_db()
        return True

    return run_locked(booking.event_id, decide)


def fill_free_places(event):
    """After an editor raises the capacity: promote people waiting into the new places."""
    return run_locked(event.pk, promote_into_free_places)


def _set_status(booking, status):
    now = timezone.now()
    booking.status = status
    booking.status_changed_at = now
    if status == BookingStatus.CANCELLED:
        booking.cancelled_at = now
    booking.save(update_fields=["status", "status_changed_at", "cancelled_at"])


def queue_contact_notice(booking):
    """Tell the workshop's booking contact about a booking, a waiting-list place or a cancellation."""
    contact = booking.event.booking_contact
    if contact and contact.email:
        queue_email(booking, BookingEmailKind.CONTACT_NOTICE, recipient=contact.email)
