from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The Collaborative's published reports and their documents."""

    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()
