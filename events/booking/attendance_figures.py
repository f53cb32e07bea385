"""
Attendance in numbers, for the dashboard and the "Attendance by
organisation" report: how many came, did not come (no-shows) or were not
recorded, per workshop and per organisation. Aggregates only, each table in
one query however many bookings it counts, and no names.
"""

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower, Trim

from ..models import BookingStatus, Organisation
from .attendance import Attendance, with_attendance

ATTENDANCE_COUNTS = {
    "attended": Count("pk", filter=Q(attendance=Attendance.ATTENDED)),
    "did_not_attend": Count("pk", filter=Q(attendance=Attendance.DID_NOT_ATTEND)),
    "not_recorded": Count("pk", filter=Q(attendance=Attendance.NOT_RECORDED)),
}


def places_with_attendance(bookings, today=None):
    """The places among these bookings (confirmed ones), each annotated with its attendance."""
    return with_attendance(bookings.filter(status=BookingStatus.CONFIRMED), today)


def attendance_by_workshop(bookings, limit):
    """
    [{event_id, title, date, places, attended, did_not_attend, not_recorded}]
    for the workshops these bookings are at, the latest first, at most `limit`.
    """
    return list(
        places_with_attendance(bookings)
        .values("event_id", title=F("event__title"), date=F("event__date"))
        .annotate(places=Count("pk"), **ATTENDANCE_COUNTS)
        .order_by("-date", "-event_id")[:limit]
    )


# The orders the per-organisation table can be sorted in, by its column headings.
ORGANISATION_ORDERS = {
    "no_shows": ("-did_not_attend", "-places", "organisation_key"),
    "places": ("-places", "-did_not_attend", "organisation_key"),
    "name": ("organisation_key",),
}
DEFAULT_ORGANISATION_ORDER = "no_shows"


def written_organisation():
    """A booking's organisation as its booker gave it: chosen from the list, or written."""
    return Coalesce("listed_organisation__name", "organisation")


def organisation_key(name=None):
    """
    Which organisation a name counts as: the same whatever its case or the
    spaces around it. Of a booking's organisation unless another name is given.
    """
    return Lower(Trim(name if name is not None else written_organisation()))


def listed_as_key():
    """The organisations of the list whose name is the row's organisation_key (one at most)."""
    return Organisation.objects.filter(name__iexact=OuterRef("organisation_key"))


def attendance_by_organisation(bookings, order=DEFAULT_ORGANISATION_ORDER):
    """
    [{organisation_key, name, places, attended, did_not_attend, not_recorded,
    is_member}] over the places among these bookings, one row per
    organisation: the one chosen from the list, or the name the booker
    wrote, the two counted as one whatever their case or surrounding spaces
    ("oxford health NHS Foundation Trust " written by hand is Oxford Health
    NHS Foundation Trust from the list). Named as the list names it, or as
    first written; a member when the list says so.
    """
    written = written_organisation()
    listed = listed_as_key()
    rows = list(
        places_with_attendance(bookings)
        .annotate(organisation_key=organisation_key())
        .values("organisation_key")
        .annotate(
            written_name=Min(Trim(written)),
            places=Count("pk"),
            **ATTENDANCE_COUNTS,
            listed_name=Subquery(listed.values("name")[:1]),
            is_member=Exists(listed.filter(is_member=True)),
        )
        .order_by(*ORGANISATION_ORDERS.get(order, ORGANISATION_ORDERS[DEFAULT_ORGANISATION_ORDER]))
    )
    for row in rows:
        row["name"] = row["listed_name"] or row["written_name"]
    return rows


def attendance_totals_of(rows):
    """The table's totals: places, attended, did not attend, not recorded."""
    return {
        column: sum(row[column] for row in rows) for column in ("places", "attended", "did_not_attend", "not_recorded")
    }
