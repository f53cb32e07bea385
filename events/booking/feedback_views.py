"""
Giving feedback, through the attendee's own link in their follow-up e-mail
(links.feedback_url): the workshop's feedback form, for people marked as
attended, once each. The link is the only way in: the form's own page
(FeedbackFormPage.serve) only explains where the form is.

A response is kept without a link to the booking (feedback.record_feedback);
the thank-you page it redirects to is at an address that names neither the
booking nor the link, nor when it was sent: the same for every response to
the form.
"""

from django.core import signing
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from ..models import FeedbackFormPage
from .abuse import too_many_attempts
from .feedback import Refusal, live_feedback_form, record_feedback, refusal
from .links import INVALID_LINK, booking_for_feedback_token, no_store

THANKS_SALT = "events.booking.feedback-thanks"
# Signed without a timestamp: the moment it was sent, in the address, could be
# matched with when the attendee's own link was used.
THANKS_SIGNER = signing.Signer(salt=THANKS_SALT)
TOO_MANY_MESSAGE = "There have been too many attempts from your connection. Wait 10 minutes, then send the form again."

# Each refusal's page and status: refused for who they are (403), nothing to
# answer (404), or done already (200 to look, 409 to a second sending).
REFUSAL_STATUS = {Refusal.NOT_ATTENDED: 403, Refusal.NO_FORM: 404, Refusal.ALREADY_GIVEN: 200}


def feedback_form(request, token):
    """The workshop's feedback form, for the attendee whose link this is, or why it cannot be given."""
    booking = booking_for_feedback_token(token)
    if booking is None:
        raise Http404(INVALID_LINK)
    event = booking.event
    form_page = live_feedback_form(event)
    refused = refusal(booking, form_page)
    if refused:
        status = REFUSAL_STATUS[refused]
        if refused == Refusal.ALREADY_GIVEN and request.method == "POST":
            status = 409
        return unavailable(request, event, refused, status)

    status = 200
    if request.method == "POST":
        form = form_page.get_form(request.POST, page=form_page, user=request.user)
        if too_many_attempts(request, action="feedback"):
            form.is_valid()
            form.add_error(None, TOO_MANY_MESSAGE)
            status = 429
        elif form.is_valid():
            if record_feedback(booking, form) is None:
                # Sent twice at once (two tabs, a double click): the other sending was kept.
                return unavailable(request, event, Refusal.ALREADY_GIVEN, 409)
            return redirect("booking_feedback_thanks", token=THANKS_SIGNER.sign_object({"p": form_page.pk}))
    else:
        form = form_page.get_form(page=form_page, user=request.user)

    context = form_page.get_context(request)
    context.update({"event": event, "form": form, "form_action": request.path})
    return no_store(TemplateResponse(request, form_page.get_template(request), context, status=status))


def unavailable(request, event, reason, status):
    context = {"event": event, "reason": reason, "contact": event.booking_contact}
    return no_store(TemplateResponse(request, "events/feedback_unavailable.html", context, status=status))


def feedback_thanks(request, token):
    """After feedback is sent: thanks, and the form's own thank-you text. The address names the form only."""
    try:
        payload = THANKS_SIGNER.unsign_object(token)
        form_page = FeedbackFormPage.objects.live().get(pk=payload["p"])
    except (signing.BadSignature, ValueError, KeyError, TypeError, FeedbackFormPage.DoesNotExist):
        raise Http404("This page has expired. Your feedback, if you sent it, has been kept.") from None
    return render_thanks(request, form_page)


def render_thanks(request, form_page):
    """The thank-you page (and an editor's preview of it, in the preview's "Landing page" mode)."""
    context = {"page": form_page, "event": form_page.event, "thank_you_text": form_page.thank_you_text}
    return no_store(TemplateResponse(request, "events/feedback_thanks.html", context))
