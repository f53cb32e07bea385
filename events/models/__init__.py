"""
The News and events section's models: venues and contacts (venues.py), the
section's pages (pages.py), the choices of an event's fields (choices.py) and
bookings (bookings.py). What booking needs of an event is a mixin EventPage
inherits (events/booking/event.py).
"""

from .after_the_workshop import Certificate, FollowUp, OrganisationAtWorkshop
from .bookings import (
    AttendanceTaken,
    Booking,
    BookingEmail,
    BookingEmailKind,
    BookingFormField,
    BookingFormPage,
    BookingStatus,
)
from .choices import PlaceKind
from .feedback import FeedbackFormField, FeedbackFormPage, FeedbackGiven, FeedbackResponse
from .organisations import Organisation
from .pages import (
    NEWEST_NEWS_FIRST,
    NOT_ON_NEWS_CARDS,
    SOONEST_FIRST,
    WORKSHOP_FIGURES,
    WORKSHOP_PLACES,
    AttendanceMode,
    BookersTold,
    EventMaterial,
    EventPage,
    EventStatus,
    EventType,
    NewsAndEventsIndexPage,
    NewsPage,
    NewsPageRelatedPage,
    NewsPageTag,
)
from .venues import AccessAnswer, AudienceRole, Contact, Venue

__all__ = [
    "AttendanceTaken",
    "Certificate",
    "EventMaterial",
    "FeedbackFormField",
    "FeedbackFormPage",
    "FeedbackGiven",
    "FeedbackResponse",
    "FollowUp",
    "OrganisationAtWorkshop",
    "Booking",
    "BookersTold",
    "BookingEmail",
    "BookingEmailKind",
    "BookingFormField",
    "BookingFormPage",
    "BookingStatus",
    "NEWEST_NEWS_FIRST",
    "NOT_ON_NEWS_CARDS",
    "SOONEST_FIRST",
    "WORKSHOP_FIGURES",
    "WORKSHOP_PLACES",
    "AccessAnswer",
    "AttendanceMode",
    "AudienceRole",
    "Contact",
    "EventPage",
    "EventStatus",
    "EventType",
    "NewsAndEventsIndexPage",
    "NewsPage",
    "NewsPageRelatedPage",
    "NewsPageTag",
    "Organisation",
    "PlaceKind",
    "Venue",
]
