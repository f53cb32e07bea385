import re
from urllib.parse import urlencode

from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.search import index


class AccessAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "", "Not known"


# A whole UK postcode written without its space: the last three characters
# (a digit and two letters) are always the inward code.
_UNSPACED_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")


def tidy_postcode(postcode):
    """A postcode as the Royal Mail writes it: "ox3 7jx" and "OX37JX" are "OX3 7JX"; anything else in capitals."""
    tidied = " ".join(postcode.split()).upper()
    whole = _UNSPACED_POSTCODE.fullmatch(tidied.replace(" ", ""))
    return f"{whole[1]} {whole[2]}" if whole else tidied


class Venue(index.Indexed, models.Model):
    """A place workshops are held, with how to get there and what access it offers."""

    name = models.CharField(max_length=150, help_text="e.g. Malmaison Hotel.")
    address_line_1 = models.CharField(max_length=150, help_text="e.g. 1-3 Piccadilly.")
    address_line_2 = models.CharField(max_length=150, blank=True, help_text="Optional. e.g. the building or floor.")
    town_or_city = models.CharField(max_length=80, help_text="e.g. Manchester.")
    postcode = models.CharField(max_length=10, blank=True, help_text="e.g. M1 3AQ.")
    travel_directions = models.TextField(
        blank=True, help_text="How to get there: nearest stations, buses, which entrance to use."
    )
    step_free_access = models.CharField(
        max_length=3,
        choices=AccessAnswer.choices,
        blank=True,
        default=AccessAnswer.NOT_KNOWN,
        help_text="Can a wheelchair user get in and around without steps? Leave 'Not known' rather than guess.",
    )
    accessible_toilet = models.CharField(
        max_length=3,
        choices=AccessAnswer.choices,
        blank=True,
        default=AccessAnswer.NOT_KNOWN,
        help_text="Is there an accessible toilet? Leave 'Not known' rather than guess.",
    )
    hearing_loop = models.CharField(
        max_length=3,
        choices=AccessAnswer.choices,
        blank=True,
        default=AccessAnswer.NOT_KNOWN,
        help_text="Is there a hearing loop in the room? Leave 'Not known' rather than guess.",
    )
    parking = models.CharField(
        max_length=200, blank=True, help_text="e.g. No parking on site; Blue Badge bays on the street."
    )
    nearest_station = models.CharField(max_length=120, blank=True, help_text="e.g. Manchester Piccadilly.")
    access_notes = models.TextField(blank=True, help_text="Anything else a visitor with access needs should know.")

    panels = [
        FieldPanel("name"),
        MultiFieldPanel(
            [
                FieldPanel("address_line_1"),
                FieldPanel("address_line_2"),
                FieldRowPanel([FieldPanel("town_or_city"), FieldPanel("postcode")]),
            ],
            heading="Address",
        ),
        FieldPanel("travel_directions"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("step_free_access"), FieldPanel("accessible_toilet"), FieldPanel("hearing_loop")]
                ),
                FieldPanel("parking"),
                FieldPanel("nearest_station"),
                FieldPanel("access_notes"),
            ],
            heading="Access",
        ),
    ]

    search_fields = [
        index.SearchField("name"),
        index.SearchField("town_or_city"),
        index.SearchField("address_line_1"),
        index.AutocompleteField("name"),
        index.AutocompleteField("town_or_city"),
        index.FilterField("town_or_city"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}, {self.town_or_city}"

    def save(self, *args, **kwargs):
        # Venues made outside the admin's form (demo content, imports) too.
        self.postcode = tidy_postcode(self.postcode)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.postcode = tidy_postcode(self.postcode)

    @property
    def address_lines(self):
        # A venue named after its street address ("30 Euston Square") is not written twice.
        street = [line for line in (self.address_line_1, self.address_line_2) if line and line != self.name]
        return [line for line in (self.name, *street, self.town_or_city, self.postcode) if line]

    @property
    def full_address(self):
        return ", ".join(self.address_lines)

    @property
    def map_url(self):
        """A plain link to OpenStreetMap's search for the address: no map scripts on our pages."""
        query = ", ".join(line for line in (self.address_line_1, self.town_or_city, self.postcode) if line)
        return "https://www.openstreetmap.org/search?" + urlencode({"query": query})

    @property
    def access_facts(self):
        """The access answers that are known, as (label, answer) pairs."""
        facts = [
            ("Step-free access", self.get_step_free_access_display() if self.step_free_access else ""),
            ("Accessible toilet", self.get_accessible_toilet_display() if self.accessible_toilet else ""),
            ("Hearing loop", self.get_hearing_loop_display() if self.hearing_loop else ""),
            ("Parking", self.parking),
            ("Nearest station", self.nearest_station),
        ]
        return [(label, answer) for label, answer in facts if answer]


class Contact(index.Indexed, models.Model):
    """A person visitors can ask about a workshop and its booking."""

    name = models.CharField(max_length=120, help_text="As visitors should see it, e.g. Joanna Daci.")
    role = models.CharField(max_length=120, blank=True, help_text="e.g. Programme Operations Manager.")
    email = models.EmailField(
        blank=True,
        help_text=(
            "Booking notices, with each booker's details, go to this address, and bookers' replies come back "
            "to it. Leave blank if not known: pages then point to the contact page."
        ),
    )
    phone = models.CharField(
        max_length=40, blank=True, help_text="Optional. A number visitors may call, e.g. 020 7946 0000."
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("role"),
        # Whoever sets this address receives every later booker's name,
        # job and e-mail (the contact notices) and their replies: only the
        # people trusted with bookings may choose it. Editors keep the rest.
        FieldPanel("email", permission="events.change_contact_email"),
        HelpPanel(
            content=(
                "<p>Only Booking administrators can set or change a contact's e-mail address, "
                "because booking notices with bookers' personal details go to it.</p>"
            )
        ),
        FieldPanel("phone"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name"), index.SearchField("role")]

    class Meta:
        ordering = ["name"]
        permissions = [("change_contact_email", "Can set a booking contact's e-mail address")]

    def __str__(self):
        return f"{self.name}, {self.role}" if self.role else self.name


class AudienceRole(models.Model):
    """A role a workshop is for, e.g. Director of Nursing."""

    name = models.CharField(
        max_length=120, unique=True, help_text="A job role a workshop is for, e.g. Director of Nursing."
    )

    panels = [FieldPanel("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
