"""
Bookers' personal data: erasing it, on a person's request (the admin's
"Erase a person's data") or once it is past its retention period
(events/tasks.py), while keeping the numbers that attendance figures need.
"""

from django.db import transaction
from django.utils import timezone

from ..models import Booking, BookingEmail, Certificate
from . import questions
from .figures import keep_organisation_counts
from .rules import cancel_booking


def erase_personal_data(bookings):
    """
    Erase the personal details in these bookings (questions.erased_fields:
    the answers, and the organisation chosen from the list), keeping each
    row's status, times, kind of place and attendance (attended or not, a
    walk-in or not, whom a place was handed to) so that the figures still
    add up, about no one; their certificates of attendance are deleted.
    Each place's organisation, which erasure removes, is first added to the
    organisations' counts at its workshop (OrganisationAtWorkshop), so that
    what the Collaborative achieved still counts the organisations it
    reached. A place at a workshop still to come is cancelled first, so it
    goes to the next person waiting.
    Returns how many bookings were erased.
    """
    now = timezone.now()
    bookings = [booking for booking in bookings if booking.erased_at is None]
    for booking in bookings:
        if not booking.is_cancelled and not booking.event.has_started(now):
            cancel_booking(booking)
    ids = [booking.pk for booking in bookings]
    with transaction.atomic():
        # Locked, and read again: of two erasures of one booking at once (a
        # person's request as the retention task runs), only the one that
        # erases it counts its organisation, so it is counted once.
        ids = list(Booking.objects.select_for_update().filter(pk__in=ids, erased_at=None).values_list("pk", flat=True))
        keep_organisation_counts(ids)
        erased = Booking.objects.filter(pk__in=ids, erased_at=None).update(erased_at=now, **questions.erased_fields())
        BookingEmail.objects.filter(booking_id__in=ids).update(recipient="", message="", error="")
        # A certificate names its holder: it goes with their details, and its code no longer checks.
        Certificate.objects.filter(booking_id__in=ids).delete()
    return erased
