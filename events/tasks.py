"""
The events app's background work, on Django's task framework (settings:
TASKS). Production queues these in the database for `manage.py db_worker`;
development and tests run them at once. Each task is safe to run twice:
what it does is recorded, so a repeat finds nothing left to do.

The schedule (collaborative_site/crontab) queues the periodic ones through
the management commands, which also say what became of them.

This module stays at events/tasks.py, outside events/booking/, though most of
its work is booking's: the database backend stores each queued task by its
import path ("events.tasks.send_booking_email_task"), so moving it would strand
the tasks queued when the move is deployed.
"""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task

logger = logging.getLogger(__name__)


@task()
def send_booking_email_task(record_id):
    """Send one recorded booking e-mail: True if sent, False if it failed (recorded), None if taken or gone."""
    from .booking.emails import send_booking_email

    return send_booking_email(record_id)


@task()
def queue_booking_reminders_task(days):
    """
    Record a reminder for everyone with a confirmed place at a workshop in the
    next `days` days and queue its sending. The unique constraint on
    reminders makes each the one and only, however many runs overlap.
    Returns what became of their sending (sending_outcomes).
    """
    from .booking.emails import enqueue_sending
    from .models import Booking, BookingEmail, BookingEmailKind, EventStatus

    now = timezone.now()
    today = timezone.localdate(now)
    due = (
        Booking.objects.confirmed()
        .filter(
            erased_at=None,
            event__date__gte=today,
            event__date__lte=today + timedelta(days=days),
            event__status__in=[EventStatus.SCHEDULED, EventStatus.MOVED_ONLINE],
            event__live=True,
        )
        .exclude(emails__kind=BookingEmailKind.REMINDER)
        .select_related("event")
    )
    recorded = []
    for booking in due:
        if booking.event.has_started(now):
            continue
        try:
            with transaction.atomic():
                record = BookingEmail.objects.create(
                    booking=booking, kind=BookingEmailKind.REMINDER, recipient=booking.email
                )
        except IntegrityError:
            continue
        recorded.append(record.pk)
    outcomes = sending_outcomes(enqueue_sending(record_id) for record_id in recorded)
    logger.info("Reminders recorded: %s (%s)", len(recorded), outcomes)
    return outcomes


@task()
def queue_follow_ups_task():
    """
    Record the follow-up e-mail of each booking at the workshops held before
    today (no more than FOLLOW_UP_WITHIN_DAYS ago) whose attendance has been
    taken, and queue their sending (events/booking/follow_up.py). The unique
    constraint on follow-ups makes each the one and only, however many runs
    overlap. Returns what became of their sending (sending_outcomes), and
    how many wait for their attendance to be recorded.
    """
    from .booking.emails import enqueue_sending
    from .booking.follow_up import record_due_follow_ups

    recorded, waiting = record_due_follow_ups()
    outcomes = sending_outcomes(enqueue_sending(record_id) for record_id in recorded)
    logger.info("Follow-ups recorded: %s (%s); waiting for attendance: %s", len(recorded), outcomes, waiting)
    return {**outcomes, "waiting": waiting}


@task()
def purge_booking_personal_data_task(days):
    """
    Erase the personal details of bookings for workshops that ended more than
    `days` days ago, and the names given with those workshops' feedback;
    returns how many bookings were erased.
    """
    from .booking.feedback import clear_names_given
    from .booking.privacy import erase_personal_data
    from .models import Booking

    cutoff = timezone.localdate() - timedelta(days=days)
    due = Booking.objects.filter(erased_at=None, event__date__lt=cutoff).select_related("event")
    erased = erase_personal_data(list(due))
    logger.info("Erased personal details in %s bookings for workshops held before %s", erased, cutoff)
    # The names people put to their feedback go with the bookings; the responses stay, anonymous.
    cleared = clear_names_given(cutoff)
    logger.info("Cleared the names given with %s feedback responses for workshops held before %s", cleared, cutoff)
    return erased


def emails_waiting_for_a_worker():
    """
    The e-mails (their ids) whose sending is queued and not yet taken by a
    worker: a retry leaves them to that task, so that however long the mail
    server is down, each e-mail has at most one sending waiting in the queue.
    None with the immediate backend, which queues nothing.
    """
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(send_booking_email_task.get_backend(), DatabaseBackend):
        return set()
    queued = DBTaskResult.objects.filter(status="READY", task_path=send_booking_email_task.module_path)
    return {arguments["args"][0] for arguments in queued.values_list("args_kwargs", flat=True)}


def sending_outcomes(results):
    """
    What became of queued e-mail sendings (results of send_booking_email_task,
    None where queueing failed), for the commands to report: run at once by
    the immediate backend, or queued for the worker.
    """
    counts = {"sent": 0, "failed": 0, "taken": 0, "queued": 0, "not queued": 0}
    for result in results:
        if result is None:
            counts["not queued"] += 1
        elif not result.is_finished:
            counts["queued"] += 1
        elif result.status != TaskResultStatus.SUCCESSFUL or result.return_value is False:
            counts["failed"] += 1
        elif result.return_value is None:
            counts["taken"] += 1
        else:
            counts["sent"] += 1
    return counts
