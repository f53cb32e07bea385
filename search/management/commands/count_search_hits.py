from django.core.management.base import BaseCommand, CommandError
from redis import RedisError

from search.search_hits import add_counted_searches, shared_redis


class Command(BaseCommand):
    help = (
        "Add the searches counted in the shared Redis to the search terms report (Admin reports > Search terms). "
        "Run from cron every 10 minutes; safe to run on several servers at once: each search is added once."
    )

    def handle(self, *args, **options):
        if shared_redis() is None:
            self.stdout.write("No shared Redis: each search is counted as it happens. Nothing to add.")
            return
        try:
            searches, terms = add_counted_searches()
        except (RedisError, OSError) as error:
            # Searches made meanwhile were queued as tasks instead: nothing is lost.
            raise CommandError(f"Redis cannot be reached: {error}") from error
        self.stdout.write(f"Searches added to the search terms report: {searches} ({terms} terms).")
