from django.db.models import F
from wagtail.signals import page_published


def bump_calendar_sequence(sender, instance, **kwargs):
    """Each published change is a new version of the event for calendar apps."""
    type(instance).objects.filter(pk=instance.pk).update(calendar_sequence=F("calendar_sequence") + 1)


def give_new_places_to_the_waiting_list(sender, instance, **kwargs):
    """When an editor publishes a higher capacity, the people waiting get the new places at once."""
    from .booking import fill_free_places

    if instance.bookings.waiting().exists():
        fill_free_places(instance)


def register_signal_handlers():
    from .models import EventPage

    page_published.connect(bump_calendar_sequence, sender=EventPage, dispatch_uid="events-calendar-sequence")
    page_published.connect(
        give_new_places_to_the_waiting_list, sender=EventPage, dispatch_uid="events-fill-free-places"
    )
