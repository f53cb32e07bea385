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

    def describe(self, what):
        """
        The chosen filters in words, for the page's title: "Past events from
        2025", "News about Retention". Each filtered view has its own title,
        so a screen reader user, a browser tab and a bookmark can tell them
        apart.
        """
        filters = self.filters()
        words = [what]
        if filters.get("topic"):
            words.append(f"about {dict(self.fields['topic'].choices).get(filters['topic'], filters['topic'])}")
        if filters.get("year"):
            words.append(f"from {filters['year']}")
        return " ".join(words)
