from django.core import signing
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from wagtail.models import Site

from .booking.abuse import too_many_attempts
from .booking.emails import booking_for_cancel_token
from .booking.forms import ColleagueForm, form_started_token
from .booking.links import INVALID_LINK, no_store
from .booking.rules import BookingBusy, ChangeRefused, book_place, cancel_booking, change_attendance, hand_over
from .models import BookingFormPage, EventPage, EventStatus, NewsAndEventsIndexPage, PlaceKind


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
        return no_store(TemplateResponse(request, page.get_template(request), context))

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
    return no_store(TemplateResponse(request, page.get_template(request), context, status=status))


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
    return no_store(TemplateResponse(request, "events/booking_confirmation.html", context))


# A booking's own pages, at the link in its e-mails ----------------------------
#
# Each is reached with the booking's signed token (emails.cancel_token), so
# only the person the e-mail went to finds them. GET only shows; each change
# is a form posted to its own page, and asks nothing of JavaScript.


def booking_from_link(token):
    booking = booking_for_cancel_token(token)
    if booking is None or booking.is_erased:
        raise Http404(INVALID_LINK)
    return booking


def booking_context(booking, token):
    """
    What a booking's pages show, and which changes it can still have: none
    once the workshop has started, nor once the place is cancelled or given
    to a colleague; how it is attended only at a workshop in person and
    online, going ahead as planned.
    """
    event = booking.event
    if event.has_started():
        state = "past"
    elif booking.was_handed_over:
        state = "handed_over"
    elif booking.is_cancelled:
        state = "cancelled"
    elif event.status == EventStatus.CANCELLED:
        state = "event_cancelled"
    else:
        state = "open"
    other_kind = next((kind for kind in event.place_kinds if kind != booking.attends), None)
    return {
        "page": booking.page.specific,
        "event": event,
        "booking": booking,
        "token": token,
        "state": state,
        "other_kind": other_kind,
        "can_change_attendance": (
            state == "open" and event.offers_a_choice_of_place and event.status == EventStatus.SCHEDULED
        ),
        "can_hand_over": state == "open",
        "handed_over_to": booking.handed_over_to.name if booking.was_handed_over else "",
    }


def booking_manage(request, token):
    """Your booking: the workshop, the kind of place and its status, and what the booker can still change."""
    booking = booking_from_link(token)
    return no_store(TemplateResponse(request, "events/booking_manage.html", booking_context(booking, token)))


def booking_change_attendance(request, token):
    """
    Move to the other kind of place at a workshop in person and online: the
    page says what it will mean, and the change is made when its button is
    pressed (rules.change_attendance decides, and says why not).
    """
    booking = booking_from_link(token)
    context = booking_context(booking, token)
    if not context["can_change_attendance"]:
        return no_store(TemplateResponse(request, "events/booking_manage.html", context))
    event = context["event"]
    event.count_bookings()
    status = 200
    if request.method == "POST":
        kind = request.POST.get("attends")
        try:
            if kind not in event.place_kinds:
                raise ChangeRefused("Choose how you will attend, then press the button again.")
            context["booking"] = change_attendance(booking, PlaceKind(kind))
            context["changed"] = True
        except ChangeRefused as refusal:
            context["error"] = str(refusal)
            status = 409
        except BookingBusy:
            context["error"] = "We could not change your booking just now. Please press the button again."
            status = 503
        event.count_bookings()
    context["other_places_left"] = event.places_left_for(context["other_kind"])
    return no_store(TemplateResponse(request, "events/booking_change_attendance.html", context, status=status))


HAND_OVER_TOO_MANY = (
    "There have been too many attempts from your connection. Wait 10 minutes, then send the form again."
)


def booking_hand_over(request, token):
    """
    Send a colleague instead: the booker names them, and the place (or the
    waiting-list place) becomes theirs, in its position in the queue
    (rules.hand_over). Limited per client as booking is: it e-mails the
    address typed in.
    """
    booking = booking_from_link(token)
    context = booking_context(booking, token)
    if not context["can_hand_over"]:
        return no_store(TemplateResponse(request, "events/booking_manage.html", context))
    status = 200
    if request.method == "POST":
        form = ColleagueForm(request.POST)
        if too_many_attempts(request, action="hand-over"):
            form.is_valid()
            form.add_error(None, HAND_OVER_TOO_MANY)
            status = 429
        elif form.is_valid():
            try:
                context["colleague"] = hand_over(booking, form.colleague())
            except ChangeRefused as refusal:
                form.add_error(None, str(refusal))
                status = 409
            except BookingBusy:
                form.add_error(None, "We could not hand over your place just now. Please send the form again.")
                status = 503
            else:
                booking.refresh_from_db()
                context["booking"] = booking
    else:
        form = ColleagueForm()
    context["form"] = form
    return no_store(TemplateResponse(request, "events/booking_hand_over.html", context, status=status))


def booking_cancel(request, token):
    """The page a cancellation link leads to: it asks first, and cancels only when the button is pressed."""
    booking = booking_from_link(token)
    event = booking.event
    context = booking_context(booking, token)
    if event.has_started():
        context["state"] = "past"
    elif booking.is_cancelled:
        context["state"] = "handed_over" if booking.was_handed_over else "already_cancelled"
    elif request.method == "POST":
        try:
            cancel_booking(booking)
        except BookingBusy:
            context["state"] = "ask"
            context["error"] = "We could not cancel your place just now. Please press the button again."
            return no_store(TemplateResponse(request, "events/booking_cancel.html", context, status=503))
        context["state"] = "cancelled"
    else:
        context["state"] = "ask"
    return no_store(TemplateResponse(request, "events/booking_cancel.html", context))


def verify_certificate(request, code=None):
    """The public check of a certificate of attendance (events/booking/certificate_views.py)."""
    from .booking.certificate_views import verify_certificate as verify

    return verify(request, code)
