from django.db.models import F
from wagtail.models import Page, WorkflowState
from wagtail.signals import page_published, workflow_submitted

from home import page_cache


def bump_calendar_sequence(sender, instance, **kwargs):
    """Each published change is a new version of the event for calendar apps."""
    type(instance).objects.filter(pk=instance.pk).update(calendar_sequence=F("calendar_sequence") + 1)


def give_new_places_to_the_waiting_list(sender, instance, **kwargs):
    """When an editor publishes a higher capacity, the people waiting get the new places at once."""
    from .booking.rules import fill_free_places

    if instance.bookings.waiting().exists():
        fill_free_places(instance)


def tell_bookers_of_changes(sender, instance, revision=None, **kwargs):
    """A new date, time, place or status, once published, is e-mailed to everyone booked (booking/changes.py)."""
    from .booking.changes import tell_bookers_of_published_changes

    tell_bookers_of_published_changes(instance, revision)


def publish_a_new_booking_form_with_its_workshop(sender, instance, **kwargs):
    """
    A booking form added with its workshop (see booking.admin.add_the_booking_form)
    goes live when the workshop is published, unless it awaits its own
    approval: the rule is in booking/moderation.py.
    """
    from .booking.moderation import publish_with_its_workshop

    publish_with_its_workshop(instance)


def submit_a_new_booking_form_with_its_workshop(sender, instance, user, **kwargs):
    """A workshop submitted for approval takes its new booking form with it (booking/moderation.py)."""
    from .booking.moderation import submit_with_its_workshop
    from .models import EventPage

    submitted = instance.content_object
    if isinstance(submitted, Page) and issubclass(submitted.specific_class or Page, EventPage):
        submit_with_its_workshop(submitted, instance.workflow, user)


def pages_a_booking_changes(booking):
    """
    The page cache scopes a booking, cancellation or promotion changes: the
    workshop's address (its page, its booking form, its calendar file),
    every listing that shows places left (News and events, the home page),
    and what cites workshops' figures (places booked, walk-ins).
    """
    from .models import WORKSHOP_FIGURES, WORKSHOP_PLACES

    return [WORKSHOP_PLACES, WORKSHOP_FIGURES, *page_cache.address_scopes(booking.event)]


def pages_figures_change(instance):
    """The page cache scope of what cites workshops' figures: attendance taken, feedback received, counts kept."""
    from .models import WORKSHOP_FIGURES

    return [WORKSHOP_FIGURES]


def register_signal_handlers():
    from .models import EventPage

    page_published.connect(bump_calendar_sequence, sender=EventPage, dispatch_uid="events-calendar-sequence")
    page_published.connect(
        give_new_places_to_the_waiting_list, sender=EventPage, dispatch_uid="events-fill-free-places"
    )
    # After the calendar sequence is bumped: the invitations carry the new one.
    page_published.connect(tell_bookers_of_changes, sender=EventPage, dispatch_uid="events-tell-bookers")
    page_published.connect(
        publish_a_new_booking_form_with_its_workshop, sender=EventPage, dispatch_uid="events-publish-booking-form"
    )
    workflow_submitted.connect(
        submit_a_new_booking_form_with_its_workshop, sender=WorkflowState, dispatch_uid="events-submit-booking-form"
    )
