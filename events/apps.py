from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The "News and events" section: news items, workshops, venues and bookings."""

    name = "events"
    verbose_name = "News and events"
