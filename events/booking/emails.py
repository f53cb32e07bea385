"""
E-mails about bookings, in plain text and NHS-styled HTML.

Each e-mail is first recorded as a BookingEmail row, in the transaction that
changes the booking, and once that transaction has committed a task is
queued to send it (events/tasks.py, on Django's task framework). In
production the task waits in the database for a worker process (`manage.py
db_worker`), so a slow mail server never holds up the visitor's page and
never takes more database connections than there are workers; in
development and tests it runs at once. A failure is written on the row (and
shown to administrators); an e-mail whose task never ran (no worker, or its
worker died with it) is still unsent on its row; `retry_booking_emails`
queues either again. The booking itself always stands.

Each sender first claims the row (send_booking_email), so an e-mail goes
out at most once however many senders overlap: its own task, and retry runs
on several servers at once. The e-mail is built before the claim, and the
claim and the outcome ride out a database that is briefly unreachable
(RECORDING_PAUSES), so that a database restart neither holds an unsent
e-mail nor sends one twice. One whose sender died mid-send is sent
again once SENDING_LEASE has passed, and meanwhile is shown as not sent in
the admin's Bookings list.
"""

import logging
import time
from datetime import timedelta
from email.mime.text import MIMEText

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone

from ..calendar import METHOD, build_calendar, event_location
from ..formatting import format_date
from ..models import AttendanceMode, BookingEmail, BookingEmailKind, EventStatus

# The name this module's log lines had before it moved into events/booking/:
# monitoring alerts on it (docs/deployment.md, Monitoring).
logger = logging.getLogger("events.emails")

CANCEL_SALT = "events.booking.cancel"

# Kinds that carry the calendar invitation, and the joining instructions for a confirmed place.
WITH_INVITATION = {
    BookingEmailKind.CONFIRMATION,
    BookingEmailKind.PROMOTION,
    BookingEmailKind.REMINDER,
    BookingEmailKind.UPDATE,
    BookingEmailKind.REPEAT_REQUEST,
    BookingEmailKind.ATTENDANCE_CHANGED,
    BookingEmailKind.PLACE_RECEIVED,
}


# Kinds sent after the workshop: no way to change or cancel a place, nor where to go.
AFTER_THE_WORKSHOP = {BookingEmailKind.FOLLOW_UP, BookingEmailKind.REPORT_PUBLISHED}


def booked_at_stamp(booking):
    # When this booking was made, to the microsecond. Someone who cancels and
    # books again keeps the same row but gets a new submit_time, so a link
    # sent for the first booking cannot cancel the second.
    return int(booking.submit_time.timestamp() * 1_000_000)


def cancel_token(booking):
    return signing.dumps([booking.pk, booked_at_stamp(booking)], salt=CANCEL_SALT, compress=True)


def booking_for_cancel_token(token):
    """
    The booking a cancellation link was sent for, or None for a link that is
    not ours or was for an earlier booking of the same address. (The view
    refuses to cancel once the workshop has started.)
    """
    from ..models import Booking

    try:
        pk, stamp = signing.loads(token, salt=CANCEL_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    booking = Booking.objects.select_related("event__venue", "event__booking_contact").filter(pk=pk).first()
    if booking is None or booked_at_stamp(booking) != stamp:
        return None
    return booking


def site_root_url(event):
    # Asked for twice per e-mail (the workshop's link, the cancel link): looked up once.
    if not hasattr(event, "_site_root_url"):
        site = event.get_site()
        event._site_root_url = site.root_url if site else settings.WAGTAILADMIN_BASE_URL
    return event._site_root_url


def cancel_url(booking):
    return site_root_url(booking.event) + reverse("booking_cancel", args=[cancel_token(booking)])


def manage_url(booking):
    """The booking's own page ("Your booking"): change how they attend, send a colleague, or cancel."""
    return site_root_url(booking.event) + reverse("booking_manage", args=[cancel_token(booking)])


def queue_email(booking, kind, recipient=None, message=""):
    """Record an e-mail about the booking, and queue its sending for when the current transaction commits."""
    record = BookingEmail.objects.create(
        booking=booking, kind=kind, recipient=recipient or booking.email, message=message
    )
    transaction.on_commit(lambda: enqueue_sending(record.pk))
    return record


def enqueue_sending(record_id):
    """
    Queue the task that sends one recorded e-mail. If even queueing fails
    (the database gone just after the booking committed), the e-mail is
    left unsent on its row for `retry_booking_emails`: the booking stands.
    """
    from ..tasks import send_booking_email_task

    try:
        return send_booking_email_task.enqueue(record_id)
    except Exception:  # noqa: BLE001 - the visitor's booking is saved; the schedule's retry sends it
        logger.exception("Could not queue booking e-mail %s: retry_booking_emails will send it", record_id)
        return None


# How long an e-mail taken by one sender is left to it. Far longer than a
# send can take (EMAIL_TIMEOUT bounds each step with the mail server), so
# two senders never hold one e-mail at once; a sender that died with it
# (its server stopped mid-send) leaves it to a retry once this has passed.
SENDING_LEASE = timedelta(minutes=15)

# From the moment an e-mail is claimed, a sender that meets an unreachable
# database (a restart, a failover) waits and asks again, these many seconds
# apart, rather than give up: a claim or a sending left unrecorded would hold
# the e-mail until the lease lapsed, or send it a second time then. About
# 15 s in all: within gunicorn's timeout should the sending run in a request
# (TASKS_BACKEND=immediate).
RECORDING_PAUSES = (0.5, 1, 2, 4, 8)


def despite_a_brief_outage(operation, what):
    """
    operation(), asked again after each of RECORDING_PAUSES while the
    database cannot be reached; its error if it never can. Not inside a
    transaction, where a lost connection cannot be picked up again.
    """
    for pause in (*RECORDING_PAUSES, None):
        try:
            return operation()
        except (OperationalError, InterfaceError):
            if pause is None or connection.in_atomic_block:
                raise
            logger.warning("The database did not answer (%s): asking again in %s s", what, pause, exc_info=True)
        # A connection the outage broke is closed, so that the next attempt opens a new one.
        connection.close_if_unusable_or_obsolete()
        time.sleep(pause)


# An e-mail is normally sent within seconds of its booking; one still
# neither sent nor failed after this was never taken by a worker (none is
# running, or they are far behind) or was dropped by a sender that stopped.
STRANDED_AFTER = timedelta(minutes=10)


def delivery_status(record, now=None):
    """What became of one recorded e-mail, in words for the Bookings admin."""
    now = now or timezone.now()
    if record.sent_at:
        return f"Sent {format_moment(record.sent_at)}"
    if record.failed_at:
        tries = "1 try" if record.attempts == 1 else f"{record.attempts} tries"
        return (
            f"Not delivered ({tries}, the last {format_moment(record.failed_at)}): {record.error}. "
            "The schedule tries again every 10 minutes"
        )
    if record.claimed_at:
        if record.created_at < now - STRANDED_AFTER:
            return (
                f"Not sent: its sender stopped (it took it at {format_moment(record.claimed_at)}); "
                f"sent again once {int(SENDING_LEASE.total_seconds() // 60)} minutes have passed since"
            )
        return f"Being sent (since {format_moment(record.claimed_at)})"
    if record.created_at < now - STRANDED_AFTER:
        return f"Not sent: waiting for the background worker since {format_moment(record.created_at)}"
    return f"Queued {format_moment(record.created_at)}"


def format_moment(moment):
    return formats.date_format(timezone.localtime(moment), "j M Y, H:i")


def claim(record_id):
    """
    Take an unsent e-mail to send it, unless another sender (the request that
    queued it, an overlapping retry run on another server) holds it. One
    UPDATE decides, so two senders can never both win; it also counts the
    attempt, so that an e-mail whose sending keeps dying is given up on.
    """
    now = timezone.now()
    free = Q(claimed_at=None) | Q(claimed_at__lt=now - SENDING_LEASE)
    # A claim the database made but whose answer the outage lost carries this
    # very moment: asked again, the sender knows it for its own.
    claimable = BookingEmail.objects.filter(free | Q(claimed_at=now), pk=record_id, sent_at=None)
    claimed = despite_a_brief_outage(
        lambda: claimable.update(claimed_at=now, attempts=F("attempts") + 1), f"claiming e-mail {record_id}"
    )
    return claimed == 1


def send_booking_email(record_id):
    """
    Send one recorded e-mail, at most once however many senders try at the
    same time: True if sent, False if it failed (written on the record for a
    later retry), None if another sender has it or it has gone. Raises only
    when the database cannot be reached before the e-mail is claimed (which
    leaves it free for the next retry) or for as long as it is asked to
    claim it (which leaves it held for SENDING_LEASE).
    """
    record = (
        BookingEmail.objects.select_related("booking__event__venue", "booking__event__booking_contact", "booking__page")
        .filter(pk=record_id, sent_at=None)
        .first()
    )
    if record is None:
        return None
    if record.booking.is_erased:
        return False
    from .follow_up import is_not_needed

    if is_not_needed(record):
        # Its materials were taken away since it was recorded: unrecorded,
        # as if it never had been, rather than sent empty.
        BookingEmail.objects.filter(pk=record_id, sent_at=None, claimed_at=None).delete()
        return None
    # Built before it is claimed: from the claim on, nothing but the mail
    # server stands between the e-mail and its recipient.
    message = build_email(record)
    if not claim(record_id):
        return None
    try:
        message.send()
    except Exception as error:  # noqa: BLE001 (any failure of the mail server must leave the booking standing)
        logger.exception("Could not send %s e-mail %s", record.kind, record.pk)
        record.failed_at = timezone.now()
        record.error = f"{type(error).__name__}: {error}"[:500]
        # Given back at once, for the next retry.
        record.claimed_at = None
        if not record_outcome(record, ["failed_at", "error", "claimed_at"]):
            logger.error("E-mail %s failed and could not be recorded: a retry sends it after the lease", record.pk)
        return False
    record.sent_at = timezone.now()
    record.error = ""
    if not record_outcome(record, ["sent_at", "error"]):
        logger.error(
            "E-mail %s was sent but could not be recorded as sent: a retry may send it again after %s minutes",
            record.pk,
            int(SENDING_LEASE.total_seconds() // 60),
        )
    return True


def record_outcome(record, fields):
    """Save what became of a sending, riding out a database briefly unreachable: True if saved."""
    try:
        despite_a_brief_outage(lambda: record.save(update_fields=fields), f"recording e-mail {record.pk}")
    except (OperationalError, InterfaceError):
        logger.exception("Could not record what became of e-mail %s", record.pk)
        return False
    return True


def build_email(record):
    booking, kind = record.booking, record.kind
    event = booking.event
    context = email_context(record)
    template = "events/emails/" + ("contact_notice" if kind == BookingEmailKind.CONTACT_NOTICE else "booking")
    email = EmailMultiAlternatives(
        subject=subject_for(record),
        body=render_to_string(f"{template}.txt", context),
        to=[record.recipient],
        reply_to=[event.booking_contact.email] if event.booking_contact and event.booking_contact.email else None,
    )
    email.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if context["has_invitation"]:
        email.attach(invitation(booking, context["joining_instructions"]))
    return email


def follows_kind_of_place(event):
    """
    Whether a booking's e-mails follow its own kind of place: at a workshop
    in person and online, going ahead as planned. A workshop moved online
    tells everyone what it tells the whole workshop.
    """
    return event.offers_a_choice_of_place and event.status != EventStatus.MOVED_ONLINE


def gets_joining_instructions(booking):
    event = booking.event
    if follows_kind_of_place(event):
        return booking.is_online
    return event.attendance_mode != AttendanceMode.IN_PERSON


def goes_to_the_venue(booking):
    event = booking.event
    if follows_kind_of_place(event):
        return not booking.is_online
    return not event.is_online


def invitation_location(booking):
    """Where the booker's calendar says to go: online, or the venue, by their kind of place."""
    event = booking.event
    if not follows_kind_of_place(event):
        return event_location(event)
    if booking.is_online:
        return "Online"
    return event.venue.full_address if event.venue else ""


def invitation(booking, joining_instructions):
    """
    The calendar invitation, as a MIME part made whole here: given a content
    type that carries parameters, Django's attach() adds a charset after
    them, naming it twice. The method parameter tells mail programs what the
    calendar inside does (RFC 6047).
    """
    event = booking.event
    calendar = build_calendar(
        [event],
        joining_instructions=joining_instructions,
        location=invitation_location(booking),
        revision=booking.invitation_revision,
    )
    part = MIMEText(calendar.to_ical().decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", METHOD)
    part.add_header("Content-Disposition", "attachment", filename=f"{event.slug}.ics")
    return part


def subject_for(record):
    booking, event = record.booking, record.booking.event
    day = format_date(event.date)
    return {
        BookingEmailKind.CONFIRMATION: f"Booking confirmed: {event.title}, {day}",
        BookingEmailKind.WAITING_LIST: f"You are on the waiting list: {event.title}",
        BookingEmailKind.PROMOTION: f"A place has come up for you: {event.title}, {day}",
        BookingEmailKind.CANCELLATION: f"Booking cancelled: {event.title}",
        BookingEmailKind.REMINDER: f"Reminder: {event.title}, {day}",
        BookingEmailKind.UPDATE: (
            f"Cancelled: {event.title}" if event.status == EventStatus.CANCELLED else f"Change to {event.title}"
        ),
        BookingEmailKind.CONTACT_NOTICE: f"{booking.get_status_display()}: {booking.name}, {event.title}",
        BookingEmailKind.REPEAT_REQUEST: (
            f"You are already on the waiting list: {event.title}"
            if booking.is_waiting
            else f"You already have a place: {event.title}, {day}"
        ),
        BookingEmailKind.ATTENDANCE_CHANGED: (
            f"You are now waiting for {'an online' if booking.is_online else 'an in-person'} place: {event.title}"
            if booking.is_waiting
            else f"You will now attend {'online' if booking.is_online else 'in person'}: {event.title}, {day}"
        ),
        BookingEmailKind.PLACE_RECEIVED: (
            f"{giver_name(booking)} has given you their place"
            f"{' on the waiting list' if booking.is_waiting else ''}: {event.title}, {day}"
        ),
        BookingEmailKind.PLACE_HANDED_OVER: (
            f"Your place has gone to {booking.handed_over_to.name if booking.handed_over_to else 'your colleague'}: "
            f"{event.title}"
        ),
        BookingEmailKind.FOLLOW_UP: (
            f"Thank you for coming: {event.title}" if booking.attended_at else f"Sorry we missed you: {event.title}"
        ),
        BookingEmailKind.REPORT_PUBLISHED: f"The report of {event.title} is published",
    }[record.kind]


def giver_name(booking):
    """The name of the colleague who gave this booking its place (the latest, should there be several)."""
    if not hasattr(booking, "_giver_name"):
        giver = booking.received_from.order_by("-status_changed_at", "-pk").only("name").first()
        booking._giver_name = giver.name if giver else "A colleague"
    return booking._giver_name


def how_to_reach_the_contact(event):
    """How to tell the workshop's booking contact something, in words to follow "to tell us"."""
    contact = event.booking_contact
    if contact and contact.email:
        return f"reply to this e-mail to tell {contact.name}"
    if contact:
        return f"contact {contact.name}"
    return "contact us"


def email_context(record):
    booking, event = record.booking, record.booking.event
    confirmed = booking.is_confirmed
    current = record.kind in WITH_INVITATION and confirmed
    event_cancelled = event.status == EventStatus.CANCELLED
    after_the_workshop = record.kind in AFTER_THE_WORKSHOP
    show_venue = bool(event.venue) and goes_to_the_venue(booking) and not event_cancelled and not after_the_workshop
    privacy_notice = getattr(booking.page.specific, "privacy_notice", None)
    may_change = not booking.is_cancelled and not event_cancelled and not after_the_workshop
    context = {
        "record": record,
        "kind": record.kind,
        "booking": booking,
        "event": event,
        "site_name": settings.WAGTAIL_SITE_NAME,
        "event_url": site_root_url(event) + (event.get_url() or ""),
        # Nothing to cancel at an event that is itself cancelled, or over.
        "cancel_url": cancel_url(booking) if may_change else "",
        "manage_url": manage_url(booking) if may_change else "",
        # At a workshop in person and online, each e-mail says which kind of place is the booker's.
        "attends_label": (
            booking.get_attends_display().lower() if follows_kind_of_place(event) and not after_the_workshop else ""
        ),
        "event_cancelled": event_cancelled,
        "subject": subject_for(record),
        "has_invitation": current and not event.date_shows_month_only,
        "joining_instructions": event.joining_instructions if current and gets_joining_instructions(booking) else "",
        "confirmation_text": getattr(booking.page.specific, "confirmation_text", "") if current else "",
        "show_venue": show_venue,
        "show_directions": show_venue and current and bool(event.venue.travel_directions),
        "intro": introduction(record),
        "details_given": record.kind == BookingEmailKind.PLACE_RECEIVED,
        "how_to_reach_the_contact": how_to_reach_the_contact(event),
        "privacy_notice_url": privacy_notice.get_full_url() if privacy_notice and privacy_notice.live else "",
        "after_the_workshop": after_the_workshop,
    }
    if after_the_workshop:
        # The materials, links and reports as they are when it is sent (follow_up.py).
        from .follow_up import email_content

        context.update(email_content(record))
    return context


def introduction(record):
    """The e-mail's opening paragraphs: what has happened and what, if anything, to do."""
    booking, event, kind = record.booking, record.booking.event, record.kind
    event_kind = event.get_event_type_display().lower()
    if kind == BookingEmailKind.CONFIRMATION:
        return ["Your place is booked. We look forward to seeing you."]
    if kind == BookingEmailKind.WAITING_LIST:
        if record.message:
            # Why they wait although places are free: their organisation has its share (rules.share_message).
            return [record.message, "You do not need to do anything."]
        every = "Every place"
        if follows_kind_of_place(event):
            every = f"Every {'online' if booking.is_online else 'in-person'} place"
        return [
            f"{every} is taken, so you are on the waiting list.",
            "If a place comes up, it goes to the first person waiting, and we will e-mail you straight away. "
            "You do not need to do anything.",
        ]
    if kind == BookingEmailKind.ATTENDANCE_CHANGED:
        how = "online" if booking.is_online else "in person"
        if booking.is_waiting:
            return [
                f"You are now on the waiting list to attend {how}, keeping your place in the queue.",
                "If a place comes up, it goes to the first person waiting, and we will e-mail you straight away.",
            ]
        return [
            f"You will now attend {how}. The details below are up to date, and the attached invitation "
            "updates your calendar."
        ]
    if kind == BookingEmailKind.PLACE_RECEIVED:
        place = "their place on the waiting list" if booking.is_waiting else "their place"
        paragraphs = [f"{giver_name(booking)} has given you {place} at this {event_kind}."]
        if booking.is_waiting:
            paragraphs.append(
                "Every place is taken at the moment. If one comes up, it goes to the first person waiting, "
                "and we will e-mail you straight away."
            )
        else:
            paragraphs.append("We look forward to seeing you.")
        return paragraphs
    if kind == BookingEmailKind.PLACE_HANDED_OVER:
        colleague = booking.handed_over_to
        who = f"{colleague.name} ({colleague.organisation})" if colleague else "your colleague"
        return [
            f"You have given your place to {who}. We have sent them the details. You no longer have a place.",
            f"If you added the {event_kind} to your calendar, you can remove it.",
        ]
    if kind == BookingEmailKind.REPEAT_REQUEST:
        already = "are already on the waiting list" if booking.is_waiting else "already have a place"
        return [
            f"Someone asked to book a place at this {event_kind} with your e-mail address. "
            f"You {already}, so we have not booked another.",
            "If that was you, there is nothing more to do. If it was not, you can ignore this e-mail: "
            "your booking has not changed.",
            *([record.message] if record.message else []),
        ]
    if kind == BookingEmailKind.PROMOTION:
        return ["Good news: a place has come up and it is yours. You do not need to do anything to accept it."]
    if kind == BookingEmailKind.CANCELLATION:
        return [
            "Your booking has been cancelled.",
            f"If you added the {event_kind} to your calendar, you can remove it.",
        ]
    if kind == BookingEmailKind.FOLLOW_UP:
        if booking.attended_at:
            return [f"Thank you for coming to this {event_kind}. We hope it was useful to you and your work."]
        return [f"We are sorry we missed you at this {event_kind}."]
    if kind == BookingEmailKind.REPORT_PUBLISHED:
        return [f"The report from this {event_kind}, which you attended, has been published."]
    if kind == BookingEmailKind.REMINDER:
        days = (event.date - timezone.localdate()).days
        when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
        return [f"This is a reminder that you have a place at this {event_kind} {when}."]
    if kind == BookingEmailKind.UPDATE:
        if event.status == EventStatus.CANCELLED:
            # Said once: an editor's status message says why, and sorry, in its own words.
            cancelled = (
                f"This {event_kind} has been cancelled."
                if event.status_message
                else (f"We are sorry: this {event_kind} has been cancelled.")
            )
            paragraphs = [f"{cancelled} You do not need to do anything."]
        elif event.status == EventStatus.POSTPONED:
            paragraphs = [f"This {event_kind} has been postponed. We will e-mail you when it has a new date."]
        else:
            paragraphs = [
                f"There has been a change to this {event_kind}. The details below are up to date"
                + (", and the attached invitation updates your calendar." if booking.is_confirmed else ".")
            ]
        return paragraphs + [text for text in (event.status_message, record.message) if text]
    return []
