"""
Booking in Wagtail's admin: the Bookings menu (every booking across
workshops), the erase menu item, the dashboard panel of upcoming workshops,
and what happens when an editor adds a workshop. events/wagtail_hooks.py
registers them; the views they link to are in admin_views.py.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.admin import DateFieldListFilter, RelatedOnlyFieldListFilter
from django.contrib.admin import display as admin_display
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import formats, timezone
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.models import Page
from wagtail_modeladmin.helpers import ButtonHelper, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import IndexView

from ..models import SOONEST_FIRST, Booking, BookingFormPage, BookingStatus, EventPage
from . import admin_views, attendance_figures, checkin, moderation, questions
from .emails import STRANDED_AFTER
from .exports import (
    ATTENDANCE_COLUMNS,
    INCLUDE_NEEDS_PARAMETER,
    BookingExportMixin,
    extra_question_columns,
    include_needs,
    with_attendance_columns,
)


class BookingPermissionHelper(PermissionHelper):
    """Bookings are made by visitors, never typed in: the admin only views, cancels and promotes them."""

    def user_can_list(self, user):
        return user.has_perm("events.view_booking")

    def user_can_inspect_obj(self, user, obj):
        return user.has_perm("events.view_booking")

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class BookingButtonHelper(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        if not self.request.user.has_perm("events.change_booking") or obj.is_erased:
            return buttons
        next_url = urlencode({"next": self.request.get_full_path()})
        classname = self.finalise_classname(classnames_add or [], classnames_exclude)
        if obj.is_waiting:
            buttons.append(
                {
                    "url": reverse("events_promote_booking", args=[obj.pk]) + "?" + next_url,
                    "label": "Give a place",
                    "classname": classname,
                    "title": f"Give {obj} a place",
                }
            )
        if not obj.is_cancelled:
            buttons.append(
                {
                    "url": reverse("events_cancel_booking", args=[obj.pk]) + "?" + next_url,
                    "label": "Cancel",
                    "classname": classname + " no",
                    "title": f"Cancel {obj}'s booking",
                }
            )
        return buttons


class WorkshopFilter(RelatedOnlyFieldListFilter):
    """The workshops that have bookings, latest first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "workshop"

    def has_output(self):
        # Django's shows the filter from two choices up: shown with one, the
        # Bookings list looks the same whether or not other workshops have bookings.
        return bool(self.lookup_choices)

    def field_admin_ordering(self, field, request, model_admin):
        # Django's own version asks Django's admin site, which this project does not install.
        return ("-date", "-start_time")


class BookedAtFilter(DateFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "date booked"


class BookingIndexView(BookingExportMixin, IndexView):
    # An export option, not a filter on the bookings.
    IGNORED_PARAMS = (*IndexView.IGNORED_PARAMS, INCLUDE_NEEDS_PARAMETER)

    extra_questions = ()

    @property
    def export_headings(self):
        return {
            "workshop": "Workshop",
            **dict(questions.columns(include_sensitive=True)),
            **dict(ATTENDANCE_COLUMNS),
            **dict(self.extra_questions),
        }

    def as_spreadsheet(self, queryset, spreadsheet_format):
        # As a workshop's own export: the people booked and waiting, unless a status is chosen.
        if "status__exact" not in self.params:
            queryset = queryset.exclude(status=BookingStatus.CANCELLED)
        # Each workshop's own questions keep their answers, a column each.
        self.extra_questions = extra_question_columns(queryset)
        self.list_export = [*self.list_export, *(name for name, _ in self.extra_questions)]
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def export_label(self):
        filtered = set(self.get_filters_params()) or self.query
        return "Bookings: all workshops" + (" (filtered)" if filtered else "")

    def get_filename(self):
        return f"bookings-{timezone.localdate():%Y-%m-%d}"


class BookingAdmin(ModelAdmin):
    """Every booking across workshops: find, filter, cancel, promote and export."""

    model = Booking
    menu_label = "Bookings"
    menu_icon = "list-ul"
    menu_order = 250
    add_to_admin_menu = True
    permission_helper_class = BookingPermissionHelper
    button_helper_class = BookingButtonHelper
    index_view_class = BookingIndexView
    index_template_name = "events/admin/booking_index.html"
    inspect_view_enabled = True
    inspect_view_class = admin_views.BookingInspectView
    list_display = ("name", "organisation", "workshop", "status_label", "booked_at", "email_problem")
    list_filter = (("event", WorkshopFilter), "status", ("submit_time", BookedAtFilter))
    list_select_related = ("event",)
    search_fields = ("name", "email", "organisation")
    list_per_page = 50

    def get_list_export(self, request):
        needs = questions.question_names(sensitive=True) if include_needs(request) else ()
        standard = [(name, name) for name in questions.question_names(sensitive=False)]
        return ("submit_time", "workshop", "status", *(name for name, _ in with_attendance_columns(standard)), *needs)

    def get_inspect_view_fields(self):
        return (
            "event",
            "status",
            *questions.question_names(),
            "form_data",
            "submit_time",
            "consented_at",
            "status_changed_at",
            "cancelled_at",
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                failed_emails=Count("emails", filter=Q(emails__sent_at=None, emails__failed_at__isnull=False)),
                # Never sent nor failed, long after it was queued: no worker
                # took it, or its sender stopped with it (a server restarted mid-send).
                unsent_emails=Count(
                    "emails",
                    filter=Q(
                        emails__sent_at=None,
                        emails__failed_at=None,
                        emails__claimed_at=None,
                        emails__created_at__lt=timezone.now() - STRANDED_AFTER,
                    ),
                ),
                stranded_emails=Count(
                    "emails",
                    filter=Q(
                        emails__sent_at=None,
                        emails__failed_at=None,
                        emails__claimed_at__isnull=False,
                        emails__created_at__lt=timezone.now() - STRANDED_AFTER,
                    ),
                ),
            )
        )

    @admin_display(description="Workshop", ordering="event__date")
    def workshop(self, obj):
        return obj.event.title

    @admin_display(description="Status", ordering="status")
    def status_label(self, obj):
        return obj.get_status_display()

    @admin_display(description="Booked at", ordering="submit_time")
    def booked_at(self, obj):
        return formats.date_format(timezone.localtime(obj.submit_time), "j M Y, H:i")

    @admin_display(description="E-mail delivery")
    def email_problem(self, obj):
        if obj.failed_emails:
            return "Not delivered: will retry"
        if obj.stranded_emails:
            return "Not sent: its sender stopped, will retry"
        if obj.unsent_emails:
            return "Not sent: still waiting for the background worker"
        return ""


def add_the_booking_form(request, page):
    """
    A new workshop still to come gets its booking form at once, with the
    standard questions, as a draft that goes to the moderators with the
    workshop, or live with it when a Moderator publishes it at once
    (moderation.py has the rule). The message links to the form, to add
    questions to it; an editor deletes the form for an event that takes no
    bookings.
    """
    event = page.specific
    if not isinstance(event, EventPage) or event.is_past() or BookingFormPage.objects.child_of(event).exists():
        return
    form_page = BookingFormPage(
        title="Book a place",
        slug="book",
        live=False,
        privacy_notice_id=last_used_privacy_notice(),
        owner=request.user,
    )
    event.add_child(instance=form_page)
    revision = form_page.save_revision(user=request.user, log_action=True)
    kind = event.get_event_type_display().lower()
    workflow_state = event.current_workflow_state
    if event.live:
        # Published as it was created: the form goes live with it now.
        revision.publish(user=request.user)
        when = "It is live now"
    elif workflow_state is not None:
        # Submitted as it was created, before the form existed: it follows.
        moderation.submit_with_its_workshop(event, workflow_state.workflow, request.user)
        when = f"It has been submitted for approval with the {kind}"
    else:
        when = f"It is a draft, and goes for approval with the {kind} when you submit the {kind} for approval"
    messages.info(
        request,
        f"Added a booking form under {event.title}, with the standard questions. {when}. Edit it to add "
        "questions of your own, or delete it if this event takes no bookings.",
        buttons=[messages.button(reverse("wagtailadmin_pages:edit", args=[form_page.pk]), "Edit booking form")],
    )


def last_used_privacy_notice():
    """The privacy notice the last booking form links to, or the site's own privacy notice page."""
    used = BookingFormPage.objects.exclude(privacy_notice=None).order_by("-pk").values_list("privacy_notice_id")
    return (
        used.first()[0]
        if used.exists()
        else Page.objects.filter(slug="privacy-notice").values_list("pk", flat=True).first()
    )


def booking_forms_only_for_booking_administrators(user, editable_forms):
    """
    Bookings hold personal data, so a booking form's submissions are for
    Booking administrators, who need no page-editing rights to see them;
    editors and moderators, who edit the form, never see who booked.
    """
    booking_forms = ContentType.objects.get_for_model(BookingFormPage)
    other_forms = editable_forms.exclude(content_type=booking_forms)
    if not user.has_perm("events.view_booking"):
        return other_forms
    return Page.objects.filter(Q(pk__in=other_forms.values("pk")) | Q(content_type=booking_forms))


class BookingAdministratorMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("events.erase_booking")


class BookingViewerMenuItem(MenuItem):
    """For whoever may see bookings: the attendance report's place in the admin's reports."""

    def is_shown(self, request):
        return request.user.has_perm("events.view_booking")


# "Recent" bookings on the dashboard: those of the last week.
RECENT = timedelta(days=7)


class UpcomingBookingsPanel(Component):
    """
    The dashboard's view of the next workshops: places booked of the
    capacity, who is waiting, and on a workshop's day the way to check
    people in at its door.
    """

    name = "upcoming_bookings"
    order = 50
    template_name = "events/admin/upcoming_bookings_panel.html"

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        events = list(
            EventPage.objects.live()
            .filter(date__gte=timezone.localdate())
            .with_booking_counts()
            .annotate(told_at=F("bookers_told__told_at"))
            .order_by(*SOONEST_FIRST)[:8]
        )
        # Each workshop's booking form, in one query: a child's tree path is its parent's plus one step.
        children = Q()
        for event in events:
            children |= Q(path__startswith=event.path, depth=event.depth + 1)
        form_pages = (
            {page.path[: -Page.steplen]: page.pk for page in BookingFormPage.objects.filter(children).only("path")}
            if events
            else {}
        )
        can_view = request.user.has_perm("events.view_booking")
        can_check_in = request.user.has_perm("events.change_booking")
        today = timezone.localdate()
        recent_bookings = Booking.objects.active().filter(submit_time__gte=timezone.now() - RECENT).count()
        rows = [
            {
                "event": event,
                "told_at": event.told_at,
                # At a workshop in person and online, each kind's own count (from the same query).
                "places_by_kind": [
                    (kind.label, event.confirmed_count_for(kind), event.capacity_for(kind))
                    for kind in event.place_kinds
                ]
                if event.offers_a_choice_of_place
                else [],
                "bookings_url": (
                    reverse("wagtailforms:list_submissions", args=[form_pages[event.path]])
                    if can_view and event.path in form_pages
                    else ""
                ),
                # On the day, the way to the door's check-in page.
                "check_in_url": (
                    reverse("events_check_in", args=[event.pk])
                    if can_view
                    and can_check_in
                    and event.date == today
                    and not checkin.check_in_closed_reason(event, event.path in form_pages, today)
                    else ""
                ),
            }
            for event in events
        ]
        return {"rows": rows, "can_view": can_view, "recent_bookings": recent_bookings, "recent_days": RECENT.days}


# "Recent" workshops in the dashboard's attendance panel: those of the last
# twelve months, at most ten of them.
PAST_ATTENDANCE_PERIOD = timedelta(days=365)
PAST_ATTENDANCE_WORKSHOPS = 10


class PastAttendancePanel(Component):
    """
    The dashboard's view of the last workshops, for whoever may see
    bookings: of the places, how many attended, did not attend (no-shows)
    or were not recorded. One query for the list.
    """

    name = "past_attendance"
    order = 60
    template_name = "events/admin/past_attendance_panel.html"

    def get_context_data(self, parent_context):
        today = timezone.localdate()
        bookings = Booking.objects.filter(event__date__lt=today, event__date__gte=today - PAST_ATTENDANCE_PERIOD)
        return {
            "rows": attendance_figures.attendance_by_workshop(bookings, PAST_ATTENDANCE_WORKSHOPS),
            "months": 12,
        }
