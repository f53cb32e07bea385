"""System checks (`manage.py check`, and `check --deploy`) for the settings home/ relies on."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.caches)
def check_page_cache_is_shared(app_configs, **kwargs):
    """A page cache in each process's own memory serves a page made private elsewhere for PAGE_CACHE_SECONDS."""
    seconds = getattr(settings, "PAGE_CACHE_SECONDS", 0)
    if not seconds or getattr(settings, "SHARED_CACHE", False):
        return []
    return [
        checks.Warning(
            f"PAGE_CACHE_SECONDS is {seconds} but the cache is not shared (REDIS_URL is not set): each process "
            f"keeps its own copy of public pages, and a change made in another process (another gunicorn worker, "
            f"manage.py, a cron job such as publish_scheduled), including making a page private, may take up to "
            f"{seconds} seconds to show.",
            hint="Set REDIS_URL to a Redis every process uses, or leave PAGE_CACHE_SECONDS unset (0) without one.",
            id="home.W001",
        )
    ]
