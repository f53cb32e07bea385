from django import forms
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.html import format_html
from wagtail.contrib.forms.forms import BaseForm, FormBuilder

from ..formatting import without_control_characters
from ..models import Organisation
from . import questions as booking_questions
from .questions import ATTENDS, LISTED_ORGANISATION, NOT_LISTED

# An editor's question's errors, named by its label as the standard
# questions' are ("Enter your full name"): when it is not answered...
REQUIRED_ERRORS = {
    "email": 'Enter an email address for "{}"',
    "number": 'Enter a number for "{}"',
    "url": 'Enter a web address for "{}"',
    "date": 'Enter a date for "{}"',
    "datetime": 'Enter a date and time for "{}"',
    "dropdown": 'Choose an answer to "{}"',
    "radio": 'Choose an answer to "{}"',
    "multiselect": 'Choose an answer to "{}"',
    "checkboxes": 'Choose an answer to "{}"',
    "checkbox": 'Tick the box "{}"',
}
# ...and when the answer cannot be taken.
INVALID_ERRORS = {
    "email": 'Enter an email address in the correct format for "{}", like name@example.nhs.uk',
    "number": 'Enter a number for "{}", like 3',
    "url": 'Enter a web address for "{}", like https://www.nhs.uk',
    "date": 'Enter a date for "{}", like 31/1/2027',
    "datetime": 'Enter a date and time for "{}", like 31/1/2027 14:30',
}


class BookingFormBuilder(FormBuilder):
    """Wagtail's form builder, with a length limit on every free-text answer and errors that name the question."""

    def get_field_options(self, field):
        options = super().get_field_options(field)
        label = field.label
        # Django fills its own values (%(limit_value)d, %(value)s) into the messages a validator or a
        # choice raises, and only those: there a % in a label is doubled, so it is shown as it is.
        escaped = label.replace("%", "%%")
        invalid = INVALID_ERRORS.get(field.field_type, 'Check your answer to "{}"')
        options["error_messages"] = {
            "required": REQUIRED_ERRORS.get(field.field_type, 'Answer "{}"').format(label),
            # E-mail and web addresses are checked by validators; numbers and dates by the field itself.
            "invalid": invalid.format(escaped if field.field_type in ("email", "url") else label),
            "invalid_choice": f'Choose one of the answers to "{escaped}"',
            "invalid_list": f'Choose one of the answers to "{label}"',
            "max_length": f'"{escaped}" must be %(limit_value)d characters or fewer',
        }
        return options

    def create_multiline_field(self, field, options):
        options["max_length"] = 2000
        return super().create_multiline_field(field, options)

    def create_number_field(self, field, options):
        # Wagtail's number question takes any number of digits: a 40,000-digit
        # answer would not fit in one cell of the Excel export.
        options["max_digits"] = 15
        options["error_messages"]["max_digits"] = (
            f'"{field.label.replace("%", "%%")}" must be a number of 15 digits or fewer'
        )
        return super().create_number_field(field, options)


NOT_ACCEPTED = "Please check your details and send the form again."


class WithoutControlCharacters:
    """
    A form whose text answers are kept without invisible control characters:
    call remove_control_characters() once its fields are set, and
    refuse_control_characters() in clean().
    """

    # Fields the template draws itself, out of sight (a spam trap): never named in an error.
    rendered_separately = ()

    def remove_control_characters(self):
        """
        Take invisible control characters out of every text answer, in the
        data the form is shown again with, and return the questions they were
        in. They arrive pasted from other documents, mean nothing to a
        reader, and would break the Excel exports of bookings.
        """
        if not self.is_bound:
            return []
        data = self.data.copy()
        changed = []
        for name, field in self.fields.items():
            if not isinstance(field, forms.CharField):
                continue
            key = self.add_prefix(name)
            values = data.getlist(key) if hasattr(data, "getlist") else [data.get(key)]
            line_breaks = isinstance(field.widget, forms.Textarea)
            cleaned = [
                without_control_characters(value, keep_line_breaks=line_breaks) if isinstance(value, str) else value
                for value in values
            ]
            if cleaned == values:
                continue
            if hasattr(data, "setlist"):
                data.setlist(key, cleaned)
            else:
                data[key] = cleaned[0]
            changed.append(name)
        self.data = data
        return changed

    def refuse_control_characters(self):
        for name in self.answers_with_control_characters:
            if name in self.rendered_separately:
                continue
            # Refused rather than quietly changed: the person checks what
            # will be kept, which is already in the box without the character.
            self.add_error(
                name,
                f"{self.fields[name].label} had a hidden character in it, often copied in from another "
                "document. We have taken it out: check your answer, then send the form again.",
            )


class OrganisationFromTheList:
    """
    A form's organisation question, as the Collaborative keeps its list: when
    the list has any organisation, a choice from it (members first) and a text
    box for one not listed; when it is empty, the text box alone, as before.
    The list is read in one query, for showing the form and for checking it.
    The chosen organisation ends in cleaned_data["listed_organisation"] (None
    for one typed) and its name in cleaned_data["organisation"].
    """

    # Whose organisation it is, in the labels and errors.
    whose = "your"

    def offer_organisation_list(self):
        organisations = list(Organisation.objects.only("pk", "name", "is_member").order_by("name"))
        self.organisations = {str(organisation.pk): organisation for organisation in organisations}
        if organisations:
            self.fields[LISTED_ORGANISATION] = booking_questions.organisation_choice_question(organisations, self.whose)
            self.fields["organisation"] = booking_questions.organisation_text_question(self.whose)

    def clean_organisation_choice(self, cleaned_data):
        if not self.organisations:
            cleaned_data[LISTED_ORGANISATION] = None
            return
        choice = cleaned_data.get(LISTED_ORGANISATION)
        typed = " ".join((cleaned_data.get("organisation") or "").split())
        if choice and choice != NOT_LISTED:
            cleaned_data[LISTED_ORGANISATION] = listed = self.organisations[choice]
            cleaned_data["organisation"] = listed.name
            return
        if not typed:
            if choice == NOT_LISTED:
                owner = "your" if self.whose == "your" else "their"
                self.add_error("organisation", f"Type the name of {owner} organisation, as it is not in the list")
            elif LISTED_ORGANISATION not in self.errors:
                self.add_error(LISTED_ORGANISATION, self.fields[LISTED_ORGANISATION].error_messages["required"])
            return
        # A name typed (with "not listed" chosen, or nothing chosen, as
        # happens without JavaScript) is taken as the one the list has, if it
        # has it, so that the organisation is counted once.
        same = [
            organisation
            for organisation in self.organisations.values()
            if organisation.name.casefold() == typed.casefold()
        ]
        cleaned_data[LISTED_ORGANISATION] = same[0] if same else None
        cleaned_data["organisation"] = same[0].name if same else typed


class BookingForm(WithoutControlCharacters, OrganisationFromTheList, BaseForm):
    """
    The questions every booking form asks: the standard questions
    (questions.py, added by booking_form_class), then an
    editor's own, then the sensitive standard questions (the needs) and
    consent last.
    """

    consent = forms.BooleanField(
        label="I agree to the Collaborative keeping these details to manage my booking",
        error_messages={"required": "Tick the box to agree to the privacy notice, or we cannot book your place"},
    )
    # A spam trap: hidden from people (and from screen readers), filled in by bots.
    website = forms.CharField(
        label="Leave this blank",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    # The template draws this one itself, out of sight.
    rendered_separately = ("website",)

    def __init__(self, *args, privacy_notice_url=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The workshop is the booking form's parent (Wagtail passes the form its page).
        self.event = self.page.event if self.page is not None else None
        attendance = booking_questions.attendance_question(self.event) if self.event else None
        if attendance:
            self.fields[ATTENDS] = attendance
        self.offer_organisation_list()
        non_sensitive = list(booking_questions.question_names(sensitive=False))
        non_sensitive.insert(non_sensitive.index("organisation"), LISTED_ORGANISATION)
        self.order_fields(
            [
                ATTENDS,
                *non_sensitive,
                *self.extra_question_names,
                *booking_questions.question_names(sensitive=True),
                booking_questions.CONSENT,
                "website",
            ]
        )
        self.answers_with_control_characters = self.remove_control_characters()
        if privacy_notice_url:
            self.fields["consent"].help_text = format_html(
                'Read the <a href="{}">privacy notice</a> to see what we keep, why, and when we delete it.',
                privacy_notice_url,
            )

    @property
    def extra_question_names(self):
        standard = (
            *booking_questions.question_names(),
            booking_questions.CONSENT,
            "website",
            ATTENDS,
            LISTED_ORGANISATION,
        )
        return [name for name in self.fields if name not in standard]

    def clean(self):
        cleaned_data = super().clean()
        self.clean_organisation_choice(cleaned_data)
        self.refuse_control_characters()
        started = read_form_started(self.data.get("started"))
        too_quick = started is None or timezone.now().timestamp() - started < settings.BOOKING_MIN_FILL_SECONDS
        if cleaned_data.get("website") or too_quick:
            # The same words for a bot and for a person whose form has been
            # open too briefly (or whose token was mangled): what to do next.
            # The form comes back with their answers in it, and a new token.
            raise forms.ValidationError(NOT_ACCEPTED, code="not_human")
        return cleaned_data

    def standard_answers(self):
        """
        The standard questions' answers, how the booker will attend (the only
        kind of place, at a workshop held one way) and the organisation from
        the list (None for one typed): each kept in the Booking field of its name.
        """
        answers = {name: self.cleaned_data[name] for name in booking_questions.question_names()}
        answers[LISTED_ORGANISATION] = self.cleaned_data.get(LISTED_ORGANISATION)
        if self.event is not None:
            answers[ATTENDS] = self.cleaned_data.get(ATTENDS) or self.event.only_place_kind
        return answers

    def extra_answers(self):
        """The answers to an editor's own questions, as JSON can store them."""
        return {name: self.cleaned_data.get(name) for name in self.extra_question_names}


class ColleagueForm(WithoutControlCharacters, OrganisationFromTheList, forms.Form):
    """
    The colleague a booker hands their place to: the standard questions about
    them (name, work e-mail, job title, organisation), asked as the booking
    form asks them. Their needs are theirs to tell: their e-mail says how.
    """

    whose = "your colleague's"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "email", "job_title", "organisation"):
            self.fields[name] = booking_questions.question(name).form_field(whose=self.whose)
            # Not the booker's own details, which a browser would fill in.
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["email"].help_text = "We will send them the details and their own link to manage the booking."
        self.fields["job_title"].help_text = ""
        self.fields["organisation"].help_text = ""
        self.offer_organisation_list()
        self.order_fields(["name", "email", "job_title", LISTED_ORGANISATION, "organisation"])
        # Their name goes into e-mail subjects and exports: no line breaks or other control characters.
        self.answers_with_control_characters = self.remove_control_characters()

    def clean(self):
        cleaned_data = super().clean()
        self.clean_organisation_choice(cleaned_data)
        self.refuse_control_characters()
        return cleaned_data

    def colleague(self):
        """The colleague's details, as rules.hand_over takes them."""
        return {
            name: self.cleaned_data[name]
            for name in ("name", "email", "job_title", "organisation", LISTED_ORGANISATION)
        }


def booking_form_class(form_fields):
    """The booking form: the standard questions, then the editor's own."""
    standard = {question.name: question.form_field() for question in booking_questions.BOOKING_QUESTIONS}
    return type("BookingPageForm", (BookingForm,), {**standard, **BookingFormBuilder(form_fields).formfields})


_started_signer = signing.Signer(salt="events.booking.started")


def form_started_token(at=None):
    """A signed note of when the form was shown, to tell people (who take seconds) from bots (who do not)."""
    return _started_signer.sign(str(int(at if at is not None else timezone.now().timestamp())))


def read_form_started(token):
    try:
        return int(_started_signer.unsign(token or ""))
    except (signing.BadSignature, ValueError):
        return None
