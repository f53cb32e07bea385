from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_tasks import TaskResultStatus

from events.models import Booking
from events.tasks import purge_booking_personal_data_task


class Command(BaseCommand):
    help = (
        "Erase the personal details of bookings for workshops that ended more than BOOKING_RETENTION_DAYS "
        "days ago (default 365), and the names people gave with those workshops' feedback. The rows stay, "
        "without personal details, for attendance and feedback figures. Safe to "
        "run again: erased bookings are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be erased, and erase nothing.")
        parser.add_argument("--days", type=int, default=None, help="Days to keep (default: BOOKING_RETENTION_DAYS).")

    def handle(self, *args, dry_run=False, days=None, **options):
        days = settings.BOOKING_RETENTION_DAYS if days is None else days
        cutoff = timezone.localdate() - timedelta(days=days)
        due = Booking.objects.filter(erased_at=None, event__date__lt=cutoff)
        count = due.count()
        workshops = due.values("event").distinct().count()
        if dry_run:
            self.stdout.write(
                f"Would erase the personal details in {count} bookings for {workshops} workshops held before "
                f"{cutoff:%d %B %Y}. Nothing has been changed."
            )
            return
        result = purge_booking_personal_data_task.enqueue(days)
        if result.status == TaskResultStatus.FAILED:
            raise CommandError(f"The erasure failed: {result.errors[-1].exception_class_path} (see the log).")
        if not result.is_finished:
            self.stdout.write(
                f"Queued (task {result.id}): the worker erases the personal details in {count} bookings for "
                f"{workshops} workshops held before {cutoff:%d %B %Y}, and logs how many it erased."
            )
            return
        self.stdout.write(
            f"Erased the personal details in {result.return_value} bookings for {workshops} workshops held "
            f"before {cutoff:%d %B %Y}."
        )
