"""
Admin views for bookings: the per-workshop listing (Wagtail's form
submissions), cancelling and promoting one booking, a workshop's printable
attendance register, telling a workshop's bookers about a change, and
erasing one person's bookings. Only Booking administrators reach them.
"""

from datetime import timedelta

import django_filters
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.ui.tables.pages import PageStatusColumn
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.contrib.forms.views import (
    DeleteSubmissionsView,
    FormPagesListView,
    SubmissionsListFilterSet,
    SubmissionsListView,
)
from wagtail.log_actions import log
from wagtail.models import Page
from wagtail.snippets.views.snippets import IndexView as SnippetIndexView
from wagtail_modeladmin.views import InspectView

from ..models import (
    BookersTold,
    Booking,
    BookingEmailKind,
    BookingFormPage,
    BookingStatus,
    Certificate,
    EventPage,
    FeedbackFormPage,
    FeedbackResponse,
)
from . import attendance_figures, follow_up, questions
from .attendance import attendance_of, attendance_taken_kinds, with_attendance
from .certificates import display_code, may_have_certificate
from .emails import delivery_status, queue_email
from .exports import (
    INCLUDE_NEEDS_PARAMETER,
    BookingExportMixin,
    FormulaSafeExportMixin,
    attendance_in_words,
    for_attendance_columns,
    include_needs,
    with_attendance_columns,
)
from .privacy import erase_personal_data
from .rules import BookingBusy, NoPlaceFree, cancel_booking, promote_booking

VIEW = "events.view_booking"
CHANGE = "events.change_booking"
ERASE = "events.erase_booking"


class FormulaSafeSnippetIndexView(FormulaSafeExportMixin, SnippetIndexView):
    """A snippet listing (venues, contacts) whose exports no spreadsheet runs as formulas."""


# The status filter's choices beyond a booking's own statuses. Without a
# choice, the list and its exports leave cancelled bookings out: the people
# coming and waiting are what a list is wanted for.
ANY_STATUS = "any"


class BookingSubmissionsFilterSet(SubmissionsListFilterSet):
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[*BookingStatus.choices, (ANY_STATUS, "Any, with cancelled bookings")],
        empty_label="Booked or waiting",
        method="filter_status",
    )

    def filter_status(self, queryset, name, value):
        return queryset if value == ANY_STATUS else queryset.filter(status=value)


def may_see_needs(user):
    """
    Access and dietary needs are for the people who may export them (to
    cater, to arrange the room): shown to them in the lists and a booking's
    details, and to nobody else who can see bookings.
    """
    return user.has_perm("events.export_booking")


class BookingSubmissionsListView(BookingExportMixin, SubmissionsListView):
    """
    Wagtail's submissions listing for one booking form, for Booking
    administrators only, with safe exports and links to the register and
    to notifying the workshop's bookers.
    """

    page_title = "Bookings"
    filterset_class = BookingSubmissionsFilterSet
    # Wagtail's own, with the workshop's follow-up e-mail above the list.
    template_name = "events/admin/booking_submissions.html"
    # Wagtail's own results template offers to delete submissions: bookings
    # are cancelled instead, so the waiting list moves up and the counts hold.
    results_template_name = "events/admin/booking_submissions_results.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def as_spreadsheet(self, queryset, spreadsheet_format):
        data_fields = with_attendance_columns(
            self.form_page.get_data_fields(include_sensitive=include_needs(self.request))
        )
        self.list_export = [name for name, label in data_fields]
        self.export_headings = dict(data_fields)
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def get_base_queryset(self):
        return for_attendance_columns(self.form_page.get_submissions())

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.status_chosen:
            queryset = queryset.exclude(status=BookingStatus.CANCELLED)
        return queryset

    @cached_property
    def status_chosen(self):
        return bool(self.filters and self.filters.is_valid() and self.filters.form.cleaned_data.get("status"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.is_export:
            # Wagtail's rows without the needs, unless this person may see them: the columns are made again,
            # with each booking's attendance (and at a workshop in person and online, its kind of place).
            data_fields = self.listing_columns()
            context["data_headings"] = [
                {"name": name, "label": label, "order": self._order_of(name), "url": self._ordered_by(name)}
                for name, label in data_fields
            ]
            rows = []
            follow_ups = follow_up.follow_ups_of(context["submissions"]) if self.shows_follow_ups else {}
            now = timezone.now()
            for submission in context["submissions"]:
                answers = {
                    **submission.get_data(),
                    "attends": submission.get_attends_display(),
                    "attendance": attendance_in_words(submission),
                    "follow_up": follow_up.follow_up_in_a_few_words(follow_ups.get(submission.pk), now),
                }
                rows.append(
                    [
                        ", ".join(value) if isinstance(value, list) else value
                        for value in (answers.get(n) for n, _ in data_fields)
                    ]
                )
            context["booking_rows"] = list(zip(context["submissions"], rows, strict=True))
            context["can_change"] = self.request.user.has_perm(CHANGE)
            context["next_url"] = self.request.get_full_path()
            context["cancelled_left_out"] = not self.status_chosen
            event = self.form_page.event
            context["follow_up"] = follow_up.follow_up_state(event)
            context["follow_up_urls"] = {
                action.replace("-", "_"): reverse("events_follow_up", args=[event.pk, action])
                for action in FOLLOW_UP_ACTIONS
            }
        return context

    @cached_property
    def shows_follow_ups(self):
        """Whether the list has a column for each booking's follow-up e-mail: from the day after the workshop."""
        return self.form_page.event.date < timezone.localdate()

    def listing_columns(self):
        columns = list(self.form_page.get_data_fields(include_sensitive=may_see_needs(self.request.user)))
        attendance = [("attends", "Attends")] if self.form_page.event.offers_a_choice_of_place else []
        attendance.append(("attendance", "Attendance"))
        if self.shows_follow_ups:
            attendance.append(("follow_up", "Follow-up e-mail"))
        return with_attendance_columns(columns, attendance)

    def _ordered_by(self, name):
        """This list ordered by the column (the other way if it is already), keeping its filters."""
        params = self.request.GET.copy()
        params.pop(self.page_kwarg, None)
        params["order_by"] = ("-" if self._order_of(name) == "ascending" else "") + name
        return f"?{params.urlencode()}"

    def _order_of(self, name):
        if name not in self.orderable_fields:
            return None
        chosen = self.get_validated_ordering().get(name)
        return chosen[1] if chosen else "orderable"

    def export_event(self):
        return self.form_page.event

    def get_filename(self):
        return f"bookings-{self.form_page.event.slug}-{timezone.localdate():%Y-%m-%d}"

    def get_page_subtitle(self):
        return self.form_page.event.title

    def export_url(self, export_format, with_needs=False):
        params = self.request.GET.copy()
        params["export"] = export_format
        if with_needs:
            params[INCLUDE_NEEDS_PARAMETER] = "include"
        return f"{self.request.path}?{params.urlencode()}"

    @cached_property
    def header_buttons(self):
        # What a Booking administrator comes for, in one click: the list in
        # Excel, the register, and on the day and after it, check-in. The
        # rest wait in the "more" menu.
        from .checkin import check_in_closed_reason

        event = self.form_page.event
        buttons = []
        if self.request.user.has_perm("events.export_booking"):
            buttons.append(
                HeaderButton("Download XLSX", url=self.export_url("xlsx"), icon_name="download", priority=10)
            )
        buttons.append(
            HeaderButton(
                "Attendance register",
                url=reverse("events_booking_register", args=[event.pk]),
                icon_name="doc-full",
                priority=20,
            )
        )
        if self.request.user.has_perm(CHANGE) and not check_in_closed_reason(event, has_booking_form=True):
            buttons.append(
                HeaderButton(
                    "Check in", url=reverse("events_check_in", args=[event.pk]), icon_name="check", priority=30
                )
            )
        feedback = self.feedback_button(event)
        if feedback:
            buttons.append(feedback)
        return buttons

    def feedback_button(self, event):
        """After the day, the workshop's feedback summary, with how many have answered (for those who read it)."""
        if not self.request.user.has_perm("events.view_feedbackresponse"):
            return None
        responses = FeedbackResponse.objects.filter(event=event).count()
        if not responses and not FeedbackFormPage.objects.child_of(event).exists():
            return None
        return HeaderButton(
            f"Feedback ({responses} response{'' if responses == 1 else 's'})",
            url=reverse("events_feedback_summary", args=[event.pk]),
            icon_name="comment",
            priority=40,
        )

    @cached_property
    def header_more_buttons(self):
        # Wagtail's own export buttons are replaced by ours, which are only
        # for people allowed to export.
        from .checkin import report_upload_closed_reason

        event = self.form_page.event
        buttons = [button for button in super().header_more_buttons if "export=" not in (button.url or "")]
        if self.request.user.has_perm("events.export_booking"):
            buttons += [
                Button("Download CSV", url=self.export_url("csv"), icon_name="download", priority=90),
                Button(
                    "Download XLSX with access and dietary needs",
                    url=self.export_url("xlsx", with_needs=True),
                    icon_name="download",
                    priority=91,
                ),
                Button(
                    "Download CSV with access and dietary needs",
                    url=self.export_url("csv", with_needs=True),
                    icon_name="download",
                    priority=92,
                ),
            ]
        if self.request.user.has_perm(CHANGE) and not report_upload_closed_reason(event, has_booking_form=True):
            buttons.append(
                Button(
                    "Upload the online attendance report",
                    url=reverse("events_upload_attendance_report", args=[event.pk]),
                    icon_name="upload",
                    priority=95,
                )
            )
        buttons.append(
            Button(
                "Attendance by organisation",
                url=reverse("events_workshop_attendance_by_organisation", args=[event.pk]),
                icon_name="table",
                priority=96,
            )
        )
        if self.request.user.has_perm(CHANGE):
            buttons.append(
                Button(
                    "Tell bookers about a change",
                    url=reverse("events_notify_bookers", args=[self.form_page.event.pk]),
                    icon_name="mail",
                    priority=100,
                )
            )
        return buttons


class BookingFormsListView(FormPagesListView):
    """
    Wagtail's Forms listing, opened to Booking administrators: every
    workshop's booking form, past ones included (the dashboard lists only
    the next few), each leading to that workshop's bookings and its
    attendance register. Kept rather than hidden because it is their one way
    into a past workshop's own bookings; the Bookings menu lists everyone's
    bookings together.

    Wagtail shows the Forms menu item to anyone with a form to see
    (events/booking/admin.py booking_forms_only_for_booking_administrators)
    but opens the listing only to page editors, so a Booking administrator,
    who edits no pages, met "you do not have permission". Its rows are named
    by workshop (every booking form is called "Book a place"), and link only
    to the bookings: Wagtail's links to the parent page and the page's
    editor are for page editors. A workshop's feedback form is listed too,
    for the people who read feedback (feedback_admin_views), leading to its
    feedback summary.
    """

    # Wagtail's search matches the forms' own titles, and every booking
    # form is "Book a place": a search for a workshop would find nothing.
    is_searchable = False
    columns = [
        TitleColumn(
            "workshop",
            label="Workshop",
            accessor=lambda form_page: form_page.workshop_title,
            url_name="wagtailforms:list_submissions",
        ),
        # A workshop's booking form and its feedback form share its title: which one the row is.
        Column("form", label="Form", accessor=lambda form_page: capfirst(form_page.specific_class._meta.verbose_name)),
        DateColumn("latest_revision_created_at", label="Form updated", sort_key="latest_revision_created_at"),
        PageStatusColumn("status", label="Form status", sort_key="live"),
    ]

    def user_has_any_permission(self, actions):
        return self.request.user.has_perm(VIEW) or super().user_has_any_permission(actions)

    def get_table(self, object_list):
        # Each form's workshop (its parent page), for the listed forms in one query.
        parent_paths = {form_page.path[: -Page.steplen] for form_page in object_list}
        parents = {page.path: page for page in Page.objects.filter(path__in=parent_paths).specific()}
        for form_page in object_list:
            parent = parents.get(form_page.path[: -Page.steplen])
            form_page.workshop_title = (
                parent.get_admin_display_title() if parent else form_page.get_admin_display_title()
            )
        return super().get_table(object_list)


delete_other_submissions = DeleteSubmissionsView.as_view()


def delete_submissions(request, page_id):
    """
    Wagtail's "delete submissions", except for bookings: deleting one would
    free a place without offering it to the waiting list, and lose the
    record of who was told what. Bookings are cancelled, or erased. A
    feedback form has no Wagtail submissions to delete: its responses, which
    name no one, stay for the workshop's figures (its summary is shown instead).
    """
    page = get_object_or_404(Page, pk=page_id)
    if page.specific_class is FeedbackFormPage:
        # Responses are not Wagtail's submissions: they stay for the workshop's figures.
        return redirect("events_feedback_summary", page.get_parent().pk)
    if page.specific_class is BookingFormPage:
        messages.error(
            request,
            "Bookings cannot be deleted. Cancel a booking to free its place for the waiting list, "
            "or use \"Erase a person's data\" to remove someone's details.",
        )
        return redirect("wagtailforms:list_submissions", page_id)
    return delete_other_submissions(request, page_id=page_id)


def _back_to(request, booking):
    next_url = request.POST.get("next") or request.GET.get("next")
    if next_url and next_url.startswith("/admin/"):
        return next_url
    return reverse("events_booking_modeladmin_index")


def _booking_action(request, pk, action, perform, done, not_done, confirmation):
    """
    Ask an administrator to confirm an action on one booking (GET), then do
    it (POST): perform(booking) says whether it changed anything, and the
    message and audit log entry say what happened.
    """
    booking = get_object_or_404(Booking.objects.select_related("event"), pk=pk)
    if request.method != "POST":
        context = {"booking": booking, "action": action, "next": _back_to(request, booking), **confirmation(booking)}
        return TemplateResponse(request, "events/admin/confirm_booking_action.html", context)
    try:
        changed = perform(booking)
    except NoPlaceFree as full:
        messages.error(request, str(full))
    except BookingBusy:
        messages.error(request, "The database was busy. Nothing has changed: please try again.")
    else:
        if changed:
            log(instance=booking.event, action=f"events.{action}_booking", user=request.user, data={"booking": pk})
            messages.success(request, done(booking))
        else:
            messages.warning(request, not_done)
    return redirect(_back_to(request, booking))


@permission_required(CHANGE, raise_exception=True)
def cancel_booking_view(request, pk):
    return _booking_action(
        request,
        pk,
        "cancel",
        cancel_booking,
        done=lambda booking: f"Cancelled {booking.name}'s booking at {booking.event.title}. They have been told.",
        not_done="That booking was already cancelled.",
        confirmation=lambda booking: {
            "page_title": "Cancel booking",
            "question": (
                f"Cancel the {booking.get_status_display().lower()} booking of {booking.name} "
                f"({booking.organisation}) at {booking.event.title}?"
            ),
            "consequence": (
                "They will be e-mailed that their booking is cancelled."
                + (" Their place goes to the first person on the waiting list." if booking.is_confirmed else "")
            ),
        },
    )


@permission_required(CHANGE, raise_exception=True)
def promote_booking_view(request, pk):
    return _booking_action(
        request,
        pk,
        "promote",
        promote_booking,
        done=lambda booking: f"{booking.name} now has a place at {booking.event.title}. They have been told.",
        not_done="Only someone on the waiting list can be given a place.",
        confirmation=lambda booking: {
            "page_title": "Give a place",
            "question": f"Give {booking.name} ({booking.organisation}) a place at {booking.event.title}?",
            "consequence": "They will be e-mailed that a place has come up, with the calendar invitation.",
        },
    )


@permission_required(VIEW, raise_exception=True)
def booking_register(request, event_id):
    """
    A printable sign-in sheet: the confirmed bookers, by surname, with each
    one's attendance so far (and kind of place, at a workshop in person and
    online) and a column to sign.
    """
    event = get_object_or_404(EventPage.objects.select_related("venue"), pk=event_id)
    from .checkin import check_in_closed_reason

    confirmed = event.bookings.confirmed().filter(erased_at=None)
    attendees = sorted(
        with_attendance(confirmed).only(
            "event", "name", "job_title", "organisation", "attends", "is_walk_in", "attended_at"
        ),
        key=register_order,
    )
    for booking in attendees:
        booking.attendance_in_words = attendance_in_words(booking)
    form_page = event.get_children().type(BookingFormPage).first()
    back_url = (
        reverse("wagtailforms:list_submissions", args=[form_page.pk])
        if form_page
        else reverse("events_booking_modeladmin_index")
    )
    may_check_in = request.user.has_perm(CHANGE) and not check_in_closed_reason(event, form_page is not None)
    return TemplateResponse(
        request,
        "events/admin/booking_register.html",
        {
            "event": event,
            "attendees": attendees,
            "back_url": back_url,
            "check_in_url": reverse("events_check_in", args=[event.pk]) if may_check_in else "",
            "shows_attends": event.offers_a_choice_of_place,
            "places_by_kind": [
                (kind.label, sum(booking.attends == kind for booking in attendees), event.capacity_for(kind))
                for kind in event.place_kinds
            ],
        },
    )


def register_order(booking):
    """By surname, then the whole name: the order of the printed register and of the check-in page."""
    words = booking.name.split()
    return (words[-1].lower() if words else "", booking.name.lower())


class BookingInspectView(InspectView):
    """
    A booking's details: its kind of place and attendance, the organisation
    chosen from the list, whether the place was handed over (from whom, to
    whom), and what became of each e-mail about it (with the reason one was
    not sent).
    """

    def get_fields_dict(self):
        booking = self.instance
        now = timezone.now()
        emails = booking.emails.order_by("created_at")
        hidden = () if may_see_needs(self.request.user) else questions.question_names(sensitive=True)
        return [
            *(
                self.get_dict_for_field(name)
                for name in self.model_admin.get_inspect_view_fields()
                if name not in hidden
            ),
            {"label": "Attends", "value": booking.get_attends_display()},
            {"label": "Attendance", "value": self.attendance_line()},
            {"label": "Organisation from the list", "value": self.listed_organisation_line()},
            {"label": "Handed over", "value": self.hand_over_lines() or "No"},
            {"label": "Certificate of attendance", "value": self.certificate_line()},
            {
                "label": "E-mails",
                "value": format_html_join(
                    mark_safe("<br>"),  # noqa: S308 (a constant)
                    "{}: {}",
                    ((record.get_kind_display(), delivery_status(record, now)) for record in emails),
                )
                or "None",
            },
        ]

    def attendance_line(self):
        booking = self.instance
        words = attendance_of(booking, booking.event, attendance_taken_kinds(booking.event)) or "No place"
        if booking.attended_at:
            words += f", marked on {formats.date_format(timezone.localtime(booking.attended_at), 'j F Y, H:i')}"
        return words + (" (walked in on the day)" if booking.is_walk_in else "")

    def certificate_line(self):
        """
        The booking's certificate: its code and a link to the PDF, to send
        again to someone who asks; made when first opened or downloaded.
        """
        booking = self.instance
        if not may_have_certificate(booking):
            return "None: only people marked as attended have one"
        download = format_html(
            '<a href="{}">Download the PDF</a>', reverse("events_booking_certificate", args=[booking.pk])
        )
        certificate = Certificate.objects.filter(booking=booking).first()
        if certificate is None:
            return format_html(
                "Not made yet: it is made when they open their link, or when you download it. {}", download
            )
        return format_html(
            "{}, made on {}. {}",
            display_code(certificate.code),
            formats.date_format(timezone.localtime(certificate.issued_at), "j F Y"),
            download,
        )

    def listed_organisation_line(self):
        organisation = self.instance.listed_organisation
        if organisation is None:
            return "None: the booker wrote their organisation's name"
        return f"{organisation.name}{' (member of the Collaborative)' if organisation.is_member else ''}"

    def hand_over_lines(self):
        booking = self.instance
        lines = [
            ("Handed over by {} on {}", giver, giver.cancelled_at)
            for giver in booking.received_from.order_by("cancelled_at")
        ]
        if booking.handed_over_to_id:
            lines.append(("Handed to {} on {}", booking.handed_over_to, booking.cancelled_at))
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 (a constant)
            "{}",
            (
                (
                    format_html(
                        sentence,
                        format_html('<a href="{}">{}</a>', inspect_url(other), person_named(other)),
                        formats.date_format(timezone.localtime(when), "j F Y, H:i") if when else "a date not recorded",
                    ),
                )
                for sentence, other, when in lines
            ),
        )


def inspect_url(booking):
    return reverse("events_booking_modeladmin_inspect", args=[booking.pk])


def person_named(booking):
    # An erased booking names no one: it is shown by its number.
    return str(booking) if booking.is_erased else booking.name


# The period "Attendance by organisation" counts unless another is chosen: the last twelve months.
ATTENDANCE_PERIOD = timedelta(days=365)


class AttendancePeriodForm(forms.Form):
    start = forms.DateField(
        label="Workshops from", required=False, widget=AdminDateInput(), help_text="The first day to count."
    )
    end = forms.DateField(label="To", required=False, widget=AdminDateInput(), help_text="The last day to count.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", "The last day must be on or after the first.")
        return cleaned

    def period(self, today):
        """(first day, last day) counted: as chosen, or the last twelve months."""
        chosen = self.cleaned_data if self.is_valid() else {}
        end = chosen.get("end") or today
        return chosen.get("start") or end - ATTENDANCE_PERIOD, end


@permission_required(VIEW, raise_exception=True)
def attendance_by_organisation(request, event_id=None):
    """
    Places, attendance and no-shows per organisation: at the workshops of a
    period (the last twelve months unless another is chosen), or at one
    workshop. Numbers only: nobody is named.
    """
    event = get_object_or_404(EventPage, pk=event_id) if event_id else None
    bookings = Booking.objects.all()
    form = period = None
    if event:
        bookings = bookings.filter(event=event)
    else:
        form = AttendancePeriodForm(request.GET or None)
        period = form.period(timezone.localdate())
        bookings = bookings.filter(event__date__range=period)
    order = request.GET.get("order")
    order = order if order in attendance_figures.ORGANISATION_ORDERS else attendance_figures.DEFAULT_ORGANISATION_ORDER
    rows = attendance_figures.attendance_by_organisation(bookings, order)
    params = request.GET.copy()
    sort_urls = {}
    for name in attendance_figures.ORGANISATION_ORDERS:
        params["order"] = name
        sort_urls[name] = f"?{params.urlencode()}"
    return TemplateResponse(
        request,
        "events/admin/attendance_by_organisation.html",
        {
            "event": event,
            "form": form,
            "period": period,
            "rows": rows,
            "totals": attendance_figures.attendance_totals_of(rows),
            "order": order,
            "sort_urls": sort_urls,
            "bookings_url": workshop_bookings_url(event) if event else "",
        },
    )


def workshop_bookings_url(event):
    """The workshop's own bookings list, or the Bookings menu's for a workshop without a booking form."""
    form_page = event.get_children().type(BookingFormPage).first()
    if form_page:
        return reverse("wagtailforms:list_submissions", args=[form_page.pk])
    return reverse("events_booking_modeladmin_index") + f"?event__id__exact={event.pk}"


FOLLOW_UP_ACTIONS = ("hold-back", "release", "send-now")


@permission_required(CHANGE, raise_exception=True)
def follow_up_action(request, event_id, action):
    """
    Hold back, release or send now a workshop's follow-up e-mail
    (follow_up.py): asked to confirm (GET), then done (POST), with a message
    saying what happened, and written in the audit log.
    """
    if action not in FOLLOW_UP_ACTIONS:
        raise Http404
    event = get_object_or_404(EventPage, pk=event_id)
    state = follow_up.follow_up_state(event)
    back = workshop_bookings_url(event)
    allowed = {"hold-back": state.can_hold_back, "release": state.can_release, "send-now": state.can_send_now}[action]
    if request.method != "POST":
        if not allowed:
            messages.warning(request, _follow_up_refusal(event, action))
            return redirect(back)
        return TemplateResponse(
            request,
            "events/admin/confirm_follow_up_action.html",
            {"event": event, "action": action, "back_url": back, **_follow_up_confirmation(event, action, state)},
        )
    if not allowed:
        messages.warning(request, _follow_up_refusal(event, action))
    elif action == "hold-back":
        follow_up.hold_back(event, request.user)
        messages.success(
            request, f"Held back the follow-up e-mail of {event.title}. Nobody is sent it until you release it."
        )
    elif action == "release":
        follow_up.release(event, request.user)
        messages.success(request, f"Released the follow-up e-mail of {event.title}. {_after_release(event)}")
    else:
        count = len(follow_up.send_now(event, request.user))
        messages.success(request, f"Sending the follow-up e-mail of {event.title} to {follow_up.people(count)}.")
    return redirect(back)


def _after_release(event):
    today = timezone.localdate()
    if event.date >= today:
        return f"It is sent the morning after the {event.get_event_type_display().lower()}."
    if event.date < today - timedelta(days=settings.FOLLOW_UP_WITHIN_DAYS):
        return (
            f"The {event.get_event_type_display().lower()} was more than {settings.FOLLOW_UP_WITHIN_DAYS} days ago, "
            "so the schedule will not send it: use Send now."
        )
    return "The schedule sends it on its next morning run to everyone whose attendance has been recorded."


def _follow_up_refusal(event, action):
    if action == "send-now":
        if event.status in follow_up.NOT_GOING_AHEAD:
            return f"{event.title} was {event.get_status_display().lower()}: it has no follow-up e-mail."
        if event.date >= timezone.localdate():
            return f"The follow-up e-mail can be sent once {event.title} is over, from the day after."
        return f"Everyone with a place at {event.title} has already been sent the follow-up e-mail."
    if action == "release":
        return f"The follow-up e-mail of {event.title} is not held back."
    return f"The follow-up e-mail of {event.title} can no longer be held back: it has been sent."


def _follow_up_confirmation(event, action, state):
    kind = event.get_event_type_display().lower()
    if action == "hold-back":
        return {
            "page_title": "Hold back the follow-up e-mail",
            "question": f"Hold back the follow-up e-mail of {event.title}?",
            "consequences": [
                "Nobody is sent it until you release it. Those already sent it are not affected.",
                f"Hold it back to add the presentations or the recording to the {kind}'s page first, or while "
                "attendance is being checked.",
            ],
            "button": "Yes, hold it back",
        }
    if action == "release":
        return {
            "page_title": "Release the follow-up e-mail",
            "question": f"Release the follow-up e-mail of {event.title}?",
            "consequences": [_after_release(event)],
            "button": "Yes, release it",
        }
    unrecorded = state.attendance_not_recorded
    consequences = [
        f"It goes now to the {follow_up.people(state.left_to_send)} with a place who have not had it. Those marked "
        "attended are thanked and sent the materials and their feedback and certificate links; the others are "
        "sent the materials only.",
    ]
    if unrecorded:
        consequences.append(
            f"The attendance of {follow_up.people(unrecorded)} was not recorded: they are sent it as people who "
            "did not attend, without the feedback and certificate links. Record their attendance first if they came."
        )
    if state.can_release:
        consequences.append("It is held back: sending it now releases it.")
    return {
        "page_title": "Send the follow-up e-mail now",
        "question": f"Send the follow-up e-mail of {event.title} now?",
        "consequences": consequences,
        "button": "Yes, send it now",
    }


class NotifyBookersForm(forms.Form):
    message = forms.CharField(
        label="What has changed",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            "Optional. Added to the e-mail, after the workshop's own status message. The e-mail always gives "
            "the current date, time and place, with an updated calendar invitation."
        ),
    )


@permission_required(CHANGE, raise_exception=True)
def notify_bookers(request, event_id):
    """After a change of date, time or venue, or a cancellation: e-mail everyone booked or waiting."""
    event = get_object_or_404(EventPage.objects.select_related("venue"), pk=event_id)
    bookings = event.bookings.active().filter(erased_at=None)
    form = NotifyBookersForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for booking in bookings:
                queue_email(booking, BookingEmailKind.UPDATE, message=form.cleaned_data["message"])
        count = len(bookings)
        log(instance=event, action="events.notify_bookers", user=request.user, data={"recipients": count})
        messages.success(request, f"Sending the update to {count} {'person' if count == 1 else 'people'}.")
        form_page = event.get_children().type(BookingFormPage).first()
        if form_page:
            return redirect("wagtailforms:list_submissions", form_page.pk)
        return redirect("events_booking_modeladmin_index")
    return TemplateResponse(
        request,
        "events/admin/notify_bookers.html",
        {
            "event": event,
            "form": form,
            "confirmed": event.bookings.confirmed().count(),
            "waiting": event.waiting_count,
            "told_at": BookersTold.objects.filter(event=event).values_list("told_at", flat=True).first(),
        },
    )


class EraseSearchForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)


@permission_required(ERASE, raise_exception=True)
def erase_bookings(request):
    """
    Find every booking made with one e-mail address (in any case) and, on
    confirmation, erase the personal details: for a right-to-erasure
    request. An upcoming place is cancelled first, so it goes to the next
    person waiting.
    """
    # Searched by POST, never in the address: the person's e-mail address
    # would otherwise stay in the web servers' access logs and browser histories.
    form = EraseSearchForm(request.POST or None)
    bookings = []
    if form.is_valid():
        bookings = list(
            Booking.objects.for_email(form.cleaned_data["email"]).filter(erased_at=None).select_related("event")
        )
        if request.method == "POST" and request.POST.get("confirm") == "erase":
            erased = erase_personal_data(bookings)
            log_entry_data = {"bookings": [booking.pk for booking in bookings]}
            for event in {booking.event for booking in bookings}:
                log(instance=event, action="events.erase_bookings", user=request.user, data=log_entry_data)
            messages.success(request, f"Erased the personal details in {erased} booking{'' if erased == 1 else 's'}.")
            return redirect("events_erase_bookings")
    return TemplateResponse(
        request, "events/admin/erase_bookings.html", {"form": form, "bookings": bookings, "searched": form.is_bound}
    )
