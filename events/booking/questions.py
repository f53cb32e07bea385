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

Two more questions depend on the workshop and the Collaborative's list, so
they are made for each form rather than declared in the tuple: how the
booker will attend, asked only at a workshop in person and online
(attendance_question, kept in Booking.attends), and the organisation chosen
from the Collaborative's list (organisation_choice_question, kept in
Booking.listed_organisation, its name in Booking.organisation as before, so
listings and exports read the organisation as they always have).

So adding a question (after adding its field to Booking), or marking one
sensitive, is one edit here. Everything reads this tuple when it runs, not
when it is imported.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.utils.functional import lazy

from ..models.choices import PlaceKind


@dataclass(frozen=True)
class BookingQuestion:
    # The Booking field the answer is kept in, and the form field's name.
    name: str
    # The column's heading in booking listings and exports.
    heading: str
    # Makes the form's field: label, hint, length limit, error messages;
    # form_field(whose="your colleague's") when it is asked about someone else.
    form_field: Callable[..., forms.Field]
    # Access and dietary needs: exported only when the exporter asks for
    # them, and asked after an editor's own questions.
    sensitive: bool = False
    # What erasing the booking's personal details leaves in its place.
    erased: object = ""


def text_question(label, max_length, *, required=True, autocomplete=None, hint="", textarea_rows=None, whose="your"):
    """
    A free-text question's form field, with its errors in the NHS.UK style.
    `whose` names whose answer it is in the errors ("Enter your colleague's
    full name"); form_field(whose=...) asks it of someone else.
    """

    def form_field(whose=whose):
        attrs = {"autocomplete": autocomplete} if autocomplete else {}
        widget = forms.Textarea(attrs={"rows": textarea_rows, **attrs}) if textarea_rows else forms.TextInput(attrs)
        return forms.CharField(
            label=label,
            max_length=max_length,
            required=required,
            help_text=hint,
            widget=widget,
            error_messages={
                "required": f"Enter {whose} {label.lower()}",
                "max_length": f"{label} must be {max_length} characters or fewer",
            },
        )

    return form_field


def email_question(hint="We will send your confirmation here.", whose="your"):
    return forms.EmailField(
        label="Work email address",
        max_length=254,
        help_text=hint,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": f"Enter {whose} work email address",
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
# The questions made for each form (below): how the booker attends, and the organisation from the list.
ATTENDS = "attends"
LISTED_ORGANISATION = "listed_organisation"
# Names the form keeps for itself (spam trap, timing) or that an export uses.
OTHER_RESERVED_NAMES = ("website", "started", "status", "submit_time", "workshop", ATTENDS, LISTED_ORGANISATION)


def question(name):
    """The standard question of this name."""
    return next(question for question in BOOKING_QUESTIONS if question.name == name)


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


# How will you attend? ---------------------------------------------------------


class RadiosWithHints(forms.RadioSelect):
    """NHS.UK radios whose options each have a hint under them ({% nhsuk_field %} draws it)."""

    def __init__(self, *args, option_hints=None, **kwargs):
        super().__init__(*args, **kwargs)
        # {option's value: its hint}. A hint may be lazy, to be worked out when the form is drawn.
        self.option_hints = option_hints or {}


def attendance_question(event):
    """
    "How will you attend?", for a workshop in person and online: one option
    for each kind of place, each with the places of that kind left, read
    when the form is drawn (after any booking just made). None for a workshop
    held one way, whose only kind of place is given.
    """
    if not event.offers_a_choice_of_place:
        return None
    venue = event.venue
    labels = {
        PlaceKind.IN_PERSON: f"In person, at {venue.name}, {venue.town_or_city}" if venue else "In person",
        PlaceKind.ONLINE: "Online",
    }
    return forms.ChoiceField(
        label="How will you attend?",
        choices=[(kind.value, labels[kind]) for kind in event.place_kinds],
        widget=RadiosWithHints(
            option_hints={kind.value: lazy(places_hint, str)(event, kind) for kind in event.place_kinds}
        ),
        error_messages={"required": "Choose how you will attend"},
    )


def places_hint(event, kind):
    """The places of one kind left, in words for the option that offers them."""
    left = event.places_left_for(kind)
    if left is None:
        return "No limit"
    if left == 0:
        where = "in-person" if kind == PlaceKind.IN_PERSON else "online"
        return f"Full: you will join the waiting list for {where} places"
    return f"{left} {'place' if left == 1 else 'places'} left"


# The organisation, from the Collaborative's list ---------------------------------

NOT_LISTED = "not-listed"
MEMBERS_HEADING = "Members of the Collaborative"
OTHERS_HEADING = "Other organisations"


class ChoiceUnlessTyped(forms.ChoiceField):
    """
    The organisation's choice: asked for (and shown as such), but it may be
    left empty when the name is typed in the box beside it, as a visitor
    without JavaScript may do. The form checks that one or the other is
    given (forms.OrganisationFromTheList).
    """

    def validate(self, value):
        if value not in self.empty_values:
            super().validate(value)


def organisation_choice_question(organisations, whose="your"):
    """
    The organisation, chosen from the Collaborative's list (read once, by
    the form): members first, then the others, then "not listed", which
    asks for the name in the text box beside it (organisation_text_question).
    """
    members = [(str(organisation.pk), organisation.name) for organisation in organisations if organisation.is_member]
    others = [(str(organisation.pk), organisation.name) for organisation in organisations if not organisation.is_member]
    owner = "My" if whose == "your" else "Their"
    choices = [("", "Choose an organisation")]
    choices += [(heading, group) for heading, group in ((MEMBERS_HEADING, members), (OTHERS_HEADING, others)) if group]
    choices.append((NOT_LISTED, f"{owner} organisation is not listed"))
    return ChoiceUnlessTyped(
        label="Organisation",
        choices=choices,
        widget=forms.Select(attrs={"autocomplete": "organization" if whose == "your" else "off"}),
        error_messages={
            "required": (
                f"Choose {whose} organisation, or choose '{owner} organisation is not listed' and type its name"
            ),
            "invalid_choice": (
                f"Choose {whose} organisation from the list, or choose '{owner} organisation is not listed' "
                "and type its name"
            ),
        },
    )


def organisation_text_question(whose="your"):
    """The organisation's name, typed: only needed when it is not in the Collaborative's list."""
    owner = "your" if whose == "your" else "their"
    return text_question(
        f"{owner.capitalize()} organisation",
        150,
        required=False,
        autocomplete="organization" if whose == "your" else "off",
        hint=f"Only if {owner} organisation is not in the list",
    )(whose=whose)
