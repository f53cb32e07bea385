from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from events.booking.emails import enqueue_sending
from events.models import BookingEmail
from events.tasks import emails_waiting_for_a_worker, sending_outcomes


class Command(BaseCommand):
    help = (
        "Queue again every booking e-mail that failed, or that was never sent (no worker took it, or its "
        "sender stopped mid-send). Safe to run from cron every few minutes, and on several servers at once: "
        "each e-mail goes once."
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
        unsent_ids = list(unsent.values_list("pk", flat=True))
        # An e-mail whose sending still waits in the queue is left to it.
        waiting = emails_waiting_for_a_worker().intersection(unsent_ids)
        record_ids = [record_id for record_id in unsent_ids if record_id not in waiting]
        outcomes = sending_outcomes(enqueue_sending(record_id) for record_id in record_ids)
        report = f"Booking e-mails sent: {outcomes['sent']}. Still failing: {outcomes['failed']}."
        if outcomes["queued"]:
            report += f" Queued for the worker: {outcomes['queued']}."
        if waiting:
            report += f" Already queued for the worker: {len(waiting)}."
        if outcomes["taken"]:
            # Another sender (an overlapping run, another server, its own task) has it.
            report += f" Being sent by another run: {outcomes['taken']}."
        if outcomes["not queued"]:
            report += f" Could not be queued (see the log): {outcomes['not queued']}."
        self.stdout.write(report)
