"""
The organisations bookers come from, as the Collaborative keeps them: so that
"Oxford Health", "Oxford Health NHSFT" and "Oxford Health NHS Foundation
Trust" are counted as one, and so that a workshop can share its places
fairly between organisations.
"""

from django.db import models
from django.db.models.functions import Lower
from wagtail.admin.panels import FieldPanel
from wagtail.search import index


class Organisation(index.Indexed, models.Model):
    name = models.CharField(
        max_length=150,
        unique=True,
        help_text="The full name as the organisation writes it, e.g. Oxford Health NHS Foundation Trust.",
        error_messages={"unique": "There is already an organisation with this name."},
    )
    ods_code = models.CharField(
        "ODS code",
        max_length=10,
        blank=True,
        help_text="Optional. The organisation's code in the NHS Organisation Data Service, e.g. RNU.",
    )
    is_member = models.BooleanField(
        "member of the Collaborative",
        default=False,
        help_text="Tick for a trust that belongs to the Collaborative. Members are listed first on booking forms.",
    )

    panels = [FieldPanel("name"), FieldPanel("ods_code"), FieldPanel("is_member")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.SearchField("ods_code")]

    class Meta:
        ordering = ["name"]
        constraints = [
            # "oxford health nhs foundation trust" is the same organisation as "Oxford Health NHS Foundation Trust".
            models.UniqueConstraint(Lower("name"), name="one_organisation_per_name"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = " ".join(self.name.split())
        self.ods_code = self.ods_code.strip().upper()
        super().save(*args, **kwargs)
