"""
The standard booking questions: the one place they are declared.

Every booking form asks them, whatever an editor adds; each answer is kept in
the Booking field of the same name. From BOOKING_QUESTIONS follow:

- the booking form: its fields, in this order, the sensitive ones after an
  editor's own questions (forms.py), and the names an editor's
  question may not take (reserved_names);
- the answers a booking gives Wagtail's listing and exports (Booking.get_data)
  and the columns of every export: a sensitive question only in the export
  "with access and dietary needs" (columns);
- the fields a booking's inspect view shows (admin.py);
- what erasure, by hand or when the retention period is over, writes in
  each answer's place (erased_fields, privacy.py).

So adding a question (after adding its field to Booking), or marking one
sensitive, is one edit here. Everything reads this tuple when it runs, not
when it is imported.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms


@dataclass(frozen=True)
class BookingQuestion:
    # The Booking field the answer is kept in, and the form field's name.
    name: str
    # The column's heading in booking listings and exports.
    heading: str
    # Makes the form's field: label, hint, length limit, error messages.
    form_field: Callable[[], forms.Field]
    # Access and dietary needs: exported only when the exporter asks for
    # them, and asked after an editor's own questions.
    sensitive: bool = False
    # What erasing the booking's personal details leaves in its place.
    erased: object = ""


def text_question(label, max_length, *, required=True, autocomplete=None, hint="", textarea_rows=None):
    """A free-text question's form field, with its errors in the NHS.UK style."""

    def form_field():
        attrs = {"autocomplete": autocomplete} if autocomplete else {}
        widget = forms.Textarea(attrs={"rows": textarea_rows, **attrs}) if textarea_rows else forms.TextInput(attrs)
        return forms.CharField(
            label=label,
            max_length=max_length,
            required=required,
            help_text=hint,
            widget=widget,
            error_messages={
                "required": f"Enter your {label.lower()}",
                "max_length": f"{label} must be {max_length} characters or fewer",
            },
        )

    return form_field


def email_question():
    return forms.EmailField(
        label="Work email address",
        max_length=254,
        help_text="We will send your confirmation here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your work email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
            "max_length": "Work email address must be 254 characters or fewer",
        },
    )


BOOKING_QUESTIONS = (
    BookingQuestion("name", "Name", text_question("Full name", 120, autocomplete="name")),
    BookingQuestion("email", "E-mail", email_question),
    BookingQuestion(
        "job_title",
        "Job title",
        text_question("Job title", 120, autocomplete="organization-title", hint="For example, Director of Nursing."),
    ),
    BookingQuestion(
        "organisation",
        "Organisation",
        text_question(
            "Organisation", 150, autocomplete="organization", hint="For example, Oxford Health NHS Foundation Trust."
        ),
    ),
    BookingQuestion(
        "access_needs",
        "Accessibility or communication needs",
        text_question(
            "Accessibility or communication needs",
            1000,
            required=False,
            textarea_rows=3,
            hint="For example, step-free access, a hearing loop, a British Sign Language interpreter or large print.",
        ),
        sensitive=True,
    ),
    BookingQuestion(
        "dietary_needs",
        "Dietary needs",
        text_question(
            "Dietary needs",
            500,
            required=False,
            textarea_rows=2,
            hint="For example, vegetarian, halal or a nut allergy.",
        ),
        sensitive=True,
    ),
)

# Asked of everyone too, but kept as the time of agreeing (Booking.consented_at).
CONSENT = "consent"
# The columns every listing and export begins with, before the questions.
LEADING_COLUMNS = (("submit_time", "Booked at"), ("status", "Status"))
# Names the form keeps for itself (spam trap, timing) or that an export uses.
OTHER_RESERVED_NAMES = ("website", "started", "status", "submit_time", "workshop")


def question_names(*, sensitive=None):
    """The questions' names, in order: all of them, or only the sensitive (True) or other (False) ones."""
    return tuple(
        question.name for question in BOOKING_QUESTIONS if sensitive is None or question.sensitive == sensitive
    )


def reserved_names():
    return frozenset((*question_names(), CONSENT, *OTHER_RESERVED_NAMES))


def columns(*, include_sensitive=False):
    """(name, heading) of the standard columns of a booking listing or export, the sensitive ones last."""
    others = [(question.name, question.heading) for question in BOOKING_QUESTIONS if not question.sensitive]
    sensitive = [(question.name, question.heading) for question in BOOKING_QUESTIONS if question.sensitive]
    return (*LEADING_COLUMNS, *others, *(sensitive if include_sensitive else ()))


def erased_fields():
    """What erasure writes over a booking's personal details, field by field."""
    return {
        **{question.name: question.erased for question in BOOKING_QUESTIONS},
        # Kept for finding a second booking of the same address: personal too.
        "email_normalised": "",
        "form_data": {},
        # With the organisation's name gone, the link to it would still say
        # where the person works. Attendance (attended_at, is_walk_in, the
        # kind of place) stays for the counts, and a hand-over's link to the
        # other booking stays: once both are erased it names no one.
        "listed_organisation": None,
    }
