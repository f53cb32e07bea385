"""
Booking a place at a workshop: the booking form page an editor adds under a
workshop, the questions they add to it, each booking, and every e-mail sent
about a booking.

The rules (capacity, waiting list, cancelling) live in events/booking/;
these models only hold the data.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.forms.models import FORM_FIELD_CHOICES, AbstractFormField, AbstractFormSubmission, FormMixin
from wagtail.contrib.forms.utils import get_field_clean_name
from wagtail.fields import RichTextField
from wagtail.models import Page

from home.mixins import IntroductionMixin
from home.restrictions import ViewRestrictionsByPathMixin

from ..booking import questions as booking_questions
from .choices import PlaceKind

# The kinds of question an editor may add to a booking form: those a booker
# answers, in the NHS.UK style. Left out of Wagtail's list: "Hidden field"
# (it asks the booker nothing), "URL" (a booker has no web address to give;
# a single line takes one if ever needed), "Date/time" (a plain text box
# wanting "2030-01-10 10:30"; a date and a drop-down of sessions ask it
# better) and "Multiple select" (hard to use, by keyboard and on a phone:
# checkboxes ask the same). Migration 0015 turned existing questions of
# those kinds into the nearest kind offered.
RETIRED_QUESTION_TYPES = ("hidden", "url", "datetime", "multiselect")
QUESTION_TYPES = [(value, label) for value, label in FORM_FIELD_CHOICES if value not in RETIRED_QUESTION_TYPES]


class BookingFormField(AbstractFormField):
    """A question an editor adds to a booking form, after the standard ones."""

    page = ParentalKey("events.BookingFormPage", on_delete=models.CASCADE, related_name="form_fields")
    field_type = models.CharField("field type", max_length=16, choices=QUESTION_TYPES)
    # As Wagtail's own: previews build the question from it, so it is checked on every save.
    field_type.required_on_save = True

    def clean(self):
        super().clean()
        if get_field_clean_name(self.label or "") in booking_questions.reserved_names():
            raise ValidationError(
                {
                    "label": (
                        f"Every booking form already asks for '{self.label}'. "
                        "Leave this question out, or give it a different label."
                    )
                }
            )


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    WAITING = "waiting", "Waiting list"
    CANCELLED = "cancelled", "Cancelled"


class BookingQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=BookingStatus.CONFIRMED)

    def waiting(self):
        return self.filter(status=BookingStatus.WAITING).order_by("submit_time", "pk")

    def active(self):
        return self.exclude(status=BookingStatus.CANCELLED)

    def of_kind(self, kind):
        return self.filter(attends=kind)

    def for_email(self, email):
        return self.filter(email_normalised=normalise_email(email))


def normalise_email(email):
    """
    One mailbox's identity, however its address is written, to spot a second
    booking: 'Jo.Smith@NHS.net ', '"jo.smith"@nhs.net', a domain typed in
    another Unicode form (NFD, full-width letters) and the same domain in
    punycode ('xn--...') are all jo.smith@nhs.net. Case is ignored in the
    local part too: no NHS mail system tells JO from jo.
    """
    address = unicodedata.normalize("NFKC", (email or "").strip())
    local, at, domain = address.rpartition("@")
    if not at:
        return address.casefold()
    if len(local) >= 2 and local.startswith('"') and local.endswith('"'):
        # A quoted local part names the same mailbox as the unquoted one.
        local = re.sub(r"\\(.)", r"\1", local[1:-1])
    return f"{local.casefold()}@{ascii_domain(domain)}"


def ascii_domain(domain):
    """A domain as DNS knows it: IDNA's ASCII form, lower case, without a final dot."""
    domain = domain.rstrip(".").casefold()
    try:
        return domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        # Not a name IDNA can encode (Django's EmailField refuses these):
        # compared as typed.
        return domain


def booking_count(status, kind=None):
    """
    A subquery counting one event's bookings in a status (of one kind of
    place, if given), for annotating a list of events in one query.
    """
    counts = (
        Booking.objects.filter(event=OuterRef("pk"), status=status, **({"attends": kind} if kind else {}))
        .order_by()
        .values("event")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counts, output_field=models.IntegerField()), 0)


class Booking(AbstractFormSubmission):
    """
    One person's booking at one workshop. The standard answers have their own
    columns; form_data holds the answers to an editor's own questions.
    """

    # Wagtail's reference index ("where is this used?") has nothing to learn
    # from a booking, and updating it cost five queries per booking.
    wagtail_reference_index_ignore = True

    event = models.ForeignKey("events.EventPage", on_delete=models.CASCADE, related_name="bookings")
    status = models.CharField(max_length=12, choices=BookingStatus.choices, db_index=True)
    name = models.CharField(max_length=120)
    # Blank only for someone who walked in on the day without giving one (attendance.py).
    email = models.EmailField("e-mail address", max_length=254, blank=True)
    email_normalised = models.CharField(max_length=254, editable=False, db_index=True)
    job_title = models.CharField(max_length=120)
    organisation = models.CharField(max_length=150)
    listed_organisation = models.ForeignKey(
        "events.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
        help_text="The organisation chosen from the Collaborative's list; blank when the booker wrote their own.",
    )
    attends = models.CharField(
        "attends",
        max_length=12,
        choices=PlaceKind.choices,
        default=PlaceKind.IN_PERSON,
        help_text="The kind of place: in person or online. At a workshop held both ways, the booker chooses.",
    )
    attended_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When they were marked as attended: checked in at the door, or in the online attendance report.",
    )
    is_walk_in = models.BooleanField(default=False, help_text="Added on the day at the door, without booking first.")
    handed_over_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="received_from",
        help_text="The colleague's booking this place was handed to.",
    )
    # Raised each time this booker's own invitation changes (a new way of
    # attending) without the workshop changing: added to the workshop's
    # SEQUENCE, so that calendar apps take the new invitation as the newer.
    invitation_revision = models.PositiveSmallIntegerField(default=0, editable=False)
    access_needs = models.TextField("accessibility or communication needs", blank=True, max_length=1000)
    dietary_needs = models.TextField(blank=True, max_length=500)
    consented_at = models.DateTimeField(null=True, blank=True, help_text="When they agreed to the privacy notice.")
    status_changed_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the personal details were erased. The row stays for the counts."
    )

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = "booking"
        ordering = ["-submit_time", "-pk"]
        constraints = [
            # The database itself refuses a second booking of one address at
            # one workshop, even from two app servers in the same instant.
            models.UniqueConstraint(
                fields=["event", "email_normalised"],
                condition=~Q(email_normalised=""),
                name="one_booking_per_email_per_event",
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "submit_time"], name="booking_event_status_time")]
        permissions = [("export_booking", "Can export bookings"), ("erase_booking", "Can erase personal data")]

    def __str__(self):
        if self.erased_at:
            return f"Erased booking {self.pk}"
        return f"{self.name}, {self.organisation}"

    def save(self, *args, **kwargs):
        self.email_normalised = normalise_email(self.email)
        super().save(*args, **kwargs)

    def get_data(self):
        """The answers as Wagtail's submissions listing and exports read them."""
        return {
            **(self.form_data or {}),
            "submit_time": self.submit_time,
            "status": self.get_status_display(),
            **{name: getattr(self, name) for name in booking_questions.question_names()},
            "workshop": self.event.title,
        }

    @property
    def is_confirmed(self):
        return self.status == BookingStatus.CONFIRMED

    @property
    def is_waiting(self):
        return self.status == BookingStatus.WAITING

    @property
    def is_cancelled(self):
        return self.status == BookingStatus.CANCELLED

    @property
    def is_erased(self):
        return self.erased_at is not None

    @property
    def is_online(self):
        return self.attends == PlaceKind.ONLINE

    @property
    def was_handed_over(self):
        return self.handed_over_to_id is not None


class AttendanceTaken(models.Model):
    """
    That a workshop's attendance was taken for one kind of place (someone
    checked in at the door, or the online attendance report uploaded): from
    the day after, everyone with such a place not marked attended did not
    attend. Until then, nobody is counted as absent because nobody looked.
    """

    event = models.ForeignKey("events.EventPage", on_delete=models.CASCADE, related_name="attendance_taken")
    place_kind = models.CharField(max_length=12, choices=PlaceKind.choices)
    first_recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "place_kind"], name="attendance_taken_once_per_kind")]

    def __str__(self):
        return f"{self.get_place_kind_display()} attendance taken at {self.event}"


class BookingEmailKind(models.TextChoices):
    CONFIRMATION = "confirmation", "Booking confirmed"
    WAITING_LIST = "waiting_list", "On the waiting list"
    PROMOTION = "promotion", "Place offered from the waiting list"
    CANCELLATION = "cancellation", "Cancellation confirmed"
    REMINDER = "reminder", "Reminder"
    UPDATE = "update", "Workshop changed"
    CONTACT_NOTICE = "contact_notice", "Notice to the booking contact"
    REPEAT_REQUEST = "repeat_request", "Asked to book again"
    ATTENDANCE_CHANGED = "attendance_changed", "Way of attending changed"
    PLACE_RECEIVED = "place_received", "Place handed over by a colleague"
    PLACE_HANDED_OVER = "place_handed_over", "Place handed to a colleague"
    FOLLOW_UP = "follow_up", "Follow-up after the workshop"
    REPORT_PUBLISHED = "report_published", "The workshop's report is published"


class BookingEmail(models.Model):
    """
    One e-mail about a booking: recorded before it is sent, so a failure is
    never lost and `retry_booking_emails` can send it again.
    """

    wagtail_reference_index_ignore = True

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=20, choices=BookingEmailKind.choices)
    recipient = models.EmailField(max_length=254)
    message = models.TextField(blank=True, help_text="An administrator's note about a change, sent with it.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a sender took the e-mail to send it: no other sender may, until SENDING_LEASE has passed.",
    )
    failed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "booking e-mail"
        ordering = ["created_at", "pk"]
        constraints = [
            # Two reminder runs at once (cron on two servers) cannot both remind someone.
            models.UniqueConstraint(fields=["booking"], condition=Q(kind="reminder"), name="one_reminder_per_booking"),
            # Each follow-up, and the news of the report, goes once, however many runs overlap.
            models.UniqueConstraint(
                fields=["booking"], condition=Q(kind="follow_up"), name="one_follow_up_per_booking"
            ),
            models.UniqueConstraint(
                fields=["booking"], condition=Q(kind="report_published"), name="one_report_notice_per_booking"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient}"


class BookingFormPage(ViewRestrictionsByPathMixin, IntroductionMixin, FormMixin, Page):
    """
    The form visitors book a place with, added as the only child of its
    workshop. The standard questions are always asked; editors may add more.
    """

    privacy_notice = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The page the consent question links to: usually the site's privacy notice.",
    )
    confirmation_text = RichTextField(
        blank=True,
        features=["bold", "link", "ul"],
        help_text="Optional. Shown after booking and in the confirmation e-mail, e.g. what to bring.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("introduction", help_text="Optional. A sentence above the form, e.g. who the places are for."),
        InlinePanel(
            "form_fields",
            heading="Extra questions",
            label="Question",
            help_text=(
                "Every booking form already asks for name, work e-mail, job title, organisation, accessibility "
                "and dietary needs, and consent to the privacy notice. Add only questions this workshop needs."
            ),
        ),
        MultiFieldPanel(
            [PageChooserPanel("privacy_notice"), FieldPanel("confirmation_text")],
            heading="Privacy and confirmation",
        ),
    ]

    parent_page_types = ["events.EventPage"]
    subpage_types = []
    max_count_per_parent = 1
    page_description = "The form visitors book a place with. Add it under its workshop: one per workshop."
    template = "events/booking_form_page.html"
    landing_page_template = "events/booking_confirmation.html"

    class Meta:
        verbose_name = "booking form"

    @cached_property
    def event(self):
        return self.get_parent().specific

    def route(self, request, path_components):
        # A form approved before its workshop (booking/moderation.py), or
        # left live when the workshop was unpublished, takes no bookings for
        # a workshop visitors cannot see: booking opens when both are live.
        if not path_components and not self.get_parent().live:
            raise Http404
        return super().route(request, path_components)

    def get_form_class(self):
        from ..booking.forms import booking_form_class

        return booking_form_class(self.get_form_fields())

    def get_form_parameters(self):
        return {"privacy_notice_url": self.privacy_notice.url if self.privacy_notice_id else None}

    def get_submission_class(self):
        return Booking

    def get_submissions(self):
        return Booking.objects.filter(page=self).select_related("event")

    def get_data_fields(self, include_sensitive=False):
        columns = list(booking_questions.columns(include_sensitive=include_sensitive))
        return columns + [(field.clean_name, field.label) for field in self.get_form_fields()]

    def notes_on_approval(self):
        from ..booking.moderation import notes_on_approval

        return notes_on_approval(self)

    def get_submissions_list_view_class(self):
        from ..booking.admin_views import BookingSubmissionsListView

        return BookingSubmissionsListView

    def serve(self, request, *args, **kwargs):
        from ..views import serve_booking_form

        return serve_booking_form(self, request)

    def render_landing_page(self, request, form_submission=None, *args, **kwargs):
        # Only the preview's "Landing page" mode comes here: real bookings
        # redirect to their own confirmation address (events/views.py).
        from ..views import render_booking_confirmation

        return render_booking_confirmation(request, self)
