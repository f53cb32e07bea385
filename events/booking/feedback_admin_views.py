"""
A workshop's feedback in the admin: its summary (counts, averages, each
rating's distribution as a chart with its table, what people wrote, the
form's own questions), for Booking administrators and Moderators (the
permission events.view_feedbackresponse, migration 0021); and its export,
for whoever may export it (events.export_feedbackresponse: Booking
administrators), formula-safe and in the audit log as booking exports are.
Editors, who build the form, do not read the answers.
"""

from django.contrib.auth.decorators import permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from wagtail.admin.ui.menus.pages import PageMenuItem
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.models import Page

from ..models import EventPage, FeedbackFormPage, FeedbackResponse
from ..models.feedback import RESPONSE_ORDER
from .exports import FormulaSafeExportMixin, log_export
from .feedback import OPEN_QUESTIONS, RATINGS, feedback_summary, in_words

VIEW_FEEDBACK = "events.view_feedbackresponse"
EXPORT_FEEDBACK = "events.export_feedbackresponse"
EXPORT_FEEDBACK_ACTION = "events.export_feedback"


def feedback_form_of(event):
    """The workshop's feedback form, live or not (the summary reads the answers of a closed form too)."""
    return FeedbackFormPage.objects.child_of(event).first()


@permission_required(VIEW_FEEDBACK, raise_exception=True)
def feedback_summary_view(request, event_id):
    event = get_object_or_404(EventPage, pk=event_id)
    form_page = feedback_form_of(event)
    from .admin_views import workshop_bookings_url

    can_edit_form = form_page is not None and form_page.permissions_for_user(request.user).can_edit()
    return TemplateResponse(
        request,
        "events/admin/feedback_summary.html",
        {
            "event": event,
            "form_page": form_page,
            "summary": feedback_summary(event, form_page),
            "can_export": request.user.has_perm(EXPORT_FEEDBACK),
            "bookings_url": workshop_bookings_url(event) if request.user.has_perm("events.view_booking") else "",
            "edit_form_url": reverse("wagtailadmin_pages:edit", args=[form_page.pk]) if can_edit_form else "",
        },
    )


class FeedbackExportView(FormulaSafeExportMixin, SpreadsheetExportMixin, View):
    """
    A workshop's feedback responses as a spreadsheet: the day each came, the
    ratings, what they wrote, the answers to the form's own questions, and
    the name where one was given. Safe to open in Excel (FormulaSafeExportMixin).
    """

    def get(self, request, event_id, spreadsheet_format):
        if not request.user.has_perm(EXPORT_FEEDBACK):
            raise PermissionDenied
        if spreadsheet_format not in self.FORMATS:
            raise Http404
        self.event = get_object_or_404(EventPage, pk=event_id)
        # By the day and the answers, not by arrival (RESPONSE_ORDER).
        responses = FeedbackResponse.objects.filter(event=self.event).order_by(*RESPONSE_ORDER)
        self.set_columns(feedback_form_of(self.event), responses)
        log_export(
            request.user,
            self.event,
            {"format": spreadsheet_format, "rows": responses.count()},
            action=EXPORT_FEEDBACK_ACTION,
        )
        return self.as_spreadsheet(responses, spreadsheet_format)

    def set_columns(self, form_page, responses):
        columns = [
            ("received_on", "Received on"),
            *((rating.name, rating.heading) for rating in RATINGS),
            *((question.name, question.heading) for question in OPEN_QUESTIONS),
        ]
        asked = [(field.clean_name, field.label) for field in form_page.form_fields.all()] if form_page else []
        answered = sorted({key for answers in responses.values_list("answers", flat=True) for key in answers})
        asked_names = {name for name, label in asked}
        columns += [(f"answers.{name}", label) for name, label in asked]
        columns += [(f"answers.{name}", f"{name} (no longer asked)") for name in answered if name not in asked_names]
        columns.append(("name", "Name (only if given)"))
        self.list_export = [name for name, heading in columns]
        self.export_headings = dict(columns)

    def to_row_dict(self, item):
        row = {}
        for column in self.list_export:
            if column.startswith("answers."):
                value = item.answers.get(column.removeprefix("answers."))
                row[column] = "" if value is None else in_words(value)
            else:
                row[column] = getattr(item, column)
        return row

    def get_filename(self):
        return f"feedback-{self.event.slug}-{timezone.localdate():%Y-%m-%d}"

    def stream_csv(self, queryset):
        # The byte-order mark Excel needs to read accents, as the booking exports have.
        yield "\ufeff"
        yield from super().stream_csv(queryset)


export_feedback = FeedbackExportView.as_view()


# Wagtail's Forms listing and page listing ------------------------------------------


def feedback_forms_only_for_feedback_readers(user, editable_forms):
    """
    Wagtail lists a form for whoever may edit it, and links it to its
    submissions: a feedback form's are its workshop's answers, so it is
    listed for the people who read feedback (Booking administrators and
    Moderators), every feedback form, and for nobody else (not Editors).
    """
    feedback_forms = ContentType.objects.get_for_model(FeedbackFormPage)
    other_forms = editable_forms.exclude(content_type=feedback_forms)
    if not user.has_perm(VIEW_FEEDBACK):
        return other_forms
    return Page.objects.filter(Q(pk__in=other_forms.values("pk")) | Q(content_type=feedback_forms))


class ReadFeedbackButton(PageMenuItem):
    """In a page listing's "more" menu of a feedback form: its workshop's feedback summary."""

    label = "Read the feedback"
    icon_name = "comment"

    @cached_property
    def url(self):
        return reverse("events_feedback_summary", args=[self.page.get_parent().pk])

    def is_shown(self, user):
        return user.has_perm(VIEW_FEEDBACK)


def read_feedback_buttons(page, user, next_url=None):
    if page.specific_class is FeedbackFormPage:
        yield ReadFeedbackButton(page=page, priority=5)


def read_feedback_header_buttons(page, user, view_name, next_url=None):
    """The same, in the header of the feedback form's own admin pages (its editor, its listing)."""
    yield from read_feedback_buttons(page, user, next_url)
