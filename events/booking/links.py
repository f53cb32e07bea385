"""
The signed links an attendee is sent after a workshop: to give feedback,
and to their certificate of attendance. Each kind of link has its own salt,
so that one cannot be turned into another, and names its booking as it was
made (emails.booked_at_stamp), as the booking's own links do.
"""

from django.core import signing
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from .emails import booked_at_stamp, site_root_url

# What every page at a booking's own link says of a link that is not one.
INVALID_LINK = "This link is not valid. Check that you copied all of it from your e-mail."

FEEDBACK_SALT = "events.booking.feedback"
CERTIFICATE_SALT = "events.booking.certificate"


def _token(booking, salt):
    return signing.dumps([booking.pk, booked_at_stamp(booking)], salt=salt, compress=True)


def _booking_for(token, salt):
    from ..models import Booking

    try:
        pk, stamp = signing.loads(token, salt=salt)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    booking = Booking.objects.select_related("event", "listed_organisation").filter(pk=pk).first()
    if booking is None or booking.is_erased or booked_at_stamp(booking) != stamp:
        return None
    return booking


def feedback_token(booking):
    return _token(booking, FEEDBACK_SALT)


def booking_for_feedback_token(token):
    """The booking a feedback link was sent for, or None (not ours, for an earlier booking, or erased)."""
    return _booking_for(token, FEEDBACK_SALT)


def certificate_token(booking):
    return _token(booking, CERTIFICATE_SALT)


def booking_for_certificate_token(token):
    """The booking a certificate link was sent for, or None (not ours, for an earlier booking, or erased)."""
    return _booking_for(token, CERTIFICATE_SALT)


def feedback_url(booking):
    return site_root_url(booking.event) + reverse("booking_feedback", args=[feedback_token(booking)])


def certificate_url(booking):
    return site_root_url(booking.event) + reverse("booking_certificate", args=[certificate_token(booking)])


def no_store(response):
    """A page at a booking's own link: personal details and a one-off key, never kept by a browser or a proxy."""
    add_never_cache_headers(response)
    return response
