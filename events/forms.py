from django import forms

SHOW_CHOICES = [("upcoming", "Upcoming events"), ("past", "Past events"), ("news", "News")]


class ListingFilterForm(forms.Form):
    """The News and events index's filters. Bad values are dropped, never an error page."""

    mark_optional_fields = False

    show = forms.ChoiceField(label="Show", choices=SHOW_CHOICES, widget=forms.RadioSelect, required=False)
    year = forms.TypedChoiceField(label="Year", coerce=int, required=False, empty_value=None)
    topic = forms.ChoiceField(label="News topic", required=False)

    def __init__(self, *args, years=(), topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "Any year"), *((year, str(year)) for year in years)]
        self.fields["topic"].choices = [("", "Any topic"), *topics]

    def filters(self):
        """The valid filters chosen, with anything unrecognised left out."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
