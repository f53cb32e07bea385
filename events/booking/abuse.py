"""
Keeping the booking form from being abused: how many booking attempts one
client may make. The other guards stay beside what they guard: a form sent
faster than a person could fill it in, or with its hidden "website" field
filled, is refused (forms.BookingForm.clean); a repeat booking for one
address tells its owner at most once an hour (rules.tell_of_repeat_request).
Handing a place to a colleague e-mails the address typed in, so it is
limited as booking is (views.booking_hand_over).
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from home.client_address import client_address

# The name these log lines had before they moved into events/booking/:
# monitoring alerts on it (docs/deployment.md, Monitoring).
logger = logging.getLogger("events.booking")


def too_many_attempts(request, action="booking"):
    """
    Count an attempt at `action` from this client and say whether it is over
    the limit: "booking" (the booking form), "hand-over" (handing a place to
    a colleague, which e-mails the address typed in). The count lives in the
    cache, so with Redis it is shared by every app server. If the cache is
    down, the booking goes ahead: losing the limit for a while is better than
    turning every booker away.
    """
    # A keyed hash, not the address itself: the cache holds no personal data.
    key = f"{action}-attempts:" + salted_hmac("events.booking.attempts", client_address(request)).hexdigest()
    try:
        cache.add(key, 0, timeout=settings.BOOKING_RATE_LIMIT_WINDOW)
        try:
            attempts = cache.incr(key)
        except ValueError:
            # The count expired between add and incr: this is the first attempt of a new window.
            cache.set(key, 1, timeout=settings.BOOKING_RATE_LIMIT_WINDOW)
            attempts = 1
    except Exception:  # noqa: BLE001 (any failure of the cache server)
        logger.warning("The cache is unavailable: booking attempts are not being limited", exc_info=True)
        return False
    return attempts > settings.BOOKING_RATE_LIMIT_ATTEMPTS
