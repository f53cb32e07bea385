from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Site search"

    def ready(self):
        from wagtail.signals import page_published

        from .signal_handlers import index_the_published_page

        page_published.connect(index_the_published_page, dispatch_uid="search-index-published-page")
