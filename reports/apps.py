from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The Collaborative's published reports and their documents."""

    name = "reports"
    verbose_name = "Reports"
