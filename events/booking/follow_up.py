"""
After a workshop: the one follow-up e-mail to each person who had a place,
and the news, once, that the workshop's report is published.

Who: every confirmed place (not waiting, cancelled or handed over), not
erased, with an e-mail address (recipients()). What each is sent depends on
their attendance when it is sent: someone marked attended is thanked and
sent the materials, the feedback link (while the workshop has a live
feedback form and they have not answered it) and their certificate link;
anyone else is sorry to have been missed and sent the materials only, and
only if there is something to send them (materials, the recording or a
public report): otherwise they are not sent one (not recorded, nor left
waiting; one recorded whose materials are gone by its sending is
unrecorded rather than sent empty). Send now sends it to them once there
is something.

When: the schedule (send_workshop_follow_ups, each morning) records the
follow-ups of the workshops held before today, and no more than
FOLLOW_UP_WITHIN_DAYS ago, that are live, going ahead (not cancelled or
postponed), and neither held back nor already recorded. A booking whose kind
of place had no attendance taken (AttendanceTaken: nobody checked anyone in
at the door, or the online attendance report was not uploaded) waits: sent
now, an attendee would be told they were missed, and never get their
feedback and certificate links. Its follow-up is recorded on the first
morning after its attendance is taken, within the window; an administrator's
"Send now" sends it at once, counting it as not attended. (At a workshop
moved online, its one register counts for every kind of place: attendance.py.)
A workshop with a feedback form never published waits too, as its e-mails
would go without the feedback link. Workshops held before follow-ups began
were marked recorded when they were deployed (migration 0023).

The record, at two levels:
- Each booking's follow-up is a BookingEmail of kind FOLLOW_UP, recorded
  and then sent as every booking e-mail is (emails.py). The database holds
  at most one per booking (a unique constraint), so runs that overlap (cron
  on two servers, "Send now" while the schedule runs) skip the ones already
  recorded, and nobody is sent it twice.
- The workshop's FollowUp row: held back (by whom, when), and recorded_at,
  the moment the follow-up was complete: every booking then due had its
  e-mail, none was left waiting for its attendance. Until then, the
  schedule looks at the workshop again each morning; some bookings may have
  theirs meanwhile (the follow-up is partial, and the admin says so).

The report's notice (tell_attendees_of_the_report, called by the reports app
when a public report naming the workshop is published) goes to each booking
marked attended whose follow-up was already recorded, once (a unique
constraint too); those whose follow-up is still to come find the report in
it. Both e-mails name the workshop's live, public reports as they are when
the e-mail is sent (event.reports: events never imports reports).
"""

from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from wagtail.log_actions import log

from home.restrictions import private_q

from ..formatting import format_date
from ..models import (
    Booking,
    BookingEmail,
    BookingEmailKind,
    BookingStatus,
    EventPage,
    EventStatus,
    FeedbackFormPage,
    FollowUp,
    PlaceKind,
)
from .attendance import attendance_taken_kinds
from .emails import delivery_status, enqueue_sending, format_moment, site_root_url
from .feedback import has_given_feedback, live_feedback_form
from .links import certificate_url, feedback_url

# Whoever an e-mail reaches (it may be forwarded): nobody signed in, no
# private collection's password given. The e-mail lists only the documents
# such a person may open.
ANYONE = SimpleNamespace(session={}, user=AnonymousUser())

NOT_GOING_AHEAD = (EventStatus.CANCELLED, EventStatus.POSTPONED)


def recipients(event):
    """The bookings a workshop's follow-up goes to: confirmed places, not erased, with an e-mail address."""
    return event.bookings.confirmed().filter(erased_at=None, handed_over_to=None).exclude(email="")


def _has_email(kind):
    return Exists(BookingEmail.objects.filter(booking=OuterRef("pk"), kind=kind))


def _record(booking, kind):
    """Record one e-mail of a kind the database allows once per booking: its id, or None if it was already."""
    try:
        with transaction.atomic():
            return BookingEmail.objects.create(booking=booking, kind=kind, recipient=booking.email).pk
    except IntegrityError:
        # Another run (the other server's cron, "Send now") recorded it first.
        return None


def record_follow_ups(event, everyone=False):
    """
    Record the follow-up of each booking at the workshop that has none yet
    and whose attendance has been taken (everyone: taken or not, for "Send
    now"), and the workshop's follow-up as recorded once none is left
    waiting. Returns (the ids of the e-mails recorded, how many wait).
    """
    taken = attendance_taken_kinds(event)
    for_those_who_missed_it = something_for_those_who_missed_it(event)
    due = (
        recipients(event).exclude(_has_email(BookingEmailKind.FOLLOW_UP)).only("pk", "email", "attends", "attended_at")
    )
    recorded, waiting = [], 0
    for booking in due:
        attended = booking.attended_at is not None
        if not everyone and not attended and booking.attends not in taken:
            waiting += 1
            continue
        if not attended and not for_those_who_missed_it:
            # Not needed: "Sorry we missed you" and nothing more. Not
            # waiting either; Send now sends it once there is something.
            continue
        record_id = _record(booking, BookingEmailKind.FOLLOW_UP)
        if record_id is not None:
            recorded.append(record_id)
    if not waiting:
        FollowUp.objects.get_or_create(event=event)
        FollowUp.objects.filter(event=event, recorded_at=None).update(recorded_at=timezone.now())
    return recorded, waiting


def workshops_due(today=None):
    """
    The workshops whose follow-up the schedule records today: held before
    today and no more than FOLLOW_UP_WITHIN_DAYS ago, live, going ahead,
    with a confirmed place, and neither held back nor recorded already.
    """
    today = today or timezone.localdate()
    return (
        EventPage.objects.live()
        .filter(date__lt=today, date__gte=today - timedelta(days=settings.FOLLOW_UP_WITHIN_DAYS))
        .exclude(status__in=NOT_GOING_AHEAD)
        .filter(Q(follow_up=None) | Q(follow_up__held_back_at=None, follow_up__recorded_at=None))
        .filter(Exists(Booking.objects.filter(event=OuterRef("pk"), status=BookingStatus.CONFIRMED)))
        .order_by("date", "pk")
    )


def feedback_form_never_published(event):
    """
    Whether the workshop has a feedback form that was never published: the
    schedule waits for it, as a follow-up sent now would go without its
    link, and nobody could give their feedback.
    """
    return FeedbackFormPage.objects.child_of(event).filter(first_published_at=None).exists()


def feedback_form_not_live(event):
    """Whether the workshop has a feedback form that is not live now (the follow-up would go without its link)."""
    return live_feedback_form(event) is None and FeedbackFormPage.objects.child_of(event).exists()


def record_due_follow_ups(today=None):
    """What the schedule does each morning: (the ids of the e-mails recorded, how many wait for their attendance)."""
    recorded, waiting = [], 0
    for event in workshops_due(today):
        if feedback_form_never_published(event):
            continue
        event_recorded, event_waiting = record_follow_ups(event)
        recorded += event_recorded
        waiting += event_waiting
    return recorded, waiting


# An administrator's decisions -------------------------------------------------


def hold_back(event, user):
    """Keep the schedule from sending the workshop's follow-up until it is released. True if it was not held back."""
    FollowUp.objects.get_or_create(event=event)
    not_held = FollowUp.objects.filter(event=event, held_back_at=None)
    held = not_held.update(held_back_at=timezone.now(), held_back_by=user)
    if held:
        log(instance=event, action="events.hold_back_follow_up", user=user)
    return bool(held)


def release(event, user):
    """Let the schedule send a follow-up that was held back. True if it was held back."""
    released = (
        FollowUp.objects.filter(event=event).exclude(held_back_at=None).update(held_back_at=None, held_back_by=None)
    )
    if released:
        log(instance=event, action="events.release_follow_up", user=user)
    return bool(released)


def send_now(event, user):
    """
    Record the follow-up of everyone at the workshop who has none yet,
    whether or not their attendance was taken (counted as not attended),
    releasing it if it was held back, and queue their sending. Returns the
    ids of the e-mails recorded.
    """
    with transaction.atomic():
        FollowUp.objects.filter(event=event).exclude(held_back_at=None).update(held_back_at=None, held_back_by=None)
        recorded, _ = record_follow_ups(event, everyone=True)
        if recorded:
            log(instance=event, action="events.send_follow_up_now", user=user, data={"recorded": len(recorded)})
        for record_id in recorded:
            transaction.on_commit(lambda record_id=record_id: enqueue_sending(record_id))
    return recorded


# The report's notice ------------------------------------------------------------


def tell_attendees_of_the_report(event):
    """
    A public report of the workshop has been published: tell, once, each
    booking marked attended whose follow-up was already recorded. Returns
    the ids of the e-mails recorded; each is sent once the transaction
    publishing the report commits.
    """
    due = (
        recipients(event)
        .filter(attended_at__isnull=False)
        .filter(_has_email(BookingEmailKind.FOLLOW_UP))
        .exclude(_has_email(BookingEmailKind.REPORT_PUBLISHED))
        .only("pk", "email")
    )
    recorded = [record_id for booking in due if (record_id := _record(booking, BookingEmailKind.REPORT_PUBLISHED))]
    for record_id in recorded:
        transaction.on_commit(lambda record_id=record_id: enqueue_sending(record_id))
    return recorded


# What the e-mails say -----------------------------------------------------------


def public_reports(event):
    """The workshop's live reports that anyone may read, newest first: (title, full address) each."""
    reports = event.reports.live().exclude(private_q()).defer("body").order_by("-publication_date", "-pk")
    return [{"title": report.title, "url": report.get_full_url()} for report in reports]


def materials_for_email(event):
    """
    The documents from the workshop that anyone may open, each with its full
    address, type and size and who presented it, and the recording.
    """
    from home.documents import describe_document, may_open_document

    root = site_root_url(event)
    return [
        {
            "title": material.document.title,
            "url": root + material.document.url,
            "description": describe_document(material.document),
            "presented_by": material.presented_by,
        }
        for material in event.materials.select_related("document__collection")
        if may_open_document(material.document, ANYONE)
    ]


def something_for_those_who_missed_it(event):
    """Whether a follow-up has anything for someone not marked attended: materials, the recording or a report."""
    return bool(event.recording_url or materials_for_email(event) or public_reports(event))


def is_not_needed(record):
    """A follow-up to someone not marked attended, with nothing (any longer) to send them: not to be sent."""
    return (
        record.kind == BookingEmailKind.FOLLOW_UP
        and record.booking.attended_at is None
        and not something_for_those_who_missed_it(record.booking.event)
    )


def email_content(record):
    """What a follow-up or a report's notice adds to a booking e-mail's context (emails.email_context)."""
    booking, event = record.booking, record.booking.event
    attended = booking.attended_at is not None
    content = {"attended": attended, "reports": public_reports(event)}
    if record.kind == BookingEmailKind.FOLLOW_UP:
        content.update(
            materials=materials_for_email(event),
            recording_url=event.recording_url,
            recording_has_captions=event.recording_has_captions,
            feedback_url=(
                feedback_url(booking)
                if attended and live_feedback_form(event) is not None and not has_given_feedback(booking)
                else ""
            ),
            certificate_url=certificate_url(booking) if attended else "",
        )
    return content


# The admin's account of it ----------------------------------------------------


@dataclass
class FollowUpState:
    """A workshop's follow-up, as the panel on its bookings page tells it."""

    words: list
    counts: dict
    can_hold_back: bool
    can_release: bool
    can_send_now: bool
    # Of the bookings without it: all of them, and those whose attendance was not taken for their kind of place.
    left_to_send: int
    attendance_not_recorded: int


def kinds_in_words(kinds):
    return " and ".join(
        "in-person places" if kind == PlaceKind.IN_PERSON else "online places" for kind in sorted(kinds)
    )


def people(count):
    return f"{count} {'person' if count == 1 else 'people'}"


def follow_up_state(event, today=None):
    """
    Where the workshop's follow-up stands, in sentences: not due yet, held
    back, waiting for attendance, recorded (with what became of the e-mails),
    and what an administrator may do about it. A few small queries.
    """
    today = today or timezone.localdate()
    follow_up = FollowUp.objects.select_related("held_back_by").filter(event=event).first()
    emails = BookingEmail.objects.filter(booking__event=event, kind=BookingEmailKind.FOLLOW_UP)
    counts = emails.aggregate(
        recorded=Count("pk"),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        failed=Count("pk", filter=Q(sent_at=None, failed_at__isnull=False)),
    )
    counts["to_come"] = counts["recorded"] - counts["sent"] - counts["failed"]
    left = recipients(event).exclude(_has_email(BookingEmailKind.FOLLOW_UP))
    taken = attendance_taken_kinds(event)
    left_attended = left.exclude(attended_at=None).count()
    unmarked_by_kind = dict(left.filter(attended_at=None).values_list("attends").annotate(count=Count("pk")).order_by())
    waiting_kinds = {kind for kind in unmarked_by_kind if kind not in taken}
    waiting = sum(unmarked_by_kind[kind] for kind in waiting_kinds)
    for_those_who_missed_it = something_for_those_who_missed_it(event)
    # Not needed (nothing to send them): those not marked attended at a register that was kept.
    not_needed = 0 if for_those_who_missed_it else sum(unmarked_by_kind.values()) - waiting
    # Whom Send now would send it to.
    left_to_send = left_attended + (sum(unmarked_by_kind.values()) if for_those_who_missed_it else 0)
    attendance_not_recorded = waiting if for_those_who_missed_it else 0
    held = follow_up is not None and follow_up.is_held_back
    recorded_at = follow_up.recorded_at if follow_up else None
    day_over = event.date < today
    going_ahead = event.status not in NOT_GOING_AHEAD
    last_day = event.date + timedelta(days=settings.FOLLOW_UP_WITHIN_DAYS)

    waits_for_the_form = (
        going_ahead and not held and recorded_at is None and last_day >= today and feedback_form_never_published(event)
    )
    words = []
    if going_ahead and (left_to_send or not day_over) and feedback_form_not_live(event):
        words.append(
            "The feedback form is not published: the follow-up will be sent without its link. Publish it first, "
            "or hold the follow-up back."
        )
    if waits_for_the_form:
        words.append(f"The schedule waits for it to be published, until {format_date(last_day)}.")
    if not going_ahead:
        kind, status = event.get_event_type_display().lower(), event.get_status_display().lower()
        words.append(f"Not sent: the {kind} was {status}.")
    elif not day_over:
        words.append(
            f"Not due until {format_date(event.date + timedelta(days=1))}, the day after the "
            f"{event.get_event_type_display().lower()}: the schedule sends it that morning to everyone with a place."
        )
    if held:
        by = _name_of(follow_up.held_back_by)
        words.append(
            f"Held back by {by} on {format_moment(follow_up.held_back_at)}: nobody is sent it until it is released."
        )
    if counts["recorded"]:
        when = f" on {format_moment(recorded_at)}" if recorded_at else ""
        outcomes = [f"{counts['sent']} sent"]
        if counts["failed"]:
            outcomes.append(f"{counts['failed']} not delivered yet (retried every 10 minutes)")
        if counts["to_come"]:
            outcomes.append(f"{counts['to_come']} being sent")
        words.append(f"Recorded{when} for {people(counts['recorded'])}: {', '.join(outcomes)}.")
    elif recorded_at and not (left_to_send or not_needed):
        words.append(f"Recorded on {format_moment(recorded_at)}: nobody had a place with an e-mail address.")
    if going_ahead and day_over and not_needed:
        words.append(
            f"Not sent to {people(not_needed)} not marked attended: there is nothing to send them (no materials, "
            "recording or public report). Once there is, Send now sends it to them."
        )
    if going_ahead and day_over and left_to_send and recorded_at:
        # Recorded as done, so the schedule looks no more: only Send now sends it to them.
        if counts["recorded"]:
            words.append(
                f"Not sent to {people(left_to_send)}, who were not due it when it was recorded. "
                "Send now sends it to them."
            )
        else:
            words.append(
                "Not sent: held before follow-ups began, or with nothing to send when it was recorded. "
                f"Send now sends it to {people(left_to_send)}."
            )
    elif going_ahead and day_over and left_to_send:
        if last_day < today:
            words.append(
                f"Not sent to {people(left_to_send)}: the schedule sends follow-ups only within "
                f"{settings.FOLLOW_UP_WITHIN_DAYS} days of the {event.get_event_type_display().lower()}. "
                "Send now sends it to them."
            )
        elif not held and not waits_for_the_form and left_to_send > attendance_not_recorded:
            words.append(
                f"Due for {people(left_to_send - attendance_not_recorded)}: the schedule sends it on its next "
                "morning run."
            )
    if going_ahead and day_over and not held and last_day >= today and waiting:
        send_now_words = " Send now sends it to them as people who did not attend." if for_those_who_missed_it else ""
        words.append(
            f"Waiting for attendance to be recorded for {kinds_in_words(waiting_kinds)} "
            f"({people(waiting)}): their follow-up is sent the morning after it is, until "
            f"{format_date(last_day)}.{send_now_words}"
        )
    return FollowUpState(
        words=words,
        counts=counts,
        can_hold_back=going_ahead and not held and recorded_at is None and bool(left_to_send or not day_over),
        can_release=held,
        can_send_now=going_ahead and day_over and bool(left_to_send),
        left_to_send=left_to_send,
        attendance_not_recorded=attendance_not_recorded,
    )


def _name_of(user):
    if user is None:
        return "an administrator whose account has since been removed"
    return user.get_full_name() or user.get_username()


def follow_ups_of(bookings):
    """{booking id: its follow-up e-mail} for a page of a workshop's bookings, in one query."""
    ids = [booking.pk for booking in bookings]
    records = BookingEmail.objects.filter(booking__in=ids, kind=BookingEmailKind.FOLLOW_UP)
    return {record.booking_id: record for record in records}


def follow_up_in_a_few_words(record, now=None):
    """One booking's follow-up in the workshop's bookings list ("" if none); the booking's own page says more."""
    if record is None:
        return ""
    if record.sent_at:
        return f"Sent {format_moment(record.sent_at)}"
    if record.failed_at:
        return "Not delivered: will retry"
    return delivery_status(record, now)
