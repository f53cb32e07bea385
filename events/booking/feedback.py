"""
Feedback after a workshop: the questions every feedback form asks, the
form, recording one attendee's response without linking it to them, the
summary the admin shows, and clearing the names given once the bookings'
retention period is over.

Anonymity is kept by what is stored, not by promise: the response has no
link to the booking, and the booking row is not written when feedback is
given (on PostgreSQL, rows written together carry the same transaction id,
which would pair them). That the attendee has answered is kept as a keyed
hash of their booking (FeedbackGiven), made in the response's transaction:
telling whose it is needs the site's secret key. The response keeps the day
it came and not the moment, lists order responses by their answers and not
by arrival, and nothing logged when it is recorded names the booking. A name
is kept only when the attendee ticked "Put my name to this feedback" and
typed it: it is never filled in from their booking.
"""

import json
import logging
from collections import Counter
from dataclasses import dataclass, field

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from wagtail.contrib.forms.forms import BaseForm

from ..models import Booking, BookingStatus, FeedbackFormPage, FeedbackGiven, FeedbackResponse
from ..models.feedback import RESPONSE_ORDER
from .emails import booked_at_stamp
from .forms import BookingFormBuilder, WithoutControlCharacters
from .questions import text_question

logger = logging.getLogger("events.booking")

RATING_SCALE = range(1, 6)


@dataclass(frozen=True)
class Rating:
    # The FeedbackResponse field the answer is kept in, and the form field's name.
    name: str
    # The question, and its heading in the summary and the exports.
    label: str
    heading: str
    # What 1 and 5 mean.
    low: str
    high: str
    # The question, as its error asks for it when not answered.
    required_error: str

    def choice_label(self, value):
        """An option's label: the ends say what they mean, "1 (poor)" to "5 (excellent)"."""
        meaning = {RATING_SCALE[0]: self.low, RATING_SCALE[-1]: self.high}.get(value)
        return f"{value} ({meaning})" if meaning else str(value)

    def form_field(self):
        return forms.TypedChoiceField(
            label=self.label,
            choices=[(value, self.choice_label(value)) for value in RATING_SCALE],
            coerce=int,
            widget=forms.RadioSelect,
            help_text=f"1 is {self.low} and 5 is {self.high}.",
            error_messages={"required": self.required_error, "invalid_choice": self.required_error},
        )


RATINGS = (
    Rating(
        "overall_rating",
        "Overall, how would you rate this workshop?",
        "Overall rating",
        "poor",
        "excellent",
        "Choose a rating from 1 to 5 for the workshop overall",
    ),
    Rating(
        "usefulness_rating",
        "How useful was it for your role?",
        "How useful for their role",
        "not useful",
        "very useful",
        "Choose from 1 to 5 how useful the workshop was for your role",
    ),
)


@dataclass(frozen=True)
class OpenQuestion:
    name: str
    label: str
    heading: str
    hint: str

    def form_field(self):
        return text_question(self.label, 2000, required=False, textarea_rows=4, hint=self.hint)()


OPEN_QUESTIONS = (
    OpenQuestion(
        "what_worked", "What worked well?", "What worked well", "For example, a talk, an exercise or a conversation."
    ),
    OpenQuestion("what_to_improve", "What could we improve?", "What could be improved", ""),
    OpenQuestion(
        "future_topics",
        "What topics would you like future workshops to cover?",
        "Topics for future workshops",
        "",
    ),
)

GIVE_NAME = "give_name"
NAME = "name"
# The name's box is shown once its box is ticked (NHS.UK's conditional reveal).
NAME_REVEAL_ID = "give-name-reveal"
# Names the export and the summary use for their own columns.
OTHER_RESERVED_NAMES = ("received_on", "event", "workshop", "answers", "started", "website")


def standard_question_names():
    return tuple(question.name for question in (*RATINGS, *OPEN_QUESTIONS))


def reserved_names():
    """What an editor's own question may not be called: the standard questions', the name's, the columns'."""
    return frozenset((*standard_question_names(), GIVE_NAME, NAME, *OTHER_RESERVED_NAMES))


class FeedbackForm(WithoutControlCharacters, BaseForm):
    """
    The questions of every feedback form (the two ratings and the three
    open questions), then the editor's own, then the optional name.
    """

    give_name = forms.BooleanField(
        label="Put my name to this feedback",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "nhsuk-checkboxes__input", "data-aria-controls": NAME_REVEAL_ID}),
    )
    # Asked for only once its box is ticked (so not labelled optional): __init__ lets it go otherwise.
    name = forms.CharField(
        label="Your name",
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={
            "required": "Enter your name, or untick 'Put my name to this feedback' to stay anonymous",
            "max_length": "Your name must be 120 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields([*standard_question_names(), *self.extra_question_names, GIVE_NAME, NAME])
        if self.is_bound and not self[GIVE_NAME].value():
            self.fields[NAME].required = False
        self.answers_with_control_characters = self.remove_control_characters()

    @property
    def extra_question_names(self):
        standard = (*standard_question_names(), GIVE_NAME, NAME)
        return [name for name in self.fields if name not in standard]

    def questions(self):
        """The questions drawn one after another; the name is drawn by the template, in its own box."""
        return [self[name] for name in self.fields if name not in (GIVE_NAME, NAME)]

    @property
    def name_is_shown(self):
        """Whether the name's box is open when the form is drawn: it was ticked."""
        return bool(self.is_bound and self["give_name"].value())

    def clean(self):
        cleaned_data = super().clean()
        self.refuse_control_characters()
        # Typed, then unticked: the attendee chose to stay anonymous.
        cleaned_data[NAME] = " ".join(cleaned_data.get(NAME, "").split()) if cleaned_data.get(GIVE_NAME) else ""
        return cleaned_data

    def response_fields(self):
        """The answers as a FeedbackResponse keeps them."""
        fields = {name: self.cleaned_data[name] for name in standard_question_names()}
        # Dates and numbers as JSON keeps them, as a booking's extra answers are.
        extra = {name: self.cleaned_data.get(name) for name in self.extra_question_names}
        fields["answers"] = json.loads(json.dumps(extra, cls=DjangoJSONEncoder))
        fields["name"] = self.cleaned_data[NAME]
        return fields


def feedback_form_class(form_fields):
    """The feedback form: the standard questions, then the editor's own (built as on booking forms)."""
    standard = {question.name: question.form_field() for question in (*RATINGS, *OPEN_QUESTIONS)}
    return type("FeedbackPageForm", (FeedbackForm,), {**standard, **BookingFormBuilder(form_fields).formfields})


# Who may answer ----------------------------------------------------------------


def live_feedback_form(event):
    """The workshop's feedback form, if it has one and it is live."""
    return FeedbackFormPage.objects.child_of(event).live().first()


class Refusal:
    """Why a feedback link cannot take feedback now, each shown on its own page."""

    NOT_ATTENDED = "not_attended"
    ALREADY_GIVEN = "already_given"
    NO_FORM = "no_form"


def refusal(booking, form_page):
    """Why this booking cannot give feedback through this form (None when it can)."""
    # A place cancelled after the day keeps its time of arrival, but is no longer a place.
    if booking.attended_at is None or not booking.is_confirmed:
        return Refusal.NOT_ATTENDED
    if has_given_feedback(booking):
        return Refusal.ALREADY_GIVEN
    if form_page is None:
        return Refusal.NO_FORM
    return None


FEEDBACK_GIVEN_SALT = "events.booking.feedback-given"


def feedback_given_hash(booking):
    """
    What FeedbackGiven keeps of a booking: a keyed hash (HMAC with the
    site's secret key) of the booking as it was made, as its links name it.
    Without the key, it cannot be matched with any booking. (A new secret
    key would let everyone who answered answer again.)
    """
    identity = f"{booking.pk}:{booked_at_stamp(booking)}"
    return salted_hmac(FEEDBACK_GIVEN_SALT, identity, algorithm="sha256").hexdigest()


def has_given_feedback(booking):
    return FeedbackGiven.objects.filter(booking_hash=feedback_given_hash(booking)).exists()


def record_feedback_given(booking):
    """Record that this booking's attendee has answered: False if it was recorded already."""
    try:
        with transaction.atomic():
            FeedbackGiven.objects.create(booking_hash=feedback_given_hash(booking))
    except IntegrityError:
        return False
    return True


def record_feedback(booking, form):
    """
    Keep one attendee's feedback, once: that they answered (as a keyed hash)
    and the response are made in one transaction, and the booking row is
    only read, never written. Of two sendings at once, only the one that
    records the hash first makes a response; the other returns None. The
    response names the workshop and the day, never the booking.
    """
    with transaction.atomic():
        # Read only: an update, or a row lock (SELECT ... FOR UPDATE sets the
        # row's xmax), would put this transaction's id on the booking.
        may_answer = Booking.objects.filter(
            pk=booking.pk, attended_at__isnull=False, erased_at=None, status=BookingStatus.CONFIRMED
        ).exists()
        if not may_answer or not record_feedback_given(booking):
            return None
        response = FeedbackResponse.objects.create(
            event_id=booking.event_id, received_on=timezone.localdate(), **form.response_fields()
        )
    # The workshop only: a booking's number here, beside the time of the line, would name who answered.
    logger.info("Feedback received for workshop %s", booking.event_id)
    return response


# The admin's summary -------------------------------------------------------------

# An editor's question whose answers are counted, not listed.
COUNTED_QUESTION_TYPES = ("dropdown", "radio", "checkboxes", "checkbox")


@dataclass
class RatingSummary:
    rating: Rating
    # (value, its label, how many chose it, its share of the responses in per cent), 5 first.
    rows: list
    average: float | None

    @property
    def text_alternative(self):
        parts = [f"{label}: {count}" for value, label, count, share in self.rows]
        return f"{self.rating.heading}, responses for each rating. " + "; ".join(parts) + "."


@dataclass
class Answer:
    text: str
    # Only when the attendee chose to give it.
    name: str


@dataclass
class QuestionSummary:
    label: str
    # A question with choices: (choice, how many chose it) in the question's order.
    counts: list = field(default_factory=list)
    # Any other: each answer given.
    answers: list = field(default_factory=list)
    counted: bool = False


@dataclass
class FeedbackSummary:
    responses: int
    attended: int
    ratings: list
    open_questions: list
    extra_questions: list
    named: int

    @property
    def response_rate(self):
        """Of the people who attended, the share who answered, in whole per cent (None before anyone attended)."""
        if not self.attended:
            return None
        return round(100 * self.responses / self.attended)


SUMMARY_FIELDS = (
    "overall_rating",
    "usefulness_rating",
    "what_worked",
    "what_to_improve",
    "future_topics",
    "answers",
    "name",
)


def feedback_summary(event, form_page=None):
    """
    What a workshop's feedback says, in three queries whatever the number of
    responses: the responses, the people who attended, and the form's own
    questions (to name and count their answers).
    """
    responses = list(FeedbackResponse.objects.filter(event=event).order_by(*RESPONSE_ORDER).only(*SUMMARY_FIELDS))
    attended = Booking.objects.filter(event=event, attended_at__isnull=False).count()
    questions = list(form_page.form_fields.all()) if form_page is not None else []
    return FeedbackSummary(
        responses=len(responses),
        attended=attended,
        ratings=[summarise_rating(rating, responses) for rating in RATINGS],
        open_questions=[
            QuestionSummary(
                label=question.heading,
                answers=[
                    Answer(getattr(response, question.name), response.name)
                    for response in responses
                    if getattr(response, question.name).strip()
                ],
            )
            for question in OPEN_QUESTIONS
        ],
        extra_questions=summarise_extra_questions(questions, responses),
        named=sum(1 for response in responses if response.name),
    )


def summarise_rating(rating, responses):
    counts = Counter(getattr(response, rating.name) for response in responses)
    total = len(responses)
    rows = [
        (value, rating.choice_label(value), counts[value], round(100 * counts[value] / total) if total else 0)
        for value in reversed(RATING_SCALE)
    ]
    average = round(sum(value * count for value, count in counts.items()) / total, 1) if total else None
    return RatingSummary(rating=rating, rows=rows, average=average)


def summarise_extra_questions(questions, responses):
    """
    Each of the editor's questions, in the form's order: choices counted,
    other answers listed. Answers to a question since taken off the form
    are listed under their stored name, so nothing given is lost.
    """
    summaries = []
    asked = set()
    for question in questions:
        asked.add(question.clean_name)
        given = [(response.answers.get(question.clean_name), response.name) for response in responses]
        given = [(value, name) for value, name in given if value not in (None, "", [])]
        if question.field_type in COUNTED_QUESTION_TYPES:
            summaries.append(count_choices(question, [value for value, name in given]))
        else:
            summaries.append(
                QuestionSummary(label=question.label, answers=[Answer(str(value), name) for value, name in given])
            )
    for clean_name in sorted({key for response in responses for key in response.answers} - asked):
        answers = [
            Answer(in_words(response.answers[clean_name]), response.name)
            for response in responses
            if response.answers.get(clean_name) not in (None, "", [])
        ]
        summaries.append(QuestionSummary(label=f"{clean_name} (no longer asked)", answers=answers))
    return summaries


def count_choices(question, values):
    if question.field_type == "checkbox":
        counts = Counter("Yes" if value else "No" for value in values)
        return QuestionSummary(
            label=question.label, counts=[(word, counts[word]) for word in ("Yes", "No")], counted=True
        )
    chosen = Counter()
    for value in values:
        chosen.update(value if isinstance(value, list) else [value])
    # The choices as the form offered them (one a line, or separated by commas).
    choices = [value for value, label in BookingFormBuilder([]).get_formatted_field_choices(question)]
    # Choices since removed from the question still count, after the current ones.
    rows = [(choice, chosen[choice]) for choice in choices]
    rows += [(choice, count) for choice, count in chosen.items() if choice not in choices]
    return QuestionSummary(label=question.label, counts=rows, counted=True)


def in_words(value):
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


# Retention ---------------------------------------------------------------------


def clear_names_given(before):
    """
    Clear the names attendees put to their feedback on workshops held
    before `before`: when the bookings of those workshops are erased. The
    responses, which name no one, stay for the workshop's figures. Returns
    how many names were cleared.
    """
    return FeedbackResponse.objects.filter(event__date__lt=before).exclude(name="").update(name="")
