from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The "News and events" section: news items, workshops, venues and bookings."""

    name = "events"
    verbose_name = "News and events"

    def ready(self):
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()
