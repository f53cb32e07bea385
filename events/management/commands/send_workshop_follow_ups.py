from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus

from events.tasks import queue_follow_ups_task


class Command(BaseCommand):
    help = (
        "E-mail the follow-up of each workshop held before today, and no more than FOLLOW_UP_WITHIN_DAYS days "
        "ago, to everyone who had a place there and whose attendance has been recorded: thanks, the materials, "
        "the feedback and certificate links for those who attended; the materials for those who did not. "
        "Run it daily from cron; nobody is ever sent it twice, even if it runs on several servers."
    )

    def handle(self, *args, **options):
        result = queue_follow_ups_task.enqueue()
        if result.status == TaskResultStatus.FAILED:
            raise CommandError(f"The follow-ups failed: {result.errors[-1].exception_class_path} (see the log).")
        if not result.is_finished:
            self.stdout.write(
                f"Follow-ups queued (task {result.id}): the worker records each and sends it. "
                "Any that fail show in the admin's Bookings list, and retry_booking_emails retries them."
            )
            return
        outcomes = result.return_value
        report = (
            f"Follow-ups sent: {outcomes['sent']}. Failed (retry_booking_emails will retry them): {outcomes['failed']}."
        )
        if outcomes["queued"]:
            report += f" Queued for the worker: {outcomes['queued']}."
        if outcomes["waiting"]:
            report += (
                f" Waiting for their attendance to be recorded: {outcomes['waiting']} (sent the morning after it "
                f"is, within {settings.FOLLOW_UP_WITHIN_DAYS} days of their workshop; see each workshop's bookings)."
            )
        self.stdout.write(report)
