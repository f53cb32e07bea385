"""
Who came, as a Booking administrator records it in the admin: checking
people in at the door from a phone (everyone with an in-person place, one
tap each, walk-ins added on the spot), and the online attendance report
uploaded after the session. The rules are attendance.py's.

Each tap is one small request saying what the person at the door chose
(attended=1, or 0 to undo), never "the opposite of what it was", so two
phones checking in at once never undo each other's taps. Each answer says
who is marked now, so the other phone's list catches up at its next tap,
and every 20 seconds while it is open (events/static/events/checkin.js).

The same page lists the online places (?places=online), to mark by hand
someone the attendance report could not match (they joined with another
address), or everyone, without a report.

Check-in opens on the workshop's day and stays open afterwards, to put
right the record from the signed paper register. Before the day there is
nobody to check in, and a stray tap would record that attendance was being
taken (attendance.note_attendance_taken): every booker would then count as
absent after the day.
"""

from django import forms
from django.contrib.auth.decorators import permission_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST
from wagtail.admin import messages
from wagtail.log_actions import log

from ..formatting import format_date
from ..models import BookingFormPage, EventPage, EventStatus, Organisation, PlaceKind
from .admin_views import CHANGE, VIEW, register_order
from .attendance import add_walk_in, mark_attended, record_online_attendance
from .attendance_report import MAX_REPORT_BYTES, AttendanceReportError, read_attendance_report
from .rules import BookingBusy

# How often an open check-in page asks who is marked now (checkin.js reads it from the page).
REFRESH_SECONDS = 20


def booking_form_of(event):
    """The workshop's booking form: the page its bookings, walk-ins included, belong to."""
    return BookingFormPage.objects.child_of(event).first()


def check_in_closed_reason(event, has_booking_form, today=None, kind=PlaceKind.IN_PERSON):
    """Why the workshop's places of this kind cannot be checked in on this page, in a sentence; "" when they can."""
    if not has_booking_form:
        return "This workshop has no booking form, so nobody has a place to check in."
    if kind not in event.place_kinds:
        if kind == PlaceKind.IN_PERSON:
            return "This workshop is online only: upload the online attendance report to record who joined."
        return "This workshop is in person only: it has no online places."
    if event.date > (today or timezone.localdate()):
        return f"Check-in opens on the day of the workshop, {format_date(event.date)}."
    return ""


def report_upload_closed_reason(event, has_booking_form, today=None):
    """Why no attendance report can be uploaded for the workshop, in a sentence; "" when one can."""
    if not has_booking_form:
        return "This workshop has no booking form, so nobody has a place to mark as attended."
    # A workshop moved online is held online, whatever kind of place its bookers booked.
    if PlaceKind.ONLINE not in event.place_kinds and event.status != EventStatus.MOVED_ONLINE:
        return "This workshop is in person only: check people in at the door instead."
    if event.date > (today or timezone.localdate()):
        return f"The attendance report can be uploaded from the day of the workshop, {format_date(event.date)}."
    return ""


def places_of(event, kind):
    """The confirmed places of a kind the page lists: not the waiting list, not cancelled, not erased."""
    return event.bookings.confirmed().of_kind(kind).filter(erased_at=None)


def chosen_kind(event, value):
    """The kind of place the page is about: ?places=online for the online places, else in person."""
    return PlaceKind.ONLINE if value == PlaceKind.ONLINE else PlaceKind.IN_PERSON


def arrivals(event, kind=PlaceKind.IN_PERSON):
    """
    Who is marked as arrived now, and how many are expected (walk-ins
    included): read in one query, so that the count and the ticks agree.
    """
    marks = list(places_of(event, kind).values_list("pk", "attended_at"))
    attended = sorted(pk for pk, attended_at in marks if attended_at)
    return {
        "arrived": len(attended),
        "expected": len(marks),
        "count": arrival_count_text(len(attended), len(marks), kind),
        "attended": attended,
    }


def arrival_count_text(arrived, expected, kind=PlaceKind.IN_PERSON):
    return f"{arrived} of {expected} {'joined' if kind == PlaceKind.ONLINE else 'arrived'}"


def search_terms(query):
    return query.casefold().split()


def matches(booking, terms):
    """Whether every word searched for is in the person's name or organisation (as checkin.js matches)."""
    text = f"{booking.name} {booking.organisation}".casefold()
    return all(term in text for term in terms)


def check_in_url(event, query="", kind=PlaceKind.IN_PERSON):
    url = reverse("events_check_in", args=[event.pk])
    parameters = {"places": PlaceKind.ONLINE} if kind == PlaceKind.ONLINE else {}
    if query:
        parameters["q"] = query
    return f"{url}?{urlencode(parameters)}" if parameters else url


def _workshop(event_id):
    event = get_object_or_404(EventPage, pk=event_id)
    return event, booking_form_of(event)


def _bookings_url(form_page):
    if form_page is None:
        return reverse("events_booking_modeladmin_index")
    return reverse("wagtailforms:list_submissions", args=[form_page.pk])


@require_GET
@permission_required(VIEW, raise_exception=True)
def check_in(request, event_id):
    """
    The check-in page: the count of arrivals, a search, and everyone with
    an in-person place by surname (as on the printed register), each one a
    button. Without JavaScript a search is sent to the server, which hides
    the rows that do not match; with it, checkin.js hides them as one types.
    """
    event, form_page = _workshop(event_id)
    kind = chosen_kind(event, request.GET.get("places"))
    closed_reason = check_in_closed_reason(event, form_page is not None, kind=kind)
    query = request.GET.get("q", "").strip()
    context = {
        "event": event,
        "kind": kind,
        "is_online": kind == PlaceKind.ONLINE,
        "place_words": "an online place" if kind == PlaceKind.ONLINE else "an in-person place",
        # At a workshop held both ways, a link to the other kind's list.
        "other_list": (
            check_in_url(event, kind=PlaceKind.IN_PERSON if kind == PlaceKind.ONLINE else PlaceKind.ONLINE)
            if event.offers_a_choice_of_place
            else ""
        ),
        "closed_reason": closed_reason,
        "bookings_url": _bookings_url(form_page),
        "query": query,
        "can_change": request.user.has_perm(CHANGE),
    }
    if not closed_reason:
        terms = search_terms(query)
        people = sorted(
            places_of(event, kind).only("pk", "event", "name", "organisation", "attended_at", "is_walk_in"),
            key=register_order,
        )
        arrived = sum(1 for booking in people if booking.attended_at)
        context |= {
            "people": [(booking, matches(booking, terms)) for booking in people],
            "shown": sum(1 for booking in people if matches(booking, terms)),
            "arrived": arrived,
            "expected": len(people),
            "count": arrival_count_text(arrived, len(people), kind),
            "refresh_seconds": REFRESH_SECONDS,
        }
    return TemplateResponse(request, "events/admin/check_in.html", context)


@require_GET
@permission_required(VIEW, raise_exception=True)
def check_in_state(request, event_id):
    """Who is marked now, for an open check-in page to catch up with the other phones."""
    event = get_object_or_404(EventPage, pk=event_id)
    return JsonResponse(arrivals(event, chosen_kind(event, request.GET.get("places"))))


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@permission_required(CHANGE, raise_exception=True)
def check_in_tap(request, event_id, booking_id):
    """
    One tap: mark one person at this workshop as attended (attended=1) or
    not (attended=0). Answers checkin.js with the arrivals now, and a form
    sent without JavaScript by going back to the list, at the same search.
    """
    event = get_object_or_404(EventPage, pk=event_id)
    json = _wants_json(request)
    attended = request.POST.get("attended")
    kind = chosen_kind(event, request.POST.get("places"))
    closed_reason = check_in_closed_reason(event, has_booking_form=True, kind=kind)
    if attended not in ("0", "1"):
        error, status = "Say attended=1 or attended=0.", 400
    elif closed_reason:
        error, status = closed_reason, 409
    elif not places_of(event, kind).filter(pk=booking_id).exists() or not mark_attended(
        event, booking_id, attended == "1"
    ):
        # Another workshop's booking, or one cancelled (or moved) since the list was opened.
        kind_words = "an online" if kind == PlaceKind.ONLINE else "an in-person"
        error, status = f"This person no longer has {kind_words} place at this workshop: reload the page.", 404
    else:
        error, status = "", 200
    if json:
        if error:
            return JsonResponse({"error": error}, status=status)
        return JsonResponse({"booking": booking_id, "is_attended": attended == "1", **arrivals(event, kind)})
    if error:
        messages.error(request, error)
    url = check_in_url(event, request.POST.get("q", "").strip(), kind)
    return redirect(f"{url}#booking-{booking_id}")


class WalkInForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    organisation = forms.CharField(
        label="Organisation",
        max_length=150,
        help_text="Start typing to choose from the Collaborative's list, or write the organisation's name.",
        widget=forms.TextInput(attrs={"list": "organisations", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label="Work e-mail address",
        max_length=254,
        required=False,
        help_text="Optional. If they booked with it, they are checked in on their booking instead.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    job_title = forms.CharField(label="Job title", max_length=120, required=False)

    def clean_organisation(self):
        """The organisation as the list writes it, when it is one of the list's."""
        written = " ".join(self.cleaned_data["organisation"].split())
        self.listed_organisation = Organisation.objects.filter(name__iexact=written).first()
        return self.listed_organisation.name if self.listed_organisation else written


@permission_required(CHANGE, raise_exception=True)
def add_walk_in_view(request, event_id):
    """Someone at the door without a booking: they get an attended in-person place, or their own booking is found."""
    event, form_page = _workshop(event_id)
    closed_reason = check_in_closed_reason(event, form_page is not None)
    form = WalkInForm(request.POST or None)
    if request.method == "POST" and not closed_reason and form.is_valid():
        try:
            booking, is_new = add_walk_in(
                event,
                form_page,
                name=form.cleaned_data["name"],
                organisation=form.cleaned_data["organisation"],
                listed_organisation=form.listed_organisation,
                email=form.cleaned_data["email"],
                job_title=form.cleaned_data["job_title"],
            )
        except BookingBusy:
            messages.error(request, "The database was busy. Nobody has been added: please try again.")
        else:
            if is_new:
                log(instance=event, action="events.add_walk_in", user=request.user, data={"booking": booking.pk})
                messages.success(request, f"Added {booking.name} as a walk-in: marked as attended.")
            elif booking.is_online:
                messages.success(request, f"{booking.name} already had an online place: marked as attended.")
            else:
                messages.success(request, f"{booking.name} already had a place: marked as attended.")
            return redirect(f"{check_in_url(event)}#booking-{booking.pk}")
    return TemplateResponse(
        request,
        "events/admin/add_walk_in.html",
        {
            "event": event,
            "form": form,
            "closed_reason": closed_reason,
            "organisations": Organisation.objects.values_list("name", flat=True) if not closed_reason else [],
        },
    )


class AttendanceReportForm(forms.Form):
    report = forms.FileField(
        label="Attendance report",
        help_text="The .csv file Microsoft Teams or Zoom gives the meeting's organiser.",
        widget=forms.FileInput(attrs={"accept": ".csv,.tsv,.txt"}),
    )

    def clean_report(self):
        """The people in the report. A file too large to be one is refused before it is read."""
        upload = self.cleaned_data["report"]
        if upload.size > MAX_REPORT_BYTES:
            raise forms.ValidationError(
                f"This file is larger than {MAX_REPORT_BYTES // (1024 * 1024)} MB, far more than an attendance "
                "report. Check that you chose the attendance report (a .csv file)."
            )
        try:
            return read_attendance_report(upload.read())
        except AttendanceReportError as error:
            raise forms.ValidationError(str(error)) from error


@permission_required(CHANGE, raise_exception=True)
def upload_attendance_report(request, event_id):
    """
    After an online session: the videoconference service's attendance report
    marks the bookers in it as attended (by e-mail address), and the page
    lists the people in it who match no booking. The file is read, never kept.
    """
    event, form_page = _workshop(event_id)
    closed_reason = report_upload_closed_reason(event, form_page is not None)
    form = AttendanceReportForm(request.POST or None, request.FILES or None)
    context = {"event": event, "form": form, "closed_reason": closed_reason, "bookings_url": _bookings_url(form_page)}
    if request.method == "POST" and not closed_reason:
        if form.is_valid():
            result = record_online_attendance(event, form.cleaned_data["report"])
            counts = {
                "marked": len(result.marked),
                "already_marked": len(result.already_marked),
                "unmatched": len(result.unmatched),
            }
            log(instance=event, action="events.upload_attendance_report", user=request.user, data=counts)
            online = event.bookings.confirmed()
            if event.status != EventStatus.MOVED_ONLINE:
                online = online.of_kind(PlaceKind.ONLINE)
            context |= {
                "result": result,
                "online_attended": online.exclude(attended_at=None).count(),
                "online_places": online.count(),
                "mark_by_hand_url": check_in_url(event, kind=PlaceKind.ONLINE),
            }
            return TemplateResponse(request, "events/admin/attendance_report_result.html", context)
        messages.error(request, "Nobody has been marked as attended: see the error below.")
    return TemplateResponse(request, "events/admin/upload_attendance_report.html", context)
