"""
What booking needs of an event: when it starts, whether booking is open and
why not, and how many places are left. EventPage inherits it; the event's
fields stay on EventPage (events/models/pages.py).
"""

from datetime import datetime, time

from django.db import models
from django.utils import timezone

from home import page_cache

from ..calendar import LONDON
from ..formatting import format_date, format_moment
from ..models.bookings import BookingFormPage, BookingStatus
from ..models.choices import AttendanceMode, EventStatus, PlaceKind


class BookableEvent:
    """EventPage's booking methods: methods only, so it adds no field and no migration."""

    @property
    def starts_at(self):
        """The moment the event begins; for an event with no time, the start of its day."""
        return datetime.combine(self.date, self.start_time or time.min, tzinfo=LONDON)

    def has_started(self, now=None):
        """Whether the event has begun, now or at the moment `now`: booking and cancelling end then."""
        return (now or timezone.now()) >= self.starts_at

    def booking_closed_reason(self, now=None):
        """
        Why nobody can book now, in a sentence for the event page and the
        booking form; None while booking is open (even when full: then
        bookers join the waiting list).
        """
        now = now or timezone.now()
        self.say_when_booking_changes(now)
        kind = self.get_event_type_display().lower()
        if self.status == EventStatus.CANCELLED:
            return f"This {kind} has been cancelled, so booking is closed."
        if self.status == EventStatus.POSTPONED:
            return f"This {kind} has been postponed. Booking will open again when it has a new date."
        if self.date_shows_month_only or self.has_started(now):
            return f"This {kind} has already started, so booking is closed."
        if self.booking_opens_at and now < self.booking_opens_at:
            return f"Booking opens on {format_moment(self.booking_opens_at)}."
        if self.booking_closes_at and now >= self.booking_closes_at:
            return f"Booking closed on {format_moment(self.booking_closes_at)}."
        return None

    def say_when_booking_changes(self, now):
        """
        Tell what is being rendered (a page, a remembered list of cards) the
        next moment whether one can book changes by the clock alone: booking
        opens or closes, the event starts, its day ends.
        """
        page_cache.changes_tomorrow()
        later = [moment for moment in (self.booking_opens_at, self.booking_closes_at, self.starts_at) if moment]
        page_cache.changes_at(min((moment for moment in later if moment > now), default=None))

    def count_bookings(self):
        """
        Read the confirmed and waiting-list counts in one query, for a page
        that shows them several times (places left, full or not, the form).
        The workshop's own pages are refreshed in the page cache by its
        address when a booking changes them (events/apps.py).
        """
        counts = self.bookings.aggregate(
            confirmed=models.Count("pk", filter=models.Q(status=BookingStatus.CONFIRMED)),
            waiting=models.Count("pk", filter=models.Q(status=BookingStatus.WAITING)),
            confirmed_online=models.Count(
                "pk", filter=models.Q(status=BookingStatus.CONFIRMED, attends=PlaceKind.ONLINE)
            ),
        )
        self.confirmed_bookings = counts["confirmed"]
        self.waiting_bookings = counts["waiting"]
        self.confirmed_online_bookings = counts["confirmed_online"]

    @property
    def place_kinds(self):
        """The kinds of place a booker can have here: both at an event in person and online."""
        if self.attendance_mode == AttendanceMode.HYBRID:
            return (PlaceKind.IN_PERSON, PlaceKind.ONLINE)
        if self.attendance_mode == AttendanceMode.ONLINE:
            return (PlaceKind.ONLINE,)
        return (PlaceKind.IN_PERSON,)

    @property
    def offers_a_choice_of_place(self):
        return len(self.place_kinds) > 1

    @property
    def only_place_kind(self):
        """The kind of place a booking gets when the booker has no choice (and the first offered when they do)."""
        return self.place_kinds[0]

    def capacity_for(self, kind):
        """
        How many places of this kind there are; None for no limit. An event
        held one way has one number of places (capacity); one held both
        ways has the room's (capacity) and the online places' (online_capacity).
        """
        if kind == PlaceKind.ONLINE and self.attendance_mode == AttendanceMode.HYBRID:
            return self.online_capacity
        return self.capacity

    def confirmed_count_for(self, kind):
        if not hasattr(self, "confirmed_online_bookings"):
            return self.bookings.confirmed().of_kind(kind).count()
        if kind == PlaceKind.ONLINE:
            return self.confirmed_online_bookings
        return self.confirmed_bookings - self.confirmed_online_bookings

    def places_left_for(self, kind):
        """How many places of this kind can still be booked; None when there is no limit."""
        capacity = self.capacity_for(kind)
        if capacity is None:
            return None
        return max(capacity - self.confirmed_count_for(kind), 0)

    @property
    def confirmed_count(self):
        # Listings annotate the count (with_booking_counts) so that a page of
        # cards costs one query, not one per card.
        if hasattr(self, "confirmed_bookings"):
            return self.confirmed_bookings
        return self.bookings.confirmed().count()

    @property
    def waiting_count(self):
        if hasattr(self, "waiting_bookings"):
            return self.waiting_bookings
        return self.bookings.waiting().count()

    @property
    def places_left(self):
        """
        How many places can still be booked; None when there is no limit.
        At an event in person and online: the room's (places_left_for tells each kind).
        """
        return self.places_left_for(self.only_place_kind)

    @property
    def is_full(self):
        """Whether every kind of place is taken: then a booker can only join a waiting list."""
        return all(self.places_left_for(kind) == 0 for kind in self.place_kinds)

    @property
    def places_by_kind(self):
        """[(kind, its label, places left or None)] for each kind of place offered."""
        return [(kind, kind.label, self.places_left_for(kind)) for kind in self.place_kinds]

    @property
    def booking_state(self):
        """
        Whether a visitor can book, in a few words for cards and the page:
        "Booking closed", "Booking opens ...", "12 places left", "Fully
        booked: waiting list open"; at an event in person and online, for
        each kind: "In person: 12 places left. Online: open to all".
        """
        now = timezone.now()
        self.say_when_booking_changes(now)
        if self.is_past(now) or self.booking_closed_reason(now):
            if self.booking_opens_at and now < self.booking_opens_at and self.status == EventStatus.SCHEDULED:
                return f"Booking opens {format_date(timezone.localtime(self.booking_opens_at).date())}"
            return "Booking closed"
        if not self.offers_a_choice_of_place:
            return places_in_words(self.places_left, full="Fully booked: waiting list open", unlimited="Open to all")
        return ". ".join(
            f"{label}: {places_in_words(left, full='full, waiting list open', unlimited='open to all')}"
            for _kind, label, left in self.places_by_kind
        )

    def booking_page(self):
        """The live booking form under this event, if it has one."""
        page_cache.shows(BookingFormPage)
        return BookingFormPage.objects.child_of(self).live().first()


def places_in_words(places_left, *, full, unlimited):
    if places_left is None:
        return unlimited
    if places_left == 0:
        return full
    return f"{places_left} {'place' if places_left == 1 else 'places'} left"
