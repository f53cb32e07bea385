"""
Feedback after a workshop: the form an editor adds under a past workshop
(standard questions, and any they add), and each anonymous response.

A response holds no link to the booking it came through: the booking only
records that its one response was given (Booking.feedback_given), and the
response keeps the day it came, not the moment, so that the two cannot be
matched by time either. A name is kept only when the attendee chose to give it.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.forms.models import AbstractFormField, FormMixin
from wagtail.fields import RichTextField
from wagtail.models import Page

from home.mixins import IntroductionMixin

from .bookings import QUESTION_TYPES

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class FeedbackFormField(AbstractFormField):
    """A question an editor adds to a feedback form, after the standard ones."""

    page = ParentalKey("events.FeedbackFormPage", on_delete=models.CASCADE, related_name="form_fields")
    field_type = models.CharField("field type", max_length=16, choices=QUESTION_TYPES)
    field_type.required_on_save = True


class FeedbackFormPage(IntroductionMixin, FormMixin, Page):
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

    class Meta:
        verbose_name = "feedback form"


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
        ordering = ["event", "pk"]
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
