"""The News and events listing's filter form. The booking form is events/booking/forms.py."""

from django import forms

from home.forms import YearAndTopicFilterForm

SHOW_CHOICES = [("upcoming", "Upcoming events"), ("past", "Past events"), ("news", "News")]


class ListingFilterForm(YearAndTopicFilterForm):
    """The News and events index's filters: what to show, then year and news topic."""

    show = forms.ChoiceField(label="Show", choices=SHOW_CHOICES, widget=forms.RadioSelect, required=False)
    field_order = ["show", "year", "topic"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].label = "News topic"
