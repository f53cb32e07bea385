from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus

from events.tasks import queue_booking_reminders_task


class Command(BaseCommand):
    help = (
        "E-mail a reminder to everyone with a confirmed place at a workshop in the next BOOKING_REMINDER_DAYS "
        "days. Run it daily from cron; nobody is ever reminded twice, even if it runs on several servers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Days ahead (default: BOOKING_REMINDER_DAYS).")

    def handle(self, *args, days=None, **options):
        days = settings.BOOKING_REMINDER_DAYS if days is None else days
        result = queue_booking_reminders_task.enqueue(days)
        if result.status == TaskResultStatus.FAILED:
            raise CommandError(f"The reminders failed: {result.errors[-1].exception_class_path} (see the log).")
        if not result.is_finished:
            self.stdout.write(
                f"Reminders queued (task {result.id}): the worker records each and sends it. "
                "Any that fail show in the admin's Bookings list, and retry_booking_emails retries them."
            )
            return
        outcomes = result.return_value
        report = (
            f"Reminders sent: {outcomes['sent']}. Failed (retry_booking_emails will retry them): {outcomes['failed']}."
        )
        if outcomes["queued"]:
            report += f" Queued for the worker: {outcomes['queued']}."
        self.stdout.write(report)
