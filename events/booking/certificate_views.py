"""
Certificates of attendance on the site: the attendee's page at the link in
their follow-up e-mail and its PDF, the public check at the address printed
on every certificate, and the PDF for a Booking administrator.

The check says whether a code is genuine and, if it is, the three things the
certificate's holder has shown anyway: their name, the workshop and its date.
Nothing else (job, organisation, e-mail address) is given to whoever types a
code. A code that is wrong, of the wrong shape, or whose booking has since
been erased or un-attended gets the same page. Each client may check as
many codes in a window as it may make booking attempts (abuse.py:
BOOKING_RATE_LIMIT_ATTEMPTS in BOOKING_RATE_LIMIT_WINDOW seconds, 10 in 10
minutes), so codes cannot be tried one after another.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from wagtail.admin import messages
from wagtail.log_actions import log

from ..models import Booking
from . import certificates
from .abuse import too_many_attempts
from .certificates import (
    certificate_for,
    describe_learning_time,
    display_code,
    genuine_certificate,
    how_attended,
    job_and_organisation,
    learning_time,
    normalise_code,
    pdf_filename,
    verification_url,
    workshop_date,
)
from .links import INVALID_LINK, booking_for_certificate_token, no_store

RATE_LIMIT_ACTION = "certificate-check"


def _private(response):
    """
    Never kept by a browser's or a shared cache, and never indexed: a
    certificate's page and file name a person, and a check's answer is
    nobody else's business.
    """
    response["X-Robots-Tag"] = "noindex, nofollow"
    return no_store(response)


def _booking(token):
    booking = booking_for_certificate_token(token)
    if booking is None:
        raise Http404(INVALID_LINK)
    return booking


def _not_available(request, booking, status):
    event = booking.event
    context = {
        "booking": booking,
        "event": event,
        "certificate": None,
        "date": workshop_date(event),
        "is_past": event.is_past(),
    }
    return _private(TemplateResponse(request, "events/booking_certificate.html", context, status=status))


def certificate_page(request, token):
    """
    "Your certificate of attendance": what it states, the button to download
    it (with its size), and the address where others can check it. Someone
    not recorded as attending is told whom to ask.
    """
    booking = _booking(token)
    certificate = certificate_for(booking)
    if certificate is None:
        return _not_available(request, booking, status=200)
    event = booking.event
    duration = learning_time(event)
    context = {
        "booking": booking,
        "event": event,
        "certificate": certificate,
        "code": display_code(certificate.code),
        "job_and_organisation": job_and_organisation(booking),
        "date": workshop_date(event),
        "how_attended": how_attended(booking),
        "learning_time": describe_learning_time(duration) if duration else "",
        "pdf_url": reverse("booking_certificate_pdf", args=[token]),
        # Drawn to be measured: the button says how big the download is.
        "pdf_size": filesizeformat(len(certificates.certificate_pdf(certificate))).replace("\xa0", " "),
        "verification_url": verification_url(certificate),
        "kept_for": kept_for(),
        "unprintable": certificates.unprintable_characters(certificate),
    }
    return _private(TemplateResponse(request, "events/booking_certificate.html", context))


def _pdf_response(certificate):
    response = HttpResponse(certificates.certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, pdf_filename(certificate))
    return _private(response)


def certificate_pdf(request, token):
    """The certificate itself, downloaded; the same page as the link's for someone not recorded as attending."""
    booking = _booking(token)
    certificate = certificate_for(booking)
    if certificate is None:
        return _not_available(request, booking, status=404)
    return _pdf_response(certificate)


# The public check ---------------------------------------------------------------------


class CertificateCheckForm(forms.Form):
    code = forms.CharField(
        label="Verification code",
        help_text="It is printed at the bottom of the certificate, for example 7KQ2M-XW4HD.",
        max_length=100,
        error_messages={"required": "Enter the verification code printed on the certificate."},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "nhsuk-input--width-10",
            }
        ),
    )


def kept_for():
    """How long certificates can be checked after a workshop, in words: "1 year", "2 years", "90 days"."""
    days = settings.BOOKING_RETENTION_DAYS
    if days % 365 == 0:
        years = days // 365
        return f"{years} year{'' if years == 1 else 's'}"
    return f"{days} day{'' if days == 1 else 's'}"


def verify_certificate(request, code=None):
    """
    /certificates/: the form "Check a certificate" (GET, so that a check's
    address can be shared); /certificates/<code>/, the address printed on the
    certificate, and the form's answer: genuine, with the name, workshop and
    date only, or not found.
    """
    typed = code if code is not None else request.GET.get("code")
    form = CertificateCheckForm({"code": typed} if typed is not None else None)
    context = {
        "form": form,
        "kept_for": kept_for(),
        "state": "ask",
        "wait_minutes": max(1, settings.BOOKING_RATE_LIMIT_WINDOW // 60),
    }
    if typed is None or not form.is_valid():
        return _private(TemplateResponse(request, "events/certificate_check.html", context))
    if too_many_attempts(request, action=RATE_LIMIT_ACTION):
        context["state"] = "too_many"
        return _private(TemplateResponse(request, "events/certificate_check.html", context, status=429))
    certificate = genuine_certificate(normalise_code(form.cleaned_data["code"]))
    if certificate is None:
        context["state"] = "not_found"
        return _private(TemplateResponse(request, "events/certificate_check.html", context, status=404))
    booking = certificate.booking
    context.update(
        state="genuine",
        form=CertificateCheckForm(),
        name=booking.name,
        workshop=booking.event.title,
        date=workshop_date(booking.event),
        code=display_code(certificate.code),
    )
    return _private(TemplateResponse(request, "events/certificate_check.html", context))


# For Booking administrators -------------------------------------------------------------


@permission_required("events.view_booking", raise_exception=True)
def admin_certificate_pdf(request, pk):
    """
    A booking's certificate as its attendee downloads it, for an
    administrator asked to send it again; made now if it was not yet.
    """
    booking = get_object_or_404(Booking.objects.select_related("event"), pk=pk)
    certificate = certificate_for(booking)
    if certificate is None:
        messages.error(request, "This booking has no certificate: only people marked as attended have one.")
        return redirect("events_booking_modeladmin_inspect", booking.pk)
    # It shows the holder's name, job and organisation: who downloaded it is on record, as exports are.
    log(instance=booking.event, action="events.download_certificate", user=request.user, data={"booking": booking.pk})
    return _pdf_response(certificate)
