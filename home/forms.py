from django import forms


class YearAndTopicFilterForm(forms.Form):
    """
    A listing's filters by year and topic, as the News and events and the
    Reports indexes offer them. Bad values are dropped, never an error page.
    Subclasses may relabel the fields or add more.
    """

    mark_optional_fields = False

    year = forms.TypedChoiceField(label="Year", coerce=int, required=False, empty_value=None)
    topic = forms.ChoiceField(label="Topic", required=False)

    def __init__(self, *args, years=(), topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "Any year"), *((year, str(year)) for year in years)]
        self.fields["topic"].choices = [("", "Any topic"), *topics]

    def filters(self):
        """The valid filters chosen, with anything unrecognised left out."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
