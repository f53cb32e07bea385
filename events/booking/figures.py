"""
What the Collaborative achieves, in numbers: for each workshop, the places
it offered, how many were booked, attended and missed, the organisations
its places went to (member trusts and others), and what the people who came
thought of it; and the same for each year. The one source of these figures
for the admin's "What the Collaborative achieves" page, its export, and the
"Workshop figures" a report cites (reports/blocks.py), so that they never
disagree.

Aggregates only: nobody is named. Organisations are counted, and named only
by the admin page for the Collaborative's own member trusts.

What each figure counts:

- Places offered: each kind of place's limit (the room's; online places at a
  workshop held both ways, when they are limited). A kind of place without a
  limit offered as many as were asked for: it has no number, is shown as
  "No limit", and adds nothing to the totals.
- Booked: confirmed places booked ahead. Someone who came without booking
  (a walk-in, given a place at the door) is counted apart, as a walk-in, and
  among those who attended: "booked" is what the booking form achieved.
- Attended: places marked attended (checked in at the door, or found in the
  online attendance report), walk-ins included.
- No-shows: confirmed places not marked attended, counted from the day after
  the workshop and only for a kind of place whose attendance was taken
  (attendance.py): nobody is absent from a register nobody kept. The other
  places are "not recorded", and a workshop where attendance was taken for
  no kind of place has no number of no-shows at all.
- Organisations represented: those with at least one confirmed place
  (booked, or walked in), each counted once however its name was written
  (attendance_figures.organisation_key), a member when the Collaborative's
  list says so now. A year's organisations are counted once across its
  workshops. A booking erased after the retention period keeps no
  organisation: its organisation's places were counted into
  OrganisationAtWorkshop as it was erased (keep_organisation_counts), and
  are read from there, so the figures are the same before and after.
- Feedback: the responses received and their average ratings, 1 to 5.
- Cancelled bookings and the waiting list count nowhere.

workshop_figures() reads any number of workshops in five queries, however
many bookings they have: the places (one grouped query), where attendance
was taken, the organisations of the bookings and of the erased ones (one
row per organisation per workshop, not per booking), and the feedback. The
years and the totals are added up from the workshops, without a query.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Trim
from django.utils import timezone

from ..formatting import format_short_date
from ..models import (
    AttendanceTaken,
    Booking,
    BookingFormPage,
    BookingStatus,
    EventPage,
    EventStatus,
    FeedbackResponse,
    Organisation,
    OrganisationAtWorkshop,
)
from .attendance_figures import (
    ATTENDANCE_COUNTS,
    listed_as_key,
    organisation_key,
    places_with_attendance,
    written_organisation,
)

# The years figures are added up by. The NHS's year runs from April to March:
# trusts plan, budget and report on it, and so does the Collaborative.
FINANCIAL_YEAR = "financial"
CALENDAR_YEAR = "calendar"
YEAR_KINDS = {
    FINANCIAL_YEAR: "NHS financial years (April to March)",
    CALENDAR_YEAR: "Calendar years (January to December)",
}
YEAR_KINDS_IN_A_SENTENCE = {
    FINANCIAL_YEAR: "the NHS's financial year (April to March)",
    CALENDAR_YEAR: "calendar year",
}


class OrganisationReached(NamedTuple):
    name: str
    is_member: bool


def average(total, count):
    """A mean to one decimal place, rounded as people round (4.25 is 4.3); None of nothing."""
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def plural(count, one, many=None):
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


@dataclass
class Figures:
    """The figures of one workshop, or added up over several (a year, a period)."""

    workshops: int = 0
    places_offered: int = 0
    # Workshops with a kind of place that had no limit.
    workshops_without_limit: int = 0
    booked: int = 0
    walk_ins: int = 0
    attended: int = 0
    no_shows: int = 0
    not_recorded: int = 0
    # Workshops whose no-shows are counted: attendance taken, the day over.
    workshops_with_no_shows_counted: int = 0
    # {organisation_key: OrganisationReached}: each counted once.
    organisations: dict = field(default_factory=dict)
    feedback_responses: int = 0
    overall_ratings_total: int = 0
    usefulness_ratings_total: int = 0

    def add(self, other):
        """Add another's figures to these (its organisations counted once with these)."""
        for name in (
            "workshops",
            "places_offered",
            "workshops_without_limit",
            "booked",
            "walk_ins",
            "attended",
            "no_shows",
            "not_recorded",
            "workshops_with_no_shows_counted",
            "feedback_responses",
            "overall_ratings_total",
            "usefulness_ratings_total",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.organisations.update(other.organisations)

    @property
    def places(self):
        """Every confirmed place: booked ahead, and given at the door."""
        return self.booked + self.walk_ins

    @property
    def no_shows_counted(self):
        return self.workshops_with_no_shows_counted > 0

    @property
    def member_organisations(self):
        return sum(1 for organisation in self.organisations.values() if organisation.is_member)

    @property
    def other_organisations(self):
        return len(self.organisations) - self.member_organisations

    @property
    def organisation_count(self):
        return len(self.organisations)

    @property
    def average_overall_rating(self):
        return average(self.overall_ratings_total, self.feedback_responses)

    @property
    def average_usefulness_rating(self):
        return average(self.usefulness_ratings_total, self.feedback_responses)

    @property
    def places_offered_in_words(self):
        """'1,250'; '1,250, and no limit at 3 workshops'; 'No limit'."""
        if not self.workshops_without_limit:
            return f"{self.places_offered:,}"
        if not self.places_offered:
            return "No limit"
        return f"{self.places_offered:,}, and no limit at {plural(self.workshops_without_limit, 'workshop')}"

    @property
    def no_shows_in_words(self):
        return f"{self.no_shows:,}" if self.no_shows_counted else "Not recorded"


@dataclass
class WorkshopFigures(Figures):
    """One workshop's figures, with the workshop (event) and the limit of each kind of place."""

    event: EventPage = None
    # [(PlaceKind, its limit or None)] for each kind of place the workshop offered.
    limits: list = field(default_factory=list)

    @property
    def places_offered_in_words(self):
        """'50'; 'No limit'; '50 in person, no limit online'; '50 in person, 100 online'."""
        if len(self.limits) == 1:
            limit = self.limits[0][1]
            return "No limit" if limit is None else f"{limit:,}"
        return ", ".join(
            f"{'no limit' if limit is None else f'{limit:,}'} {kind.label.lower()}" for kind, limit in self.limits
        )

    @property
    def unlimited_kinds_in_words(self):
        """The kinds of place without a limit, for the export: 'Online', or ''."""
        return " and ".join(kind.label for kind, limit in self.limits if limit is None)

    @property
    def date_in_words(self):
        return format_short_date(self.event.date, self.event.date_shows_month_only)


@dataclass
class YearFigures(Figures):
    """A year's figures: its workshops added up, each organisation counted once across them."""

    label: str = ""
    first_day: date = None
    last_day: date = None


# Reading the figures -----------------------------------------------------------


def workshops_with_figures(first_day=None, last_day=None):
    """
    The workshops whose figures the Collaborative counts, held from
    first_day to last_day (either open), oldest first: those that took
    bookings on this site (with bookings, or published with a booking form),
    less any cancelled or postponed (not held on its day: the follow-up
    leaves them out too). Workshops from before booking on this site have no
    figures to show. Not yet read: a queryset.
    """
    events = EventPage.objects.exclude(status__in=[EventStatus.CANCELLED, EventStatus.POSTPONED])
    if first_day:
        events = events.filter(date__gte=first_day)
    if last_day:
        events = events.filter(date__lte=last_day)
    booking_form = BookingFormPage.objects.filter(path__startswith=OuterRef("path"), depth=OuterRef("depth") + 1)
    took_bookings = (
        Q(Exists(Booking.objects.filter(event=OuterRef("pk"))))
        | Q(Exists(OrganisationAtWorkshop.objects.filter(event=OuterRef("pk"))))
        | Q(Exists(booking_form), live=True)
    )
    return (
        events.filter(took_bookings)
        .defer("aims", "body", "agenda", "joining_instructions", "status_message", "summary")
        .order_by("date", "start_time", "pk")
    )


def workshop_figures(events, today=None):
    """
    [WorkshopFigures] of each of these workshops (EventPages, or a
    queryset of them), in their order: in five queries however many
    workshops and bookings there are.
    """
    events = list(events)
    today = today or timezone.localdate()
    ids = [event.pk for event in events]
    places = _places(ids, today)
    taken = set(AttendanceTaken.objects.filter(event_id__in=ids).values_list("event_id", flat=True).distinct())
    organisations = _organisations(ids)
    feedback = _feedback(ids)

    figures = []
    for event in events:
        counts = places.get(event.pk, {})
        ratings = feedback.get(event.pk, {})
        limits = [(kind, event.capacity_for(kind)) for kind in event.place_kinds]
        no_shows_counted = event.pk in taken and event.date < today
        figures.append(
            WorkshopFigures(
                event=event,
                limits=limits,
                workshops=1,
                places_offered=sum(limit for _kind, limit in limits if limit is not None),
                workshops_without_limit=int(any(limit is None for _kind, limit in limits)),
                booked=counts.get("booked", 0),
                walk_ins=counts.get("walk_ins", 0),
                attended=counts.get("attended", 0),
                no_shows=counts.get("did_not_attend", 0),
                not_recorded=counts.get("not_recorded", 0),
                workshops_with_no_shows_counted=int(no_shows_counted),
                organisations=organisations.get(event.pk, {}),
                feedback_responses=ratings.get("responses", 0),
                overall_ratings_total=ratings.get("overall", 0) or 0,
                usefulness_ratings_total=ratings.get("usefulness", 0) or 0,
            )
        )
    return figures


def figures_of_workshop(event, today=None):
    """One workshop's WorkshopFigures."""
    return workshop_figures([event], today)[0]


def _places(event_ids, today):
    """{event id: {booked, walk_ins, attended, did_not_attend, not_recorded}}: one grouped query."""
    bookings = Booking.objects.filter(event_id__in=event_ids).order_by()
    rows = (
        places_with_attendance(bookings, today)
        .values("event_id")
        .annotate(
            booked=Count("pk", filter=Q(is_walk_in=False)),
            walk_ins=Count("pk", filter=Q(is_walk_in=True)),
            **ATTENDANCE_COUNTS,
        )
    )
    return {row["event_id"]: row for row in rows}


def by_organisation(bookings, **more):
    """
    Bookings grouped by workshop and organisation (however its name was
    written): the name as first written, the list's name and whether the
    list says it is a member, and any `more` aggregates.
    """
    listed = listed_as_key()
    return (
        bookings.order_by()
        .annotate(organisation_key=organisation_key())
        .exclude(organisation_key="")
        .values("event_id", "organisation_key")
        .annotate(
            written_name=Min(Trim(written_organisation())),
            listed_name=Subquery(listed.values("name")[:1]),
            is_member=Exists(listed.filter(is_member=True)),
            **more,
        )
    )


def _organisations(event_ids):
    """
    {event id: {organisation_key: OrganisationReached}}: the organisations
    with a confirmed place in the bookings not erased, and those counted as
    bookings were erased, one row per organisation per workshop (two queries).
    Named as the list names them, or as first written; a member when the
    list says so now (as it was when erased, for one no longer in the list).
    """
    reached = {}
    listed = listed_as_key()
    in_bookings = by_organisation(
        Booking.objects.filter(event_id__in=event_ids, status=BookingStatus.CONFIRMED, erased_at=None)
    ).values_list("event_id", "organisation_key", "written_name", "listed_name", "is_member")
    for event_id, key, written_name, listed_name, is_member in in_bookings:
        reached.setdefault(event_id, {})[key] = OrganisationReached(listed_name or written_name, is_member)

    counted_at_erasure = (
        OrganisationAtWorkshop.objects.filter(event_id__in=event_ids)
        .order_by()
        .annotate(organisation_key=organisation_key(Coalesce("organisation__name", "name")))
        .exclude(organisation_key="")
        .annotate(
            listed_name=Subquery(listed.values("name")[:1]),
            listed_is_member=Subquery(listed.values("is_member")[:1]),
        )
        .values_list("event_id", "organisation_key", "name", "listed_name", "listed_is_member", "is_member")
    )
    for event_id, key, name, listed_name, listed_is_member, was_member in counted_at_erasure:
        organisations = reached.setdefault(event_id, {})
        if key not in organisations:
            is_member = was_member if listed_is_member is None else listed_is_member
            organisations[key] = OrganisationReached(listed_name or name, is_member)
    return reached


def _feedback(event_ids):
    """{event id: {responses, overall, usefulness}} (the ratings' sums): one grouped query."""
    rows = (
        FeedbackResponse.objects.filter(event_id__in=event_ids)
        .order_by()
        .values("event_id")
        .annotate(responses=Count("pk"), overall=Sum("overall_rating"), usefulness=Sum("usefulness_rating"))
    )
    return {row["event_id"]: row for row in rows}


# Adding up ----------------------------------------------------------------------


def year_of(day, kind=FINANCIAL_YEAR):
    """(first day, last day, label) of the year a day is in: '2025/26' (April to March), or '2026'."""
    if kind == CALENDAR_YEAR:
        return date(day.year, 1, 1), date(day.year, 12, 31), str(day.year)
    starts = day.year if day.month >= 4 else day.year - 1
    return date(starts, 4, 1), date(starts + 1, 3, 31), f"{starts}/{(starts + 1) % 100:02d}"


def figures_by_year(workshops, kind=FINANCIAL_YEAR):
    """[YearFigures] of the years these WorkshopFigures fall in, oldest first."""
    years = {}
    for workshop in workshops:
        first_day, last_day, label = year_of(workshop.event.date, kind)
        year = years.get(first_day)
        if year is None:
            year = years[first_day] = YearFigures(label=label, first_day=first_day, last_day=last_day)
        year.add(workshop)
    return [years[first_day] for first_day in sorted(years)]


def in_total(workshops):
    """The figures of these WorkshopFigures added up, each organisation counted once."""
    total = Figures()
    for workshop in workshops:
        total.add(workshop)
    return total


def member_organisations_reached(workshops):
    """[(member's name, how many of these workshops it had places at)], by name."""
    reached = {}
    for workshop in workshops:
        for key, organisation in workshop.organisations.items():
            if organisation.is_member:
                name, count = reached.get(key, (organisation.name, 0))
                reached[key] = (name, count + 1)
    return sorted(reached.values(), key=lambda member: member[0].casefold())


def member_organisations_not_reached(workshops):
    """The names of the Collaborative's members with no place at any of these workshops (one query)."""
    reached = {key for workshop in workshops for key in workshop.organisations}
    members = Organisation.objects.filter(is_member=True).annotate(organisation_key=organisation_key(F("name")))
    return [name for key, name in members.values_list("organisation_key", "name") if key not in reached]


# Keeping the counts of erased bookings ----------------------------------------


def keep_organisation_counts(booking_ids):
    """
    Before these bookings' personal details are erased (in the same
    transaction, the bookings locked: privacy.erase_personal_data): add each
    organisation's confirmed places among them, and how many attended, to
    its OrganisationAtWorkshop count at their workshop. What is kept names
    organisations, never a person. Bookings without a place (cancelled,
    waiting) reached no organisation and add nothing.
    """
    groups = by_organisation(
        Booking.objects.filter(pk__in=booking_ids, status=BookingStatus.CONFIRMED),
        listed_id=Subquery(listed_as_key().values("pk")[:1]),
        places=Count("pk"),
        attended=Count("pk", filter=Q(attended_at__isnull=False)),
    )
    for group in groups:
        name = (group["listed_name"] or group["written_name"])[
            : OrganisationAtWorkshop._meta.get_field("name").max_length
        ]
        _add_to_count(group["event_id"], name, group)


def _add_to_count(event_id, name, group):
    """Add a group's places to its organisation's count at the workshop, however its name's case was written before."""
    changes = {
        "places": F("places") + group["places"],
        "attended": F("attended") + group["attended"],
        "is_member": group["is_member"],
    }
    if group["listed_id"]:
        changes["organisation_id"] = group["listed_id"]
    existing = (
        OrganisationAtWorkshop.objects.filter(event_id=event_id, name__iexact=name)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:
        OrganisationAtWorkshop.objects.filter(pk=existing).update(**changes)
        return
    try:
        with transaction.atomic():
            OrganisationAtWorkshop.objects.create(
                event_id=event_id,
                name=name,
                organisation_id=group["listed_id"],
                is_member=group["is_member"],
                places=group["places"],
                attended=group["attended"],
            )
    except IntegrityError:
        # Another erasure at the same workshop counted this organisation first, in the same instant.
        OrganisationAtWorkshop.objects.filter(event_id=event_id, name=name).update(**changes)
