from django.db.models import F
from wagtail.signals import page_published


def bump_calendar_sequence(sender, instance, **kwargs):
    """Each published change is a new version of the event for calendar apps."""
    type(instance).objects.filter(pk=instance.pk).update(calendar_sequence=F("calendar_sequence") + 1)


def register_signal_handlers():
    from .models import EventPage

    page_published.connect(bump_calendar_sequence, sender=EventPage, dispatch_uid="events-calendar-sequence")
