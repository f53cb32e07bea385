"""
Feedback after a workshop: the form an editor adds under a past workshop
(standard questions, and any they add), and each anonymous response.

A response holds no link to the booking it came through, and the booking
row is not written to when feedback is given. That an attendee has answered
is kept apart, in FeedbackGiven, as a keyed hash of their booking: the hash
and the response are made in one transaction (so on PostgreSQL they share a
transaction id), and telling whose hash it is needs the site's secret key.
The response keeps the day it came, not the moment, so that it cannot be
matched by time either, and lists never show responses in the order they
came. A name is kept only when the attendee chose to give it.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.forms.models import AbstractFormField, FormMixin
from wagtail.contrib.forms.utils import get_field_clean_name
from wagtail.fields import RichTextField
from wagtail.models import Page

from home.mixins import IntroductionMixin
from home.restrictions import ViewRestrictionsByPathMixin

from .bookings import QUESTION_TYPES

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]

# An extra question asking who is answering would undo the anonymity of every response.
ASKS_WHO_IS_ANSWERING = re.compile(r"\b(names?|e-?mails?|address(es)?)\b", re.IGNORECASE)
ANONYMOUS_MESSAGE = (
    "Feedback is anonymous: do not ask for a name or an e-mail address. "
    "The form already offers 'Put my name to this feedback' to anyone who wants to give theirs."
)

# How lists of responses are ordered: by the day and the answers, never by
# arrival (the primary key), which could be matched with when each attendee's
# link was used.
RESPONSE_ORDER = (
    "received_on",
    "-overall_rating",
    "-usefulness_rating",
    "what_worked",
    "what_to_improve",
    "future_topics",
    "answers",
    "name",
)


class FeedbackFormField(AbstractFormField):
    """A question an editor adds to a feedback form, after the standard ones."""

    page = ParentalKey("events.FeedbackFormPage", on_delete=models.CASCADE, related_name="form_fields")
    field_type = models.CharField("field type", max_length=16, choices=QUESTION_TYPES)
    field_type.required_on_save = True

    def clean(self):
        super().clean()
        from ..booking.feedback import reserved_names

        if self.field_type == "email":
            raise ValidationError({"field_type": ANONYMOUS_MESSAGE})
        if ASKS_WHO_IS_ANSWERING.search(self.label or ""):
            raise ValidationError({"label": ANONYMOUS_MESSAGE})
        if get_field_clean_name(self.label or "") in reserved_names():
            raise ValidationError(
                {
                    "label": (
                        f"Every feedback form already asks for '{self.label}'. "
                        "Leave this question out, or give it a different label."
                    )
                }
            )


class FeedbackFormPage(ViewRestrictionsByPathMixin, IntroductionMixin, FormMixin, Page):
    """
    The feedback form of one workshop, added under it. Only people marked as
    attended can answer, once each, through the link in their follow-up
    e-mail; the standard questions are always asked.
    """

    thank_you_text = RichTextField(
        blank=True,
        features=["bold", "link", "ul"],
        help_text="Optional. Shown after someone sends their feedback, after the standard thanks.",
    )

    content_panels = Page.content_panels + [
        FieldPanel(
            "introduction", help_text="Optional. A sentence above the questions, e.g. what the answers are for."
        ),
        InlinePanel(
            "form_fields",
            heading="Extra questions",
            label="Question",
            help_text=(
                "Every feedback form already asks for an overall rating, how useful it was for their role, what "
                "worked, what to improve and topics for future workshops. Add only questions this workshop needs."
            ),
        ),
        FieldPanel("thank_you_text"),
    ]

    parent_page_types = ["events.EventPage"]
    subpage_types = []
    max_count_per_parent = 1
    page_description = (
        "The feedback form of a workshop. Add it under its workshop: one per workshop. Only people who attended "
        "can answer, through the link in their follow-up e-mail."
    )
    template = "events/feedback_form_page.html"
    landing_page_template = "events/feedback_thanks.html"

    class Meta:
        verbose_name = "feedback form"

    @cached_property
    def event(self):
        return self.get_parent().specific

    def get_form_class(self):
        from ..booking.feedback import feedback_form_class

        return feedback_form_class(self.get_form_fields())

    def serve(self, request, *args, **kwargs):
        # Its own address only explains where the form is: each attendee
        # answers through their own link (events/booking/feedback_views.py),
        # which knows that they attended and have not answered yet.
        context = self.get_context(request)
        context["event"] = self.event
        return TemplateResponse(request, self.get_template(request), context)

    def get_preview_context(self, request, mode_name):
        # The form as attendees will see it; sending it from the preview is turned off.
        context = super().get_preview_context(request, mode_name)
        context["event"] = self.event
        context["preview"] = True
        return context

    def render_landing_page(self, request, form_submission=None, *args, **kwargs):
        # Only the preview's "Landing page" mode comes here: real feedback
        # goes to its own thank-you address (feedback_views.feedback_thanks).
        from ..booking.feedback_views import render_thanks

        return render_thanks(request, self)

    def serve_submissions_list_view(self, request, *args, **kwargs):
        # Wagtail's Forms listing links a form to its submissions: a
        # feedback form's are its workshop's feedback summary, which checks
        # who may see it. Responses are not Wagtail form submissions, so
        # Wagtail's own listing would show nothing and offer to delete it.
        return redirect("events_feedback_summary", self.get_parent().pk)

    def get_sitemap_urls(self, request=None):
        # Its own address only says that the form opens from a link in an e-mail: nothing for search engines.
        return []


class FeedbackResponse(models.Model):
    """One attendee's feedback on a workshop, without who gave it unless they chose to say."""

    # Wagtail's reference index has nothing to learn from a response.
    wagtail_reference_index_ignore = True

    event = models.ForeignKey("events.EventPage", on_delete=models.CASCADE, related_name="feedback_responses")
    # The day only: a moment could be matched with a booking's activity.
    received_on = models.DateField(default=timezone.localdate)
    overall_rating = models.PositiveSmallIntegerField("overall rating", validators=RATING_VALIDATORS)
    usefulness_rating = models.PositiveSmallIntegerField("how useful for their role", validators=RATING_VALIDATORS)
    what_worked = models.TextField(blank=True, max_length=2000)
    what_to_improve = models.TextField(blank=True, max_length=2000)
    future_topics = models.TextField("topics for future workshops", blank=True, max_length=2000)
    answers = models.JSONField(default=dict, blank=True, help_text="The answers to the form's extra questions.")
    name = models.CharField(
        max_length=120, blank=True, help_text="Given only if the attendee chose to put their name to their feedback."
    )

    class Meta:
        verbose_name = "feedback response"
        ordering = ["event", *RESPONSE_ORDER]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overall_rating__gte=1, overall_rating__lte=5), name="overall_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=models.Q(usefulness_rating__gte=1, usefulness_rating__lte=5), name="usefulness_rating_1_to_5"
            ),
        ]
        permissions = [("export_feedbackresponse", "Can export feedback")]

    def __str__(self):
        return f"Feedback {self.pk} on {self.event}"


class FeedbackGiven(models.Model):
    """
    That one booking's attendee has given their feedback: a keyed hash of the
    booking (feedback.feedback_given_hash), unique, so each answers once. It
    says nothing about the booking without the site's secret key, and the
    booking row itself is never written when feedback is given.
    """

    wagtail_reference_index_ignore = True

    booking_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = "feedback given"
        verbose_name_plural = "feedback given"

    def __str__(self):
        return "Feedback given"
