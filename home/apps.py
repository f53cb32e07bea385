from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Home and general pages"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

        from . import checks, page_cache  # noqa: F401 - checks registers the system checks
        from .models import PageCacheClear

        page_published.connect(page_cache.forget_published_page, dispatch_uid="page-cache-page-published")
        for signal in (page_unpublished, post_page_move, page_slug_changed):
            signal.connect(page_cache.forget_cached_pages_on_change, dispatch_uid="page-cache-page-change")
        for signal in (post_save, post_delete):
            signal.connect(page_cache.forget_cached_pages_if_shown, dispatch_uid="page-cache-model-change")
        # A clearing owed is the page cache's own record.
        page_cache.never_shown(PageCacheClear)
