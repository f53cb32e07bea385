"""
What follows a workshop for the people booked: the one follow-up e-mail
(and whether an administrator held it back), and certificates of attendance.
And what outlives their personal data: how many places each organisation
took at each workshop, kept when the bookings are erased.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class FollowUp(models.Model):
    """
    The follow-up of one workshop: held back by an administrator, or sent
    (recorded for each booking as a BookingEmail of kind FOLLOW_UP). A row
    of its own, not the page's fields, so that publishing the page never
    writes over it.
    """

    event = models.OneToOneField(
        "events.EventPage", on_delete=models.CASCADE, primary_key=True, related_name="follow_up"
    )
    held_back_at = models.DateTimeField(null=True, blank=True, help_text="When an administrator held it back.")
    held_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the follow-up e-mails were recorded for sending."
    )

    class Meta:
        verbose_name = "workshop follow-up"

    def __str__(self):
        return f"Follow-up of {self.event}"

    @property
    def is_held_back(self):
        return self.held_back_at is not None


class Certificate(models.Model):
    """
    A certificate of attendance: made for a booking marked attended, checked
    by anyone at the verification address with its code, and deleted with
    the booking's personal data.
    """

    booking = models.OneToOneField("events.Booking", on_delete=models.CASCADE, related_name="certificate")
    code = models.CharField(max_length=12, unique=True, help_text="The short code printed on the certificate.")
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "certificate of attendance"

    def __str__(self):
        return f"Certificate {self.code}"


class OrganisationAtWorkshop(models.Model):
    """
    How many places one organisation had at one workshop, and how many of its
    people attended: written when the bookings are erased, so that what the
    Collaborative achieved still counts the organisations it reached.
    """

    event = models.ForeignKey("events.EventPage", on_delete=models.CASCADE, related_name="organisations_reached")
    organisation = models.ForeignKey(
        "events.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=150, help_text="The organisation's name as counted (the list's, or as written).")
    is_member = models.BooleanField(default=False)
    places = models.PositiveIntegerField(default=0)
    attended = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "organisation at a workshop"
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="one_count_per_organisation_per_event")]

    def __str__(self):
        return f"{self.name} at {self.event}"
