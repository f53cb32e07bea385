"""
The News and events listing's filter form, and the event's admin form with
the times typed as people write them. The booking form is
events/booking/forms.py.
"""

import re
from datetime import datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import from_current_timezone
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.widgets import AdminDateTimeInput

from home.forms import YearAndTopicFilterForm

from .formatting import AmbiguousTime, format_time, parse_time

SHOW_CHOICES = [("upcoming", "Upcoming events"), ("past", "Past events"), ("news", "News")]


class ListingFilterForm(YearAndTopicFilterForm):
    """The News and events index's filters: what to show, then year and news topic."""

    show = forms.ChoiceField(label="Show", choices=SHOW_CHOICES, widget=forms.RadioSelect, required=False)
    field_order = ["show", "year", "topic"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].label = "News topic"


class TimeOfDayInput(forms.TextInput):
    """A plain box for a time, showing it as the site writes it (10:30am): nothing in the browser rewrites it."""

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        return format_time(value) if isinstance(value, time) else super().format_value(value)


class TimeOfDayField(forms.TimeField):
    """A time typed as people write it ("3:30pm", "15.30", "noon": formatting.parse_time)."""

    widget = TimeOfDayInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, time):
            return value
        try:
            return parse_time(str(value))
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None


class DateAndTimeInput(AdminDateTimeInput):
    """
    Wagtail's date and time picker, leaving what is typed as typed: its own
    reading, when the box is left, makes "3:30pm" 03:30.
    """

    def get_config(self):
        return {**super().get_config(), "validateOnBlur": False}


# A date, then a time as people write it: "1/3/2027 5pm", "1 March 2027 at 10.30am".
_DATE_THEN_TIME = re.compile(
    r"(?P<date>.+?),?\s+(?:at\s+)?"
    r"(?P<time>\d{1,2}(?:[:.]\d{2}){0,2}\s*(?:[ap]\.?\s*m\.?)?|noon|midday|midnight|12 noon|12 midday)",
    re.IGNORECASE,
)


# Dates as people in the UK write them, day first, whatever language the admin
# speaks to this editor (American English would read 1/3/2027 as 3 January).
DAY_FIRST_DATES = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%m-%Y", "%d.%m.%Y")
DAY_FIRST_MOMENTS = tuple(
    f"{day}{time_of_day}" for day in DAY_FIRST_DATES for time_of_day in (" %H:%M:%S", " %H:%M", "")
)


class DateAndTimeField(forms.DateTimeField):
    """A date and time, the time typed as people write it; a date alone is its midnight, as before."""

    widget = DateAndTimeInput
    default_error_messages = {"invalid": "Enter a date and time such as 31/1/2027 5pm."}

    def __init__(self, *, input_formats=DAY_FIRST_MOMENTS, **kwargs):
        super().__init__(input_formats=input_formats, **kwargs)

    def to_python(self, value):
        match = _DATE_THEN_TIME.fullmatch(" ".join(value.split())) if isinstance(value, str) else None
        if not match:
            return super().to_python(value)
        try:
            day = forms.DateField(input_formats=DAY_FIRST_DATES).to_python(match["date"])
            moment = parse_time(match["time"])
        except AmbiguousTime as error:
            raise ValidationError(str(error), code="invalid") from None
        except (ValidationError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return from_current_timezone(datetime.combine(day, moment))


class EventPageForm(WagtailAdminPageForm):
    """An event's admin form: its times, and its booking's opening and closing, typed as people write them."""

    class Meta(WagtailAdminPageForm.Meta):
        # Wagtail's own Meta kept: its choosers for the venue and the contact come from it.
        field_classes = {
            "start_time": TimeOfDayField,
            "end_time": TimeOfDayField,
            "booking_opens_at": DateAndTimeField,
            "booking_closes_at": DateAndTimeField,
        }
