from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from events.emails import send_booking_email
from events.models import BookingEmail


class Command(BaseCommand):
    help = (
        "Send again every booking e-mail that failed, or that was never sent because its server stopped. "
        "Safe to run from cron every few minutes, and on several servers at once: each e-mail goes once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-attempts", type=int, default=10, help="Give up on an e-mail after this many tries (default 10)."
        )

    def handle(self, *args, max_attempts=10, **options):
        # A minute's grace: an e-mail just recorded may be being sent right now.
        unsent = BookingEmail.objects.filter(
            sent_at=None,
            created_at__lt=timezone.now() - timedelta(minutes=1),
            attempts__lt=max_attempts,
            booking__erased_at=None,
        ).order_by("created_at")
        sent = failed = taken = 0
        for record_id in unsent.values_list("pk", flat=True):
            outcome = send_booking_email(record_id)
            if outcome is None:
                # Another sender (an overlapping run, another server) has it.
                taken += 1
            elif outcome:
                sent += 1
            else:
                failed += 1
        report = f"Booking e-mails sent: {sent}. Still failing: {failed}."
        if taken:
            report += f" Being sent by another run: {taken}."
        self.stdout.write(report)
