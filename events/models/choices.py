"""
The choices an event's fields offer. Apart from the pages so that booking's
mixin (events/booking/event.py), which EventPage inherits, can use them.
"""

from django.db import models


class EventType(models.TextChoices):
    WORKSHOP = "workshop", "Workshop"
    VIDEOCONFERENCE = "videoconference", "Videoconference"
    FORUM = "forum", "Forum"


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", "In person, at a venue"
    ONLINE = "online", "Online"
    HYBRID = "hybrid", "In person and online"


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Going ahead as planned"
    CANCELLED = "cancelled", "Cancelled"
    POSTPONED = "postponed", "Postponed"
    MOVED_ONLINE = "moved_online", "Moved online"


class PlaceKind(models.TextChoices):
    """The kind of place a booking holds: at a workshop in person and online, the booker chooses."""

    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
