from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from django.utils import timezone

from events.emails import send_booking_email
from events.models import Booking, BookingEmail, BookingEmailKind, EventStatus


class Command(BaseCommand):
    help = (
        "E-mail a reminder to everyone with a confirmed place at a workshop in the next BOOKING_REMINDER_DAYS "
        "days. Run it daily from cron; nobody is ever reminded twice, even if it runs on several servers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Days ahead (default: BOOKING_REMINDER_DAYS).")

    def handle(self, *args, days=None, **options):
        days = settings.BOOKING_REMINDER_DAYS if days is None else days
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
        sent = failed = 0
        for booking in due:
            if booking.event.has_started(now):
                continue
            try:
                # The unique constraint on reminders makes this the one and only reminder.
                with transaction.atomic():
                    record = BookingEmail.objects.create(
                        booking=booking, kind=BookingEmailKind.REMINDER, recipient=booking.email
                    )
            except IntegrityError:
                continue
            if send_booking_email(record.pk):
                sent += 1
            else:
                failed += 1
        self.stdout.write(f"Reminders sent: {sent}. Failed (retry_booking_emails will retry them): {failed}.")
