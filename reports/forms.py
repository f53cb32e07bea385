from home.forms import YearAndTopicFilterForm


class ReportFilterForm(YearAndTopicFilterForm):
    """The Reports index's filters."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].label = "Year published"
