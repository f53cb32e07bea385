from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "collaborative_site.operations"
    label = "operations"
    verbose_name = "Operations"
