from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = "Home and general pages"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from . import checks  # noqa: F401 - registers the system checks
        from .page_cache import forget_cached_pages_if_shown, forget_cached_pages_on_change

        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(forget_cached_pages_on_change, dispatch_uid="page-cache-page-change")
        for signal in (post_save, post_delete):
            signal.connect(forget_cached_pages_if_shown, dispatch_uid="page-cache-model-change")
