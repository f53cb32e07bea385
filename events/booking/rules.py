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
from django.db.models import Count
from django.utils import timezone
from wagtail.log_actions import log

from ..models import Booking, BookingEmailKind, BookingStatus, EventPage, EventStatus, PlaceKind
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
        confirmed = confirmed_by_kind(event)
        promote_into_free_places(event, confirmed)
        now = timezone.now()
        booking = existing or Booking(page=page, event=event)
        for name, value in answers.items():
            setattr(booking, name, value)
        if booking.attends not in event.place_kinds:
            booking.attends = event.only_place_kind
        booking.form_data = extra_answers
        booking.handed_over_to = None
        over_share = is_over_share(event, booking)
        has_room = place_free(event, booking.attends, confirmed) and not over_share
        booking.status = BookingStatus.CONFIRMED if has_room else BookingStatus.WAITING
        booking.status_changed_at = now
        booking.consented_at = now
        booking.cancelled_at = None
        if existing:
            # Someone who cancelled and books again starts afresh.
            booking.submit_time = now
        booking.save()
        queue_email(booking, kind_for(booking), message=share_message(event, booking) if over_share else "")
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


def confirmed_by_kind(event):
    """How many confirmed places of each kind the workshop has, in one query (under its lock)."""
    counts = event.bookings.confirmed().order_by().values("attends").annotate(total=Count("pk"))
    return {row["attends"]: row["total"] for row in counts}


def place_free(event, kind, confirmed=None):
    """
    Whether a place of this kind is free, read under the workshop's lock;
    `confirmed`: confirmed_by_kind, if the caller has just read it.
    """
    capacity = event.capacity_for(kind)
    if capacity is None:
        return True
    if confirmed is None:
        confirmed = confirmed_by_kind(event)
    return confirmed.get(kind, 0) < capacity


# Fair shares ----------------------------------------------------------------
#
# A workshop may give one organisation at most places_per_organisation of
# its limited places, so that one large trust cannot fill the room. An
# organisation is the one chosen from the Collaborative's list, or else the
# name a booker wrote (compared without regard to case or spacing).


def organisation_key(booking):
    if booking.listed_organisation_id:
        return ("listed", booking.listed_organisation_id)
    return ("written", " ".join((booking.organisation or "").split()).casefold())


def limited_kinds(event):
    """The kinds of place the share counts: those with a limit. Nobody is kept out of places without one."""
    return [kind for kind in event.place_kinds if event.capacity_for(kind) is not None]


def share_applies(event, kind):
    return event.places_per_organisation is not None and kind in limited_kinds(event)


def places_held_by_organisation(event):
    """How many limited places each organisation holds at the workshop, by organisation_key."""
    held = {}
    confirmed = event.bookings.confirmed().filter(attends__in=limited_kinds(event))
    for booking in confirmed.only("pk", "listed_organisation_id", "organisation"):
        key = organisation_key(booking)
        held[key] = held.get(key, 0) + 1
    return held


def is_over_share(event, booking, held=None, counted_kind=None):
    """
    Whether giving this booking a place would take its organisation over
    the workshop's share. counted_kind: the kind of place the booking holds
    now, when it is already counted among its organisation's places (a
    confirmed booking moving to the other kind), so as not to count it twice.
    """
    if not share_applies(event, booking.attends):
        return False
    if held is None:
        held = places_held_by_organisation(event)
    already = held.get(organisation_key(booking), 0)
    if counted_kind is not None and counted_kind in limited_kinds(event):
        already -= 1
    return already >= event.places_per_organisation


def share_message(event, booking):
    share = event.places_per_organisation
    places = "place" if share == 1 else "places"
    return (
        f"Each organisation can have at most {share} {places} at this {event.get_event_type_display().lower()}, "
        f"so that more organisations can come, and {booking.organisation} already has {share}. You are on the "
        "waiting list: you will get a place if one is free when someone from your organisation cancels, and "
        "we will e-mail you straight away."
    )


def promote_into_free_places(event, confirmed=None):
    """
    Give free places to the waiting list of each kind, first come first
    served, passing over anyone whose organisation already has its share,
    and tell each person. `confirmed`: confirmed_by_kind, if the caller has
    just read it; it is kept up to date with the places given.
    """
    if event.status in (EventStatus.CANCELLED, EventStatus.POSTPONED) or event.has_started():
        return []
    promoted = []
    if confirmed is None:
        confirmed = confirmed_by_kind(event)
    held = places_held_by_organisation(event) if event.places_per_organisation else {}
    for kind in event.place_kinds:
        capacity = event.capacity_for(kind)
        free = None if capacity is None else capacity - confirmed.get(kind, 0)
        if free is not None and free <= 0:
            # Full: nobody waiting can be given a place, and the waiting list need not be read.
            continue
        for booking in event.bookings.waiting().of_kind(kind):
            if free is not None and free <= 0:
                break
            if is_over_share(event, booking, held):
                continue
            _set_status(booking, BookingStatus.CONFIRMED)
            queue_email(booking, BookingEmailKind.PROMOTION)
            promoted.append(booking)
            confirmed[kind] = confirmed.get(kind, 0) + 1
            if share_applies(event, kind):
                key = organisation_key(booking)
                held[key] = held.get(key, 0) + 1
            if free is not None:
                free -= 1
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
    """
    Give a waiting-list booking a place, if one of its kind is free (an
    administrator's choice of who; they may pass over the organisation's share).
    """

    def decide(event):
        current = Booking.objects.get(pk=booking.pk)
        if not current.is_waiting:
            return False
        if not place_free(event, current.attends):
            kind = f"{current.get_attends_display().lower()} place" if event.offers_a_choice_of_place else "place"
            raise NoPlaceFree(
                f"Every {kind} at {event.title} is taken. Cancel a booking or raise the number of places first."
            )
        _set_status(current, BookingStatus.CONFIRMED)
        queue_email(current, BookingEmailKind.PROMOTION)
        booking.refresh_from_db()
        return True

    return run_locked(booking.event_id, decide)


class ChangeRefused(Exception):
    """A booker's change (how they attend, or handing their place over) cannot be made: the message says why."""


def change_attendance(booking, kind):
    """
    Move a booking to the other kind of place at a workshop in person and
    online. Someone with a place moves only into a free place (and keeps the
    one they have otherwise); the place they leave goes to the first person
    waiting for it. Someone waiting gets a place if one of the new kind is
    free, or else waits for that kind instead, keeping their time in the
    queue. Returns the booking as it now is.
    """

    def decide(event):
        current = Booking.objects.select_related("listed_organisation").get(pk=booking.pk)
        if current.is_cancelled or current.submit_time != booking.submit_time:
            raise ChangeRefused("This booking has been cancelled, so there is nothing to change.")
        if event.has_started():
            raise ChangeRefused("The workshop has started, so bookings can no longer be changed.")
        if kind not in event.place_kinds:
            raise ChangeRefused("This workshop does not offer that kind of place.")
        if current.attends == kind:
            return current
        was_confirmed = current.is_confirmed
        counted = current.attends if was_confirmed else None
        has_room = place_free(event, kind) and not is_over_share(event, _as_kind(current, kind), counted_kind=counted)
        if was_confirmed and not has_room:
            where = "in person" if kind == PlaceKind.IN_PERSON else "online"
            raise ChangeRefused(
                f"Every place {where} is taken, so we could not move you. You keep your place "
                f"{current.get_attends_display().lower()}."
            )
        current.attends = kind
        current.invitation_revision += 1
        if has_room:
            current.status = BookingStatus.CONFIRMED
        current.status_changed_at = timezone.now()
        current.save(update_fields=["attends", "invitation_revision", "status", "status_changed_at"])
        queue_email(current, BookingEmailKind.ATTENDANCE_CHANGED)
        if was_confirmed:
            promote_into_free_places(event)
        return current

    return run_locked(booking.event_id, decide)


def _as_kind(booking, kind):
    """The booking as it would be with the other kind of place, to ask the share about it (not saved)."""
    moved = Booking(pk=booking.pk, listed_organisation_id=booking.listed_organisation_id)
    moved.organisation, moved.attends = booking.organisation, kind
    return moved


def hand_over(booking, colleague):
    """
    Give a booking (a place, or a place on the waiting list) to a named
    colleague: `colleague` holds their name, email, job_title, organisation
    and listed_organisation. The colleague's booking keeps the place's time,
    and so its position; the giver's booking is cancelled and points to it.
    The colleague is sent the confirmation with their own cancel link; the
    giver is told. Returns the colleague's booking.
    """
    email = normalise_email(colleague["email"])

    def decide(event):
        current = Booking.objects.get(pk=booking.pk)
        if current.is_cancelled or current.submit_time != booking.submit_time:
            raise ChangeRefused("This booking has been cancelled, so there is no place to hand over.")
        if event.has_started():
            raise ChangeRefused("The workshop has started, so places can no longer be handed over.")
        if email == current.email_normalised:
            raise ChangeRefused("That is the address this place is already booked with. Enter your colleague's.")
        taken = Booking.objects.filter(event=event, email_normalised=email).first()
        if taken and not taken.is_cancelled:
            raise _AddressBooked(taken)
        received = taken or Booking(page=current.page, event=event)
        for name in ("name", "email", "job_title", "organisation", "listed_organisation"):
            setattr(received, name, colleague[name])
        received.attends = current.attends
        counted = current.attends if current.is_confirmed and same_organisation(current, received) else None
        if current.is_confirmed and is_over_share(event, received, counted_kind=counted):
            share = event.places_per_organisation
            raise ChangeRefused(
                f"Each organisation can have at most {share} {'place' if share == 1 else 'places'} at this "
                f"workshop, and {received.organisation} already has {share}: the place cannot be handed to "
                "someone from it. You keep your place."
            )
        # Their own needs and answers are theirs to give: the giver's are not passed on.
        received.access_needs = received.dietary_needs = ""
        received.form_data = {}
        received.attends, received.status = current.attends, current.status
        received.submit_time = current.submit_time
        received.status_changed_at = timezone.now()
        # Agreed to nothing yet: their e-mail says who gave their details and links the privacy notice.
        received.consented_at = None
        received.cancelled_at = received.attended_at = received.handed_over_to = None
        received.save()
        # Saved with the time the place was first booked, which auto_now_add would have replaced.
        Booking.objects.filter(pk=received.pk).update(submit_time=current.submit_time)
        received.refresh_from_db()
        _set_status(current, BookingStatus.CANCELLED)
        current.handed_over_to = received
        current.save(update_fields=["handed_over_to"])
        queue_email(received, BookingEmailKind.PLACE_RECEIVED)
        queue_email(current, BookingEmailKind.PLACE_HANDED_OVER)
        # The booking contact's list of who is coming changes too: one leaves, one comes.
        queue_contact_notice(current)
        queue_contact_notice(received)
        log(
            instance=event,
            action="events.hand_over_booking",
            user=None,
            data={"booking": current.pk, "to_booking": received.pk},
        )
        return received

    try:
        return run_locked(booking.event_id, decide)
    except _AddressBooked as booked:
        # Said as the booking form says it: not on the page, where anyone
        # with a booking could learn who else has booked, but to the
        # address's owner, by e-mail (after the refused change was rolled back).
        with transaction.atomic():
            tell_of_repeat_request(booked.booking)
        raise ChangeRefused(could_not_hand_to(colleague["email"])) from None
    except IntegrityError:
        # The colleague booked through the form in the same instant: the form's booking stands.
        raise ChangeRefused(could_not_hand_to(colleague["email"])) from None


class _AddressBooked(Exception):
    def __init__(self, booking):
        super().__init__(booking.pk)
        self.booking = booking


def could_not_hand_to(email):
    return (
        f"We could not hand your place to {email}. You keep your place. Check the address, or give the "
        "place to another colleague."
    )


def same_organisation(booking, other):
    return organisation_key(booking) == organisation_key(other)


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
