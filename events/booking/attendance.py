"""
Who came: checking people in at the door, walk-ins, the online attendance
report, and what a booking's attendance is afterwards.

Each check-in is one small UPDATE of one booking, setting it to what the
person at the door chose (attended, or not), never "the opposite of what it
was": two people checking in on two phones at once can tap the same name
and neither undoes the other, and nothing is read and written back.

A booking's attendance is recorded as the moment it was marked
(Booking.attended_at). Whether someone did not attend follows from that
and from whether attendance was taken at all for their kind of place
(AttendanceTaken): nobody is counted absent from a register nobody kept.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from home import page_cache

from ..models import (
    WORKSHOP_FIGURES,
    AttendanceTaken,
    Booking,
    BookingStatus,
    Certificate,
    EventStatus,
    PlaceKind,
)
from ..models.bookings import normalise_email


class Attendance:
    """A booking's attendance, as the register, the exports and the counts name it."""

    ATTENDED = "Attended"
    DID_NOT_ATTEND = "Did not attend"
    NOT_RECORDED = "Not recorded"


def attendance_changed():
    """
    Refresh what cites workshops' figures (a report's "Workshop figures"):
    attendance is marked by UPDATE, which tells the page cache nothing by itself.
    """
    page_cache.forget_cached_pages(scopes=[WORKSHOP_FIGURES])


def note_attendance_taken(event, kind):
    """
    Record, once, that attendance is being taken for this kind of place.
    At a workshop moved online everyone joined online whatever place they
    booked: its one register (the online report, or marking by hand)
    counts for every kind, so nobody waits for a door nobody stood at.
    """
    kinds = PlaceKind.values if event.status == EventStatus.MOVED_ONLINE else [kind]
    for each in kinds:
        if AttendanceTaken.objects.filter(event=event, place_kind=each).exists():
            continue
        try:
            with transaction.atomic():
                AttendanceTaken.objects.create(event=event, place_kind=each)
        except IntegrityError:
            pass  # the other phone recorded it in the same instant


def mark_attended(event, booking_id, attended):
    """
    Mark one confirmed booking at the event as attended (or, to undo, not):
    True if there is such a booking. Marking someone already marked keeps
    the time they were first marked.
    """
    bookings = Booking.objects.filter(pk=booking_id, event=event, status=BookingStatus.CONFIRMED, erased_at=None)
    kind = bookings.values_list("attends", flat=True).first()
    if kind is None:
        return False
    if attended:
        changed = bookings.filter(attended_at=None).update(attended_at=timezone.now())
    else:
        with transaction.atomic():
            changed = bookings.exclude(attended_at=None).update(attended_at=None)
            # Nothing left to certify: a certificate already made no longer
            # downloads nor checks as genuine. (Each use checks attended_at
            # too, for a certificate made in this very instant.)
            Certificate.objects.filter(booking_id=booking_id).delete()
    if changed:
        attendance_changed()
    note_attendance_taken(event, kind)
    return True


def arrival_counts(event, kind=PlaceKind.IN_PERSON):
    """(arrived, expected) among the confirmed places of a kind, in one query."""
    counts = (
        event.bookings.confirmed()
        .of_kind(kind)
        .aggregate(expected=Count("pk"), arrived=Count("pk", filter=Q(attended_at__isnull=False)))
    )
    return counts["arrived"], counts["expected"]


def add_walk_in(event, page, *, name, organisation, listed_organisation=None, email="", job_title=""):
    """
    Someone who came without a booking: they get a confirmed, attended,
    in-person booking (even beyond the room's number: they are in it). One
    who gives the address of a booking they already have is checked in on
    that booking instead. Returns (booking, whether it was new).
    """
    from .rules import run_locked

    normalised = normalise_email(email) if email else ""
    now = timezone.now()

    def decide(event):
        existing = Booking.objects.filter(event=event, email_normalised=normalised).first() if normalised else None
        if existing and existing.is_confirmed:
            if Booking.objects.filter(pk=existing.pk, attended_at=None).update(attended_at=now):
                attendance_changed()
            note_attendance_taken(event, existing.attends)
            existing.refresh_from_db()
            return existing, False
        # Wagtail's submissions store the answers to a form's own questions, which a walk-in was not asked.
        booking = existing or Booking(page=page, event=event, form_data={})
        booking.name, booking.organisation, booking.listed_organisation = name, organisation, listed_organisation
        booking.email, booking.job_title = email, job_title
        booking.status, booking.status_changed_at = BookingStatus.CONFIRMED, now
        booking.attends, booking.attended_at, booking.is_walk_in = PlaceKind.IN_PERSON, now, True
        booking.cancelled_at = booking.handed_over_to = None
        booking.save()
        note_attendance_taken(event, PlaceKind.IN_PERSON)
        return booking, True

    return run_locked(event.pk, decide)


@dataclass
class ReportMatch:
    """What an uploaded attendance report did: who it marked, who was marked already, who it could not match."""

    marked: list = field(default_factory=list)
    already_marked: list = field(default_factory=list)
    unmatched: list = field(default_factory=list)


def record_online_attendance(event, attendees):
    """
    Mark as attended the confirmed bookers whose e-mail address is in the
    videoconference service's attendance report (attendees: objects with
    .name and .email). Anyone with a place, of either kind, who is in the
    report joined; the report's other people are listed as unmatched.
    """
    bookings = {
        booking.email_normalised: booking
        for booking in event.bookings.confirmed().filter(erased_at=None).exclude(email_normalised="")
    }
    result = ReportMatch()
    now = timezone.now()
    to_mark = []
    for attendee in attendees:
        booking = bookings.get(normalise_email(attendee.email)) if attendee.email else None
        if booking is None:
            result.unmatched.append(attendee)
        elif booking.attended_at:
            result.already_marked.append(booking)
        else:
            to_mark.append(booking.pk)
            booking.attended_at = now
            result.marked.append(booking)
    if Booking.objects.filter(pk__in=to_mark, attended_at=None).update(attended_at=now):
        attendance_changed()
    note_attendance_taken(event, PlaceKind.ONLINE)
    return result


def attendance_taken_kinds(event):
    return set(AttendanceTaken.objects.filter(event=event).values_list("place_kind", flat=True))


def attendance_of(booking, event, taken_kinds, today=None):
    """
    A booking's attendance in words: attended; did not attend (a place,
    after the day, at a register that was kept); otherwise not recorded.
    "" for a booking with no place.
    """
    if booking.attended_at:
        return Attendance.ATTENDED
    if not booking.is_confirmed:
        return ""
    today = today or timezone.localdate()
    if event.date < today and booking.attends in taken_kinds:
        return Attendance.DID_NOT_ATTEND
    return Attendance.NOT_RECORDED


def with_attendance(bookings, today=None):
    """
    Bookings annotated with `attendance` (the words of attendance_of) in the
    same query, for lists, exports and counts over many workshops.
    """
    today = today or timezone.localdate()
    taken = AttendanceTaken.objects.filter(event=OuterRef("event"), place_kind=OuterRef("attends"))
    return bookings.annotate(
        attendance=Case(
            When(attended_at__isnull=False, then=Value(Attendance.ATTENDED)),
            When(~Q(status=BookingStatus.CONFIRMED), then=Value("")),
            When(Q(event__date__lt=today) & Exists(taken), then=Value(Attendance.DID_NOT_ATTEND)),
            default=Value(Attendance.NOT_RECORDED),
        )
    )


def attendance_totals(bookings):
    """{attended, did_not_attend, not_recorded} over bookings annotated by with_attendance: one query."""
    return bookings.aggregate(
        attended=Count("pk", filter=Q(attendance=Attendance.ATTENDED)),
        did_not_attend=Count("pk", filter=Q(attendance=Attendance.DID_NOT_ATTEND)),
        not_recorded=Count("pk", filter=Q(attendance=Attendance.NOT_RECORDED)),
    )
