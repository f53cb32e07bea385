"""
The booking rules for two kinds of place, fair shares between
organisations, moving between kinds, handing a place to a colleague, and
what attendance records: called directly, as the form and the pages do.
"""

import importlib
from datetime import timedelta

import pytest
from django.core import mail
from wagtail.models import PageLogEntry

from events.booking import attendance, rules
from events.booking.attendance import Attendance
from events.booking.attendance_report import ReportedAttendee
from events.models import (
    AttendanceMode,
    AttendanceTaken,
    Booking,
    BookingEmail,
    BookingEmailKind,
    BookingStatus,
    Contact,
    EventPage,
    Organisation,
    PlaceKind,
)
from tests.events.factories import add_booking_form, add_event, make_booking

pytestmark = pytest.mark.django_db

IN_PERSON, ONLINE = PlaceKind.IN_PERSON, PlaceKind.ONLINE


@pytest.fixture
def hybrid(index, today, venue):
    """A workshop in person (2 places in the room) and online (3 places), with its booking form."""
    event = add_event(
        index,
        "hybrid-workshop",
        today + timedelta(weeks=3),
        venue=venue,
        attendance_mode=AttendanceMode.HYBRID,
        capacity=2,
        online_capacity=3,
    )
    return event, add_booking_form(event)


def answers(name, kind=None, organisation="Oxford Health NHS Foundation Trust", listed=None):
    email = f"{'.'.join(name.lower().split())}@example.nhs.uk"
    given = {"name": name, "email": email, "job_title": "Director of HR", "organisation": organisation}
    if kind:
        given["attends"] = kind
    if listed is not None:
        given["listed_organisation"] = listed
    return given


def book(form_page, name, kind=None, **given):
    return rules.book_place(form_page, answers(name, kind, **given), {}).booking


def statuses(event):
    return {(booking.name, booking.attends): booking.status for booking in Booking.objects.filter(event=event)}


# 1. Two kinds of place ---------------------------------------------------------


def test_each_kind_of_place_fills_and_waits_on_its_own(hybrid):
    event, form_page = hybrid
    for name in ("Ada", "Grace", "Mary"):
        book(form_page, name, IN_PERSON)
    for name in ("Edith", "Florence", "Rosalind", "Dorothy"):
        book(form_page, name, ONLINE)

    assert statuses(event) == {
        ("Ada", IN_PERSON): BookingStatus.CONFIRMED,
        ("Grace", IN_PERSON): BookingStatus.CONFIRMED,
        ("Mary", IN_PERSON): BookingStatus.WAITING,
        ("Edith", ONLINE): BookingStatus.CONFIRMED,
        ("Florence", ONLINE): BookingStatus.CONFIRMED,
        ("Rosalind", ONLINE): BookingStatus.CONFIRMED,
        ("Dorothy", ONLINE): BookingStatus.WAITING,
    }
    event = EventPage.objects.get(pk=event.pk)
    event.count_bookings()
    assert event.places_by_kind == [(IN_PERSON, "In person", 0), (ONLINE, "Online", 0)]
    assert event.is_full


def test_a_cancelled_place_goes_to_the_first_person_waiting_for_that_kind(hybrid):
    event, form_page = hybrid
    ada = book(form_page, "Ada", IN_PERSON)
    book(form_page, "Grace", IN_PERSON)
    for name in ("Edith", "Florence", "Rosalind", "Dorothy"):
        book(form_page, name, ONLINE)
    mary = book(form_page, "Mary", IN_PERSON)

    rules.cancel_booking(ada)

    mary.refresh_from_db()
    assert mary.is_confirmed, "the room place went to the person waiting for a room place"
    assert Booking.objects.get(name="Dorothy").is_waiting, "not to the earlier person waiting online"


def test_online_places_without_a_limit_are_never_full(hybrid):
    event, form_page = hybrid
    EventPage.objects.filter(pk=event.pk).update(online_capacity=None)
    for number in range(8):
        book(form_page, f"Online booker {number}", ONLINE)

    assert Booking.objects.filter(event=event, status=BookingStatus.CONFIRMED, attends=ONLINE).count() == 8
    event = EventPage.objects.get(pk=event.pk)
    event.count_bookings()
    assert event.places_left_for(ONLINE) is None
    assert not event.is_full


def test_a_one_way_workshop_gives_its_only_kind_whatever_is_asked(index, today):
    online_only = add_event(index, "online-only", today + timedelta(weeks=2), capacity=1)
    form_page = add_booking_form(online_only)

    first = book(form_page, "Ada", IN_PERSON)
    second = book(form_page, "Grace")

    assert (first.attends, first.status) == (ONLINE, BookingStatus.CONFIRMED)
    assert (second.attends, second.status) == (ONLINE, BookingStatus.WAITING)


def test_online_places_are_only_for_a_workshop_held_both_ways(index, today, venue):
    event = add_event(index, "room-only", today + timedelta(weeks=2), venue=venue, capacity=50)
    event.online_capacity = 10

    with pytest.raises(Exception, match="Online places are only for an event in person and online"):
        event.full_clean()


# 2. Fair shares -------------------------------------------------------------------


@pytest.fixture
def shared(hybrid):
    """The hybrid workshop with 3 room places, 3 online, and at most 1 place per organisation."""
    event, form_page = hybrid
    EventPage.objects.filter(pk=event.pk).update(capacity=3, places_per_organisation=1)
    return EventPage.objects.get(pk=event.pk), form_page


def test_a_booking_beyond_its_organisations_share_waits_and_is_told_why(shared, mailoutbox):
    event, form_page = shared
    oxford = Organisation.objects.get_or_create(name="Oxford Health NHS Foundation Trust")[0]
    first = book(form_page, "Ada", IN_PERSON, listed=oxford)
    second = book(form_page, "Grace", ONLINE, listed=oxford)

    assert first.is_confirmed
    assert second.is_waiting, "both kinds are limited, so the share counts both"
    told = BookingEmail.objects.get(booking=second, kind=BookingEmailKind.WAITING_LIST)
    assert told.message.startswith("Each organisation can have at most 1 place at this workshop")
    assert "Oxford Health NHS Foundation Trust already has 1" in told.message


def test_written_names_of_one_organisation_share_one_share(shared):
    event, form_page = shared
    book(form_page, "Ada", IN_PERSON, organisation="Tavistock and Portman NHS Foundation Trust")
    grace = book(form_page, "Grace", IN_PERSON, organisation="  tavistock and portman   NHS foundation trust ")
    mary = book(form_page, "Mary", IN_PERSON, organisation="Health Education England")

    assert grace.is_waiting
    assert mary.is_confirmed


def test_places_without_a_limit_are_not_counted_in_the_share(shared):
    event, form_page = shared
    EventPage.objects.filter(pk=event.pk).update(online_capacity=None)
    book(form_page, "Ada", IN_PERSON)
    online = [book(form_page, f"Online {number}", ONLINE) for number in range(3)]
    grace = book(form_page, "Grace", IN_PERSON)

    assert all(booking.is_confirmed for booking in online), "nobody is kept out of places without a limit"
    assert grace.is_waiting, "the room's places are still shared"


def test_someone_over_the_share_gets_a_place_when_a_colleague_cancels(shared):
    event, form_page = shared
    ada = book(form_page, "Ada", IN_PERSON)
    grace = book(form_page, "Grace", IN_PERSON)
    assert grace.is_waiting

    rules.cancel_booking(ada)

    grace.refresh_from_db()
    assert grace.is_confirmed


def test_a_free_place_passes_over_those_at_their_share_to_the_next_person(shared):
    event, form_page = shared
    book(form_page, "Ada", IN_PERSON)
    book(form_page, "Edith", IN_PERSON, organisation="NHS Employers")
    book(form_page, "Florence", IN_PERSON, organisation="Public Health England")
    grace = book(form_page, "Grace", IN_PERSON)  # Oxford, over its share
    mary = book(form_page, "Mary", IN_PERSON, organisation="Health Education England")  # room full
    assert (grace.status, mary.status) == (BookingStatus.WAITING, BookingStatus.WAITING)

    rules.cancel_booking(Booking.objects.get(name="Florence"))

    grace.refresh_from_db()
    mary.refresh_from_db()
    assert grace.is_waiting, "Oxford still has its one place"
    assert mary.is_confirmed, "the place goes to the first person whose organisation is under its share"


# 3. Changing how one attends ------------------------------------------------------


def test_moving_online_frees_the_room_place_for_the_first_person_waiting(hybrid, mailoutbox):
    event, form_page = hybrid
    ada = book(form_page, "Ada", IN_PERSON)
    book(form_page, "Grace", IN_PERSON)
    mary = book(form_page, "Mary", IN_PERSON)

    moved = rules.change_attendance(ada, ONLINE)

    assert (moved.attends, moved.status, moved.invitation_revision) == (ONLINE, BookingStatus.CONFIRMED, 1)
    mary.refresh_from_db()
    assert mary.is_confirmed
    kinds = list(BookingEmail.objects.filter(booking__in=[ada, mary]).order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == [BookingEmailKind.ATTENDANCE_CHANGED, BookingEmailKind.PROMOTION]


def test_moving_into_a_full_kind_is_refused_and_the_place_kept(hybrid):
    event, form_page = hybrid
    book(form_page, "Ada", IN_PERSON)
    book(form_page, "Grace", IN_PERSON)
    edith = book(form_page, "Edith", ONLINE)

    with pytest.raises(rules.ChangeRefused, match="Every place in person is taken.*You keep your place online"):
        rules.change_attendance(edith, IN_PERSON)

    edith.refresh_from_db()
    assert (edith.attends, edith.status) == (ONLINE, BookingStatus.CONFIRMED)


def test_someone_waiting_can_move_to_a_kind_with_a_free_place(hybrid):
    event, form_page = hybrid
    book(form_page, "Ada", IN_PERSON)
    book(form_page, "Grace", IN_PERSON)
    mary = book(form_page, "Mary", IN_PERSON)

    moved = rules.change_attendance(mary, ONLINE)

    assert (moved.attends, moved.status) == (ONLINE, BookingStatus.CONFIRMED)


def test_nothing_changes_once_the_workshop_has_started(hybrid, clock):
    event, form_page = hybrid
    ada = book(form_page, "Ada", IN_PERSON)
    clock.move_to(event.starts_at + timedelta(minutes=1))

    with pytest.raises(rules.ChangeRefused, match="has started"):
        rules.change_attendance(ada, ONLINE)
    with pytest.raises(rules.ChangeRefused, match="has started"):
        rules.hand_over(ada, colleague("Rosalind"))


def test_moving_from_unlimited_online_places_into_the_room_respects_the_share(shared):
    event, form_page = shared
    EventPage.objects.filter(pk=event.pk).update(online_capacity=None)
    book(form_page, "Ada", IN_PERSON)
    grace = book(form_page, "Grace", ONLINE)  # Oxford too: online places are not counted

    with pytest.raises(rules.ChangeRefused, match="Every place in person is taken"):
        rules.change_attendance(grace, IN_PERSON)

    assert Booking.objects.filter(event=event, attends=IN_PERSON, status=BookingStatus.CONFIRMED).count() == 1


def test_moving_between_two_limited_kinds_keeps_ones_own_place_in_the_share(shared):
    event, form_page = shared
    ada = book(form_page, "Ada", IN_PERSON)

    moved = rules.change_attendance(ada, ONLINE)

    assert (moved.attends, moved.status) == (ONLINE, BookingStatus.CONFIRMED)


# 4. Handing a place to a colleague -------------------------------------------------


def colleague(name, organisation="Oxford Health NHS Foundation Trust", listed=None):
    return {
        "name": name,
        "email": f"{name.lower()}@example.nhs.uk",
        "job_title": "Deputy Director of Nursing",
        "organisation": organisation,
        "listed_organisation": listed,
    }


def test_a_handed_over_place_keeps_its_position_and_both_people_are_told(hybrid, clock):
    event, form_page = hybrid
    ada = book(form_page, "Ada", IN_PERSON, listed=None)
    Booking.objects.filter(pk=ada.pk).update(access_needs="A hearing loop")
    ada.refresh_from_db()
    clock.shift(timedelta(hours=2))

    received = rules.hand_over(ada, colleague("Rosalind"))

    ada.refresh_from_db()
    assert (received.name, received.status, received.attends) == ("Rosalind", BookingStatus.CONFIRMED, IN_PERSON)
    assert received.submit_time == ada.submit_time, "the place keeps its position"
    assert received.access_needs == "", "the giver's needs are not passed on"
    assert (ada.status, ada.handed_over_to) == (BookingStatus.CANCELLED, received)
    assert [(email.kind, email.recipient) for email in BookingEmail.objects.filter(kind__startswith="place_")] == [
        (BookingEmailKind.PLACE_RECEIVED, "rosalind@example.nhs.uk"),
        (BookingEmailKind.PLACE_HANDED_OVER, "ada@example.nhs.uk"),
    ]
    entry = PageLogEntry.objects.get(action="events.hand_over_booking")
    assert (entry.page_id, entry.data) == (event.pk, {"booking": ada.pk, "to_booking": received.pk})


def test_a_waiting_list_place_handed_over_keeps_its_turn(hybrid):
    event, form_page = hybrid
    book(form_page, "Ada", IN_PERSON)
    book(form_page, "Grace", IN_PERSON)
    mary = book(form_page, "Mary", IN_PERSON)
    edith = book(form_page, "Edith", IN_PERSON)

    received = rules.hand_over(mary, colleague("Rosalind"))
    rules.cancel_booking(Booking.objects.get(name="Ada"))

    received.refresh_from_db()
    edith.refresh_from_db()
    assert received.is_confirmed, "the colleague was first in the queue, where Mary was"
    assert edith.is_waiting


def test_a_place_cannot_be_handed_to_an_address_already_booked(hybrid):
    event, form_page = hybrid
    ada = book(form_page, "Ada", IN_PERSON)
    book(form_page, "Rosalind", ONLINE)

    with pytest.raises(rules.ChangeRefused, match="We could not hand your place to  ROSALIND@Example.NHS.uk"):
        rules.hand_over(ada, colleague("Rosalind") | {"email": " ROSALIND@Example.NHS.uk "})
    with pytest.raises(rules.ChangeRefused, match="already booked with"):
        rules.hand_over(ada, colleague("Ada"))

    ada.refresh_from_db()
    assert ada.is_confirmed


def test_a_place_cannot_be_handed_to_an_organisation_at_its_share(shared):
    event, form_page = shared
    book(form_page, "Ada", IN_PERSON)  # Oxford has its one place
    edith = book(form_page, "Edith", IN_PERSON, organisation="NHS Employers")

    with pytest.raises(rules.ChangeRefused, match="Oxford Health NHS Foundation Trust already has 1"):
        rules.hand_over(edith, colleague("Rosalind"))
    received = rules.hand_over(edith, colleague("Katherine", organisation="NHS Employers"))

    assert received.is_confirmed, "a colleague from the giver's own organisation takes the giver's share"


def test_the_booking_contact_hears_who_leaves_and_who_comes(hybrid, mailoutbox):
    event, form_page = hybrid
    contact = Contact.objects.create(name="Joanna", email="bookings@example.nhs.uk")
    EventPage.objects.filter(pk=event.pk).update(booking_contact=contact)
    ada = book(form_page, "Ada", IN_PERSON)

    rules.hand_over(ada, colleague("Rosalind"))

    notices = BookingEmail.objects.filter(kind=BookingEmailKind.CONTACT_NOTICE).order_by("pk")
    assert [(notice.booking.name, notice.booking.status, notice.recipient) for notice in notices] == [
        ("Ada", BookingStatus.CANCELLED, "bookings@example.nhs.uk"),  # when she booked; cancelled since
        ("Ada", BookingStatus.CANCELLED, "bookings@example.nhs.uk"),
        ("Rosalind", BookingStatus.CONFIRMED, "bookings@example.nhs.uk"),
    ]


def test_a_colleague_who_had_cancelled_can_be_given_the_place(hybrid):
    event, form_page = hybrid
    rosalind = book(form_page, "Rosalind", ONLINE)
    rules.cancel_booking(rosalind)
    ada = book(form_page, "Ada", IN_PERSON)

    received = rules.hand_over(ada, colleague("Rosalind"))

    assert received.pk == rosalind.pk, "the address's one row at this workshop"
    assert (received.status, received.attends) == (BookingStatus.CONFIRMED, IN_PERSON)


def test_a_cancelled_booking_cannot_be_handed_over(hybrid):
    event, form_page = hybrid
    ada = book(form_page, "Ada", IN_PERSON)
    rules.cancel_booking(ada)

    with pytest.raises(rules.ChangeRefused, match="cancelled"):
        rules.hand_over(ada, colleague("Rosalind"))


# 6. Attendance ---------------------------------------------------------------------


def test_marking_attended_twice_keeps_the_first_time_and_undo_clears_it(hybrid, clock):
    event, form_page = hybrid
    ada = book(form_page, "Ada", IN_PERSON)

    assert attendance.mark_attended(event, ada.pk, True)
    first = Booking.objects.get(pk=ada.pk).attended_at
    clock.shift(timedelta(minutes=5))
    attendance.mark_attended(event, ada.pk, True)
    assert Booking.objects.get(pk=ada.pk).attended_at == first
    assert attendance.arrival_counts(event) == (1, 1)

    attendance.mark_attended(event, ada.pk, False)
    assert Booking.objects.get(pk=ada.pk).attended_at is None
    assert attendance.arrival_counts(event) == (0, 1)
    assert list(AttendanceTaken.objects.filter(event=event).values_list("place_kind", flat=True)) == [IN_PERSON]


def test_only_a_confirmed_booking_at_this_workshop_can_be_marked(hybrid, index, today):
    event, form_page = hybrid
    other = add_event(index, "another", today + timedelta(weeks=5))
    other_booking = make_booking(add_booking_form(other))
    waiting = make_booking(form_page, BookingStatus.WAITING)

    assert not attendance.mark_attended(event, other_booking.pk, True)
    assert not attendance.mark_attended(event, waiting.pk, True)
    assert not Booking.objects.exclude(attended_at=None).exists()


def test_attendance_reads_did_not_attend_only_after_the_day_and_where_it_was_taken(hybrid, clock):
    event, form_page = hybrid
    ada = book(form_page, "Ada", IN_PERSON)
    book(form_page, "Grace", IN_PERSON)
    book(form_page, "Edith", ONLINE)
    book(form_page, "Mary", IN_PERSON)  # waiting
    clock.move_to(event.starts_at)
    attendance.mark_attended(event, ada.pk, True)

    def states():
        annotated = attendance.with_attendance(Booking.objects.filter(event=event))
        return {booking.name: booking.attendance for booking in annotated}

    on_the_day = states()
    assert on_the_day == {
        "Ada": Attendance.ATTENDED,
        "Grace": Attendance.NOT_RECORDED,
        "Edith": Attendance.NOT_RECORDED,
        "Mary": "",
    }
    clock.shift(timedelta(days=1))
    after = states()
    assert after == {
        "Ada": Attendance.ATTENDED,
        "Grace": Attendance.DID_NOT_ATTEND,
        "Edith": Attendance.NOT_RECORDED,  # nobody took the online attendance
        "Mary": "",
    }
    taken = attendance.attendance_taken_kinds(event)
    bookings = Booking.objects.filter(event=event)
    assert {booking.name: attendance.attendance_of(booking, event, taken) for booking in bookings} == after
    totals = attendance.attendance_totals(attendance.with_attendance(Booking.objects.filter(event=event)))
    assert totals == {"attended": 1, "did_not_attend": 1, "not_recorded": 1}


def test_the_online_attendance_report_marks_bookers_by_address(hybrid, clock):
    event, form_page = hybrid
    edith = book(form_page, "Edith", ONLINE)
    florence = book(form_page, "Florence", ONLINE)
    attendance.mark_attended(event, florence.pk, True)
    clock.move_to(event.starts_at + timedelta(hours=3))

    result = attendance.record_online_attendance(
        event,
        [
            ReportedAttendee("Edith", " EDITH@example.NHS.uk", "10:29", "12:30"),
            ReportedAttendee("Florence", "florence@example.nhs.uk", "10:31", "12:30"),
            ReportedAttendee("A guest", "", "10:40", "11:00"),
            ReportedAttendee("Someone else", "someone@example.org", "10:40", "11:00"),
        ],
    )

    assert [booking.name for booking in result.marked] == ["Edith"]
    assert [booking.name for booking in result.already_marked] == ["Florence"]
    assert [person.name for person in result.unmatched] == ["A guest", "Someone else"]
    edith.refresh_from_db()
    assert edith.attended_at is not None
    assert AttendanceTaken.objects.filter(event=event, place_kind=ONLINE).exists()


def test_a_walk_in_gets_an_attended_place_even_in_a_full_room(hybrid, clock):
    event, form_page = hybrid
    book(form_page, "Ada", IN_PERSON)
    book(form_page, "Grace", IN_PERSON)
    clock.move_to(event.starts_at)

    walk_in, is_new = attendance.add_walk_in(event, form_page, name="Dorothy", organisation="NHS Employers")

    assert is_new
    assert (walk_in.status, walk_in.attends, walk_in.is_walk_in) == (BookingStatus.CONFIRMED, IN_PERSON, True)
    assert walk_in.attended_at is not None
    assert walk_in.email == ""
    assert attendance.arrival_counts(event) == (1, 3)
    # A second walk-in without an address is another person, not a duplicate.
    attendance.add_walk_in(event, form_page, name="Katherine", organisation="NHS Employers")
    assert attendance.arrival_counts(event) == (2, 4)
    assert not mail.outbox or all("Dorothy" not in message.body for message in mail.outbox)


def test_a_walk_in_with_the_address_of_a_booking_is_checked_in_on_it(hybrid, clock):
    event, form_page = hybrid
    ada = book(form_page, "Ada", IN_PERSON)
    clock.move_to(event.starts_at)

    booking, is_new = attendance.add_walk_in(
        event, form_page, name="Ada L", organisation="Oxford", email="ADA@example.nhs.uk"
    )

    assert (booking.pk, is_new, booking.name) == (ada.pk, False, "Ada")
    assert booking.attended_at is not None


# Data migrated -----------------------------------------------------------------


def test_the_migration_gives_the_bookings_of_online_workshops_online_places(index, today, venue):
    """Before 0018 every booking held the one kind of place its workshop offered: online ones become online."""
    from django.apps import apps

    migration = importlib.import_module("events.migrations.0018_hybrid_places_organisations_and_attendance")
    online_form = add_booking_form(add_event(index, "online", today + timedelta(weeks=1)))
    room_form = add_booking_form(add_event(index, "room", today + timedelta(weeks=2), venue=venue))
    online_booking = make_booking(online_form, attends=IN_PERSON)  # as the column's default left it
    room_booking = make_booking(room_form)

    migration.give_existing_bookings_their_kind_of_place(apps, None)

    online_booking.refresh_from_db()
    room_booking.refresh_from_db()
    assert (online_booking.attends, room_booking.attends) == (ONLINE, IN_PERSON)


def test_the_way_of_attending_cannot_strand_people_booked(hybrid):
    """Online places cannot be taken away while people hold them, nor room places while people have them."""
    event, form_page = hybrid
    book(form_page, "Edith", ONLINE)
    event.attendance_mode = AttendanceMode.IN_PERSON
    event.online_capacity = None

    with pytest.raises(Exception, match="1 person has booked online places .* A Booking administrator can cancel"):
        event.full_clean()

    book(form_page, "Ada", IN_PERSON)
    event.attendance_mode = AttendanceMode.ONLINE
    with pytest.raises(Exception, match="1 person has booked in-person places .* set the status to 'Moved online'"):
        event.full_clean()

    event.attendance_mode = AttendanceMode.HYBRID
    event.full_clean()
