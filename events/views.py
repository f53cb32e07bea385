from django.core import signing
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from wagtail.models import Site

from .booking.abuse import too_many_attempts
from .booking.emails import booking_for_cancel_token
from .booking.forms import form_started_token
from .booking.rules import BookingBusy, book_place, cancel_booking
from .models import BookingFormPage, EventPage, NewsAndEventsIndexPage


def public_page_at(request, page_path, page_types):
    """
    The live, public page at page_path, if it is one of page_types. Wagtail's
    page addresses end in a slash, so files that sit beside a page
    (calendar.ics, feed.xml) need their own routes to it.
    """
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    page = site.root_page.specific.route(request, [part for part in page_path.split("/") if part]).page.specific
    if not isinstance(page, page_types) or not page.live or page.get_view_restrictions():
        raise Http404("There is nothing like that here.")
    return page


def calendar_file(request, page_path):
    return public_page_at(request, page_path, EventPage | NewsAndEventsIndexPage).serve_calendar(request)


# Booking -------------------------------------------------------------------

CONFIRMATION_SALT = "events.booking.confirmation"
# Long enough to come back to the page after a break; short enough that an
# old browser history entry stops showing a booking.
CONFIRMATION_MAX_AGE = 2 * 24 * 60 * 60

BUSY_MESSAGE = (
    "A lot of people are booking at this moment and we could not save your booking. "
    "Nothing has been booked yet: please send the form again."
)
TOO_MANY_MESSAGE = (
    "There have been too many booking attempts from your connection. Wait 10 minutes, then send the form again."
)


def serve_booking_form(page, request):
    """
    The booking form, or why booking is closed. A good booking redirects to
    its confirmation, so that reloading the page never books twice.
    """
    event = page.event
    context = page.get_context(request)
    context["event"] = event
    context["closed_message"] = event.booking_closed_reason()
    status = 200
    if context["closed_message"]:
        return _no_store(TemplateResponse(request, page.get_template(request), context))

    if request.method == "POST":
        form = page.get_form(request.POST, request.FILES, page=page, user=request.user)
        if too_many_attempts(request):
            form.is_valid()
            form.add_error(None, TOO_MANY_MESSAGE)
            status = 429
        elif form.is_valid():
            try:
                book_place(page, form.standard_answers(), form.extra_answers())
            except BookingBusy:
                form.add_error(None, BUSY_MESSAGE)
                status = 503
            else:
                # The same answer whatever the outcome: the page (and its
                # address) must not tell a visitor who typed a colleague's
                # address that the colleague has already booked. The owner
                # of the address learns what happened by e-mail.
                token = signing.dumps({"p": page.pk}, salt=CONFIRMATION_SALT)
                return redirect("booking_confirmation", token=token)
    else:
        form = page.get_form(page=page, user=request.user)

    # After any booking just attempted, so that the places shown are current.
    event.count_bookings()
    context["form"] = form
    context["started_token"] = form_started_token()
    return _no_store(TemplateResponse(request, page.get_template(request), context, status=status))


def booking_confirmation(request, token):
    try:
        payload = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
        page = BookingFormPage.objects.live().get(pk=payload["p"])
    except (signing.BadSignature, KeyError, TypeError, BookingFormPage.DoesNotExist):
        raise Http404("This confirmation has expired. Your booking e-mail has the details.") from None
    return render_booking_confirmation(request, page)


def render_booking_confirmation(request, page):
    """What a visitor sees after sending the booking form (and an editor in the preview's landing page mode)."""
    context = {"page": page, "event": page.event, "confirmation_text": page.confirmation_text}
    return _no_store(TemplateResponse(request, "events/booking_confirmation.html", context))


def booking_cancel(request, token):
    """The page a cancellation link leads to: it asks first, and cancels only when the button is pressed."""
    booking = booking_for_cancel_token(token)
    if booking is None or booking.is_erased:
        raise Http404("This cancellation link is not valid. Check that you copied all of it from your e-mail.")
    event = booking.event
    context = {"page": booking.page.specific, "event": event, "booking": booking, "token": token}
    if event.has_started():
        context["state"] = "past"
    elif booking.is_cancelled:
        context["state"] = "already_cancelled"
    elif request.method == "POST":
        try:
            cancel_booking(booking)
        except BookingBusy:
            context["state"] = "ask"
            context["error"] = "We could not cancel your place just now. Please press the button again."
            return _no_store(TemplateResponse(request, "events/booking_cancel.html", context, status=503))
        context["state"] = "cancelled"
    else:
        context["state"] = "ask"
    return _no_store(TemplateResponse(request, "events/booking_cancel.html", context))


def _no_store(response):
    # Personal details and one-off tokens: never kept by a browser's or a proxy's cache.
    add_never_cache_headers(response)
    return response
