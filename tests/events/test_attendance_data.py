"""
Attendance is data: each place's kind and attendance in a workshop's
bookings list, its register and every export; a booking's history of
hand-overs; the dashboard's places per kind and recent attendance; no-shows
per organisation; erasure that keeps the counts and names no one; and the
organisations list the Collaborative keeps (who may change it, what it
starts with).
"""

import csv
import io
from datetime import datetime, time, timedelta
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from events.booking.attendance import mark_attended, record_online_attendance
from events.booking.privacy import erase_personal_data
from events.booking.rules import hand_over
from events.calendar import LONDON
from events.initial_content import ORGANISATIONS, load_organisations
from events.models import AttendanceMode, Booking, BookingStatus, Organisation, PlaceKind
from tests.conftest import html, make_user
from tests.events.factories import add_booking_form, add_event, make_booking

pytestmark = pytest.mark.django_db

BOOKING_ADMINISTRATORS = "Booking administrators"
WORKSHOP_DAY_OFFSET = timedelta(days=7)


@pytest.fixture
def booking_admin(db):
    return make_user("bookings", BOOKING_ADMINISTRATORS)


@pytest.fixture
def oxford(db):
    return Organisation.objects.get(name="Oxford Health NHS Foundation Trust")


@pytest.fixture
def member(db):
    return Organisation.objects.create(name="Mersey Care NHS Foundation Trust", is_member=True)


@pytest.fixture
def hybrid(index, venue, today):
    """A workshop a week ahead, 50 places in the room and no limit online."""
    event = add_event(
        index,
        "hybrid-workshop",
        today + WORKSHOP_DAY_OFFSET,
        venue=venue,
        title="Hybrid workshop",
        attendance_mode=AttendanceMode.HYBRID,
        capacity=50,
        online_capacity=None,
    )
    return add_booking_form(event)


@pytest.fixture
def places(hybrid, oxford):
    """Two in the room, two online; Ada checked in at the door on arrival."""
    booked = {
        "ada": make_booking(hybrid, name="Ada Lovelace", attends=PlaceKind.IN_PERSON, listed_organisation=oxford),
        "grace": make_booking(hybrid, name="Grace Hopper", attends=PlaceKind.IN_PERSON),
        "mary": make_booking(hybrid, name="Mary Seacole", attends=PlaceKind.ONLINE),
        "alan": make_booking(hybrid, name="Alan Turing", attends=PlaceKind.ONLINE),
    }
    return booked


def event_of(form_page):
    return form_page.get_parent().specific


def the_day_after(clock, form_page):
    clock.move_to(datetime.combine(event_of(form_page).date + timedelta(days=1), time(9), tzinfo=LONDON))


def check_in(form_page, *bookings):
    for booking in bookings:
        assert mark_attended(event_of(form_page), booking.pk, True)


def walk_in(form_page, name, organisation="Norfolk and Suffolk NHS Foundation Trust"):
    """Someone added at the door, as check-in adds them: an attended, in-person booking, with no e-mail address."""
    booking = make_booking(
        form_page, name=name, organisation=organisation, attends=PlaceKind.IN_PERSON, is_walk_in=True, email=" "
    )
    Booking.objects.filter(pk=booking.pk).update(email="", email_normalised="")
    check_in(form_page, booking)
    booking.refresh_from_db()
    return booking


def submissions_url(form_page, **params):
    url = reverse("wagtailforms:list_submissions", args=[form_page.pk])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else "")


def table(page, selector="table.listing"):
    """A table's headings and its rows as {heading: cell text}."""
    found = page.select_one(selector)
    headings = [th.get_text(" ", strip=True) for th in found.select("thead th")]
    rows = [
        dict(zip(headings, (td.get_text(" ", strip=True) for td in tr.select("td")), strict=False))
        for tr in found.select("tbody tr")
    ]
    return headings, rows


def by_name(rows, key="Name"):
    return {row[key]: row for row in rows}


def read_csv(response):
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(content)))


def read_xlsx(response):
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# A workshop's bookings list and register ------------------------------------------


def test_the_list_shows_each_place_and_did_not_attend_only_after_a_register_was_kept(
    client, clock, booking_admin, hybrid, places, log_in
):
    log_in(booking_admin)
    check_in(hybrid, places["ada"])

    headings, rows = table(html(client.get(submissions_url(hybrid))))
    assert headings[:8] == [
        "Booked at",
        "Status",
        "Name",
        "E-mail",
        "Job title",
        "Organisation",
        "Attends",
        "Attendance",
    ]
    on_the_day = {name: (row["Attends"], row["Attendance"]) for name, row in by_name(rows).items()}
    assert on_the_day == {
        "Ada Lovelace": ("In person", "Attended"),
        "Grace Hopper": ("In person", "Not recorded"),
        "Mary Seacole": ("Online", "Not recorded"),
        "Alan Turing": ("Online", "Not recorded"),
    }

    the_day_after(clock, hybrid)
    log_in(booking_admin)  # a sign-in lasts hours, not days
    after = {
        name: row["Attendance"] for name, row in by_name(table(html(client.get(submissions_url(hybrid))))[1]).items()
    }
    # The door's register was kept: Grace did not come. Nobody took the online attendance: not recorded.
    assert after == {
        "Ada Lovelace": "Attended",
        "Grace Hopper": "Did not attend",
        "Mary Seacole": "Not recorded",
        "Alan Turing": "Not recorded",
    }

    record_online_attendance(
        event_of(hybrid), [type("Attendee", (), {"name": "Mary", "email": "MARY.seacole@example.nhs.uk"})]
    )
    online_taken = by_name(table(html(client.get(submissions_url(hybrid))))[1])
    assert (online_taken["Mary Seacole"]["Attendance"], online_taken["Alan Turing"]["Attendance"]) == (
        "Attended",
        "Did not attend",
    )


def test_a_workshop_held_one_way_shows_attendance_without_the_kind_of_place(
    client, booking_admin, index, venue, today, log_in
):
    form_page = add_booking_form(add_event(index, "in-person", today + timedelta(days=3), venue=venue))
    make_booking(form_page, name="Ada Lovelace")
    log_in(booking_admin)

    headings, rows = table(html(client.get(submissions_url(form_page))))

    assert "Attends" not in headings
    assert rows[0]["Attendance"] == "Not recorded"


def test_a_walk_in_is_marked_as_one_in_the_list_and_the_register(client, booking_admin, hybrid, places, log_in):
    walk_in(hybrid, "Edith Cavell")
    log_in(booking_admin)

    listed = by_name(table(html(client.get(submissions_url(hybrid))))[1])
    register = html(client.get(reverse("events_booking_register", args=[event_of(hybrid).pk])))
    headings, rows = table(register, "table")

    assert listed["Edith Cavell"]["Attendance"] == "Attended (walk-in)"
    assert headings == ["#", "Name", "Organisation", "Role", "Attends", "Attendance", "Signature"]
    assert by_name(rows)["Edith Cavell"]["Attendance"] == "Attended (walk-in)"
    assert by_name(rows)["Mary Seacole"]["Attends"] == "Online"
    assert "In person: 3 confirmed of 50 places. Online: 2 confirmed (no limit)." in register.get_text(" ")


def test_the_list_and_register_take_the_same_queries_for_many_bookings(client, booking_admin, hybrid, log_in):
    log_in(booking_admin)
    urls = [submissions_url(hybrid), reverse("events_booking_register", args=[event_of(hybrid).pk])]

    def queries_for(url):
        client.get(url)  # warm the caches (site, permissions) outside the count
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    make_booking(hybrid, attends=PlaceKind.ONLINE)
    few = [queries_for(url) for url in urls]
    for number in range(15):
        booking = make_booking(hybrid, attends=PlaceKind.ONLINE if number % 2 else PlaceKind.IN_PERSON)
        if number % 3 == 0:
            check_in(hybrid, booking)

    assert [queries_for(url) for url in urls] == few


# Exports ----------------------------------------------------------------------------


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_exports_give_the_place_its_attendance_walk_ins_and_hand_overs(
    client, clock, booking_admin, hybrid, places, log_in, export_format
):
    colleague = hand_over(
        places["grace"],
        {
            "name": "Florence Nightingale",
            "email": "florence@example.nhs.uk",
            "job_title": "Director of HR",
            "organisation": "Oxford Health NHS Foundation Trust",
            "listed_organisation": None,
        },
    )
    walk_in(hybrid, "Edith Cavell")
    check_in(hybrid, places["ada"])
    the_day_after(clock, hybrid)
    log_in(booking_admin)
    read = read_csv if export_format == "csv" else read_xlsx

    workshop = by_name(read(client.get(submissions_url(hybrid, export=export_format, status="any"))))
    everywhere = by_name(read(client.get(reverse("events_booking_modeladmin_index") + f"?export={export_format}")))

    for rows in (workshop, everywhere):
        assert list(rows["Ada Lovelace"])[list(rows["Ada Lovelace"]).index("Organisation") + 1 :][:4] == [
            "Attends",
            "Attendance",
            "Walk-in",
            "Handed over to",
        ]
        assert (rows["Ada Lovelace"]["Attends"], rows["Ada Lovelace"]["Attendance"]) == ("In person", "Attended")
        assert rows["Edith Cavell"]["Walk-in"] == "Yes"
        assert rows[colleague.name]["Attendance"] == "Did not attend"
        assert (rows["Mary Seacole"]["Attends"], rows["Mary Seacole"]["Attendance"]) == ("Online", "Not recorded")
    # The giver's own booking is cancelled: in a list that shows cancelled bookings, it names the colleague.
    assert workshop["Grace Hopper"]["Handed over to"] == "Florence Nightingale"
    assert workshop["Grace Hopper"]["Attendance"] in ("", None)
    assert "Grace Hopper" not in everywhere


# A booking's own page ---------------------------------------------------------------


def inspect(client, booking):
    page = html(client.get(reverse("events_booking_modeladmin_inspect", args=[booking.pk])))
    return {dt.get_text(" ", strip=True): dt.find_next("dd").get_text(" ", strip=True) for dt in page.select("dt")}


def test_a_booking_shows_its_place_attendance_organisation_and_who_handed_it_over(
    client, booking_admin, hybrid, places, oxford, log_in
):
    colleague_details = {
        "name": "Florence Nightingale",
        "email": "florence@example.nhs.uk",
        "job_title": "Director of HR",
        "organisation": oxford.name,
        "listed_organisation": oxford,
    }
    colleague = hand_over(places["ada"], colleague_details)
    check_in(hybrid, colleague)
    log_in(booking_admin)

    given = inspect(client, places["ada"])
    received = inspect(client, colleague)

    assert given["Handed over"].startswith("Handed to Florence Nightingale on ")
    assert received["Handed over"].startswith("Handed over by Ada Lovelace on ")
    assert received["Attends"] == "In person"
    assert received["Attendance"].startswith("Attended, marked on ")
    assert received["Organisation from the list"] == "Oxford Health NHS Foundation Trust"
    assert inspect(client, places["mary"])["Organisation from the list"].startswith("None: the booker wrote")
    assert inspect(client, places["mary"])["Handed over"] == "No"
    assert "E-mails" in received


# The dashboard ----------------------------------------------------------------------


def test_the_dashboard_shows_each_kind_of_place_at_an_upcoming_hybrid_workshop(
    client, booking_admin, hybrid, places, log_in
):
    log_in(booking_admin)

    panel = (
        html(client.get(reverse("wagtailadmin_home"))).select_one("#upcoming-bookings-heading").find_parent("section")
    )

    row = next(tr for tr in panel.select("tbody tr") if "Hybrid workshop" in tr.get_text())
    assert row.select_one("td.places-booked").get_text(" ", strip=True) == "In person 2 of 50 Online 2 (no limit)"


def past_workshop(
    index, venue, slug, day, *, attended, absent, unrecorded_online=0, organisation="Oxford Health NHS Foundation Trust"
):
    """A workshop held on `day` where the door's register was kept: `attended` came, `absent` did not."""
    form_page = add_booking_form(
        add_event(index, slug, day, venue=venue, attendance_mode=AttendanceMode.HYBRID, capacity=50)
    )
    for number in range(attended + absent):
        booking = make_booking(form_page, attends=PlaceKind.IN_PERSON, organisation=organisation)
        if number < attended:
            check_in(form_page, booking)
    for _ in range(unrecorded_online):
        make_booking(form_page, attends=PlaceKind.ONLINE, organisation=organisation)
    return form_page


def test_the_dashboard_counts_attendance_at_the_last_twelve_months_workshops(
    client, booking_admin, index, venue, today, log_in
):
    past_workshop(index, venue, "in-march", today - timedelta(days=250), attended=3, absent=1, unrecorded_online=2)
    past_workshop(index, venue, "in-october", today - timedelta(days=40), attended=1, absent=2)
    past_workshop(index, venue, "two-years-ago", today - timedelta(days=700), attended=5, absent=5)
    log_in(booking_admin)

    panel = html(client.get(reverse("wagtailadmin_home"))).select_one("#past-attendance-heading").find_parent("section")
    headings, rows = table(panel, "table")

    assert [
        (row["Workshop"], row["Places"], row["Attended"], row["Did not attend"], row["Not recorded"]) for row in rows
    ] == [
        ("In october", "3", "1", "2", "0"),
        ("In march", "6", "3", "1", "2"),
    ]


def test_the_attendance_panel_is_one_query_and_only_for_those_who_see_bookings(
    client, booking_admin, index, venue, today, log_in
):
    from events.booking.admin import PastAttendancePanel

    for number in range(12):
        past_workshop(index, venue, f"workshop-{number}", today - timedelta(days=20 + number), attended=1, absent=1)
    with CaptureQueriesContext(connection) as queries:
        rows = PastAttendancePanel().get_context_data({})["rows"]
    assert len(queries) == 1
    assert len(rows) == 10 and rows[0]["title"] == "Workshop 0"

    log_in("Editors")
    assert html(client.get(reverse("wagtailadmin_home"))).select_one("#past-attendance-heading") is None


# Attendance by organisation -----------------------------------------------------------


def report_url(**params):
    url = reverse("events_attendance_by_organisation")
    return url + ("?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else "")


def report(client, url):
    response = client.get(url)
    assert response.status_code == 200
    headings, rows = table(html(response))
    return {row["Organisation"]: row for row in rows}


def figures(row):
    return (
        row["Member of the Collaborative"],
        row["Places booked"],
        row["Attended"],
        row["Did not attend"],
        row["Not recorded"],
    )


def test_no_shows_are_counted_per_organisation_whatever_the_case_it_was_written_in(
    client, booking_admin, index, venue, today, member, oxford, log_in
):
    form_page = past_workshop(index, venue, "last-month", today - timedelta(days=30), attended=0, absent=0)
    written = [
        "Mersey Care NHS Foundation Trust",
        "mersey care nhs foundation trust ",
        "MERSEY CARE NHS FOUNDATION TRUST",
    ]
    for number, organisation in enumerate(written):
        booking = make_booking(form_page, attends=PlaceKind.IN_PERSON, organisation=organisation)
        if number == 0:
            check_in(form_page, booking)
    make_booking(form_page, attends=PlaceKind.IN_PERSON, organisation=member.name, listed_organisation=member)
    for organisation in (
        "Leeds and York Partnership NHS Foundation Trust",
        "leeds and york partnership nhs foundation trust",
    ):
        check_in(form_page, make_booking(form_page, attends=PlaceKind.IN_PERSON, organisation=organisation))
    make_booking(form_page, attends=PlaceKind.IN_PERSON, organisation=oxford.name, listed_organisation=oxford)
    make_booking(form_page, status=BookingStatus.WAITING, organisation=oxford.name)
    log_in(booking_admin)

    rows = report(client, report_url())

    assert figures(rows["Mersey Care NHS Foundation Trust"]) == ("Member", "4", "1", "3", "0")
    assert figures(rows["Leeds and York Partnership NHS Foundation Trust"]) == ("", "2", "2", "0", "0")
    assert figures(rows["Oxford Health NHS Foundation Trust"]) == ("", "1", "0", "1", "0")
    # Sorted by no-shows, most first; and by name when asked.
    assert list(rows)[0] == "Mersey Care NHS Foundation Trust"
    assert list(report(client, report_url(order="name"))) == sorted(rows, key=str.lower)


def test_the_period_is_the_last_twelve_months_unless_another_is_chosen(
    client, booking_admin, index, venue, today, log_in
):
    past_workshop(
        index, venue, "recent", today - timedelta(days=100), attended=1, absent=1, organisation="Recent Trust"
    )
    past_workshop(index, venue, "long-ago", today - timedelta(days=500), attended=2, absent=2, organisation="Old Trust")
    log_in(booking_admin)

    assert list(report(client, report_url())) == ["Recent Trust"]
    start = (today - timedelta(days=600)).isoformat()
    end = (today - timedelta(days=400)).isoformat()
    assert figures(report(client, report_url(start=start, end=end))["Old Trust"]) == ("", "4", "2", "2", "0")
    refused = client.get(report_url(start=end, end=start))
    assert "The last day must be on or after the first." in refused.content.decode()


def test_one_workshops_attendance_by_organisation_is_linked_from_its_bookings(
    client, booking_admin, index, venue, today, log_in
):
    form_page = past_workshop(
        index, venue, "this-one", today - timedelta(days=10), attended=1, absent=2, organisation="This Trust"
    )
    past_workshop(index, venue, "another", today - timedelta(days=12), attended=1, absent=0, organisation="Other Trust")
    log_in(booking_admin)

    bookings = html(client.get(submissions_url(form_page)))
    (link,) = [a["href"] for a in bookings.select("a[href]") if a.get_text(strip=True) == "Attendance by organisation"]
    rows = report(client, link)

    assert list(rows) == ["This Trust"]
    assert figures(rows["This Trust"]) == ("", "3", "1", "2", "0")


def test_attendance_by_organisation_takes_one_query_however_many_bookings(
    client, booking_admin, index, venue, today, log_in
):
    log_in(booking_admin)

    def queries():
        client.get(report_url())
        with CaptureQueriesContext(connection) as captured:
            client.get(report_url())
        return len(captured)

    past_workshop(index, venue, "small", today - timedelta(days=10), attended=3, absent=2)
    few = queries()
    for number in range(11):
        past_workshop(
            index,
            venue,
            f"w-{number}",
            today - timedelta(days=20 + number),
            attended=3,
            absent=2,
            organisation=f"Trust {number}",
        )

    assert Booking.objects.count() >= 60
    assert queries() == few


@pytest.mark.parametrize("role", ["Editors", "Moderators"])
def test_only_those_who_may_see_bookings_see_attendance_by_organisation(client, log_in, role, hybrid, places):
    log_in(role)

    for url in (report_url(), reverse("events_workshop_attendance_by_organisation", args=[event_of(hybrid).pk])):
        refused = client.get(url, follow=True)
        # Wagtail's admin turns the refusal (403) into its dashboard, with the reason.
        assert refused.redirect_chain[-1] == (reverse("wagtailadmin_home"), 302), url
        assert "do not have permission" in refused.content.decode(), url
        assert "Oxford Health" not in refused.content.decode(), url


def test_the_report_is_listed_under_admin_reports_only_for_those_who_see_bookings(client, log_in, booking_admin):
    log_in("Editors")
    assert report_url().encode() not in client.get(reverse("wagtailadmin_home")).content

    log_in(booking_admin)
    assert report_url().encode() in client.get(reverse("wagtailadmin_home")).content


# Erasure ----------------------------------------------------------------------------------


def test_erasure_keeps_attendance_and_hand_overs_but_not_the_organisation(
    client, clock, booking_admin, hybrid, places, oxford, log_in
):
    colleague = hand_over(
        places["ada"],
        {
            "name": "Florence Nightingale",
            "email": "florence@example.nhs.uk",
            "job_title": "Director of HR",
            "organisation": oxford.name,
            "listed_organisation": oxford,
        },
    )
    check_in(hybrid, colleague)
    edith = walk_in(hybrid, "Edith Cavell")
    the_day_after(clock, hybrid)

    erase_personal_data(list(Booking.objects.filter(pk__in=[colleague.pk, edith.pk, places["ada"].pk])))

    colleague.refresh_from_db()
    edith.refresh_from_db()
    given = Booking.objects.get(pk=places["ada"].pk)
    assert (colleague.name, colleague.organisation, colleague.listed_organisation) == ("", "", None)
    assert colleague.attended_at is not None and colleague.attends == PlaceKind.IN_PERSON
    assert edith.is_walk_in and edith.attended_at is not None
    assert given.handed_over_to_id == colleague.pk
    log_in(booking_admin)
    assert inspect(client, given)["Handed over"].startswith(f"Handed to Erased booking {colleague.pk} on ")
    rows = report(client, report_url())
    assert figures(rows["Not known (details erased)"]) == ("", "2", "2", "0", "0")


# The organisations list ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Editors", "Moderators", BOOKING_ADMINISTRATORS])
def test_the_roles_that_keep_venues_and_contacts_and_booking_administrators_keep_organisations(client, log_in, role):
    log_in(role)

    added = client.post(
        reverse("wagtailsnippets_events_organisation:add"),
        {"name": "  Mersey  Care NHS Foundation Trust ", "ods_code": " rw4 ", "is_member": "on"},
    )
    organisation = Organisation.objects.get(name="Mersey Care NHS Foundation Trust")
    edited = client.post(
        reverse("wagtailsnippets_events_organisation:edit", args=[organisation.pk]),
        {"name": organisation.name, "ods_code": "RW4", "is_member": ""},
    )
    deleted = client.post(reverse("wagtailsnippets_events_organisation:delete", args=[organisation.pk]))

    assert (added.status_code, edited.status_code, deleted.status_code) == (302, 302, 302)
    assert not Organisation.objects.filter(pk=organisation.pk).exists()


def test_someone_with_no_role_cannot_open_the_organisations_list(client, log_in, oxford):
    from django.contrib.auth.models import Permission

    user = make_user("no-role")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    log_in(user)

    assert client.get(reverse("wagtailsnippets_events_organisation:list")).status_code == 302
    assert client.post(reverse("wagtailsnippets_events_organisation:delete", args=[oxford.pk])).status_code == 302
    assert Organisation.objects.filter(pk=oxford.pk).exists()


def test_a_duplicate_organisation_in_another_case_is_refused(client, log_in, oxford):
    log_in("Editors")

    response = client.post(
        reverse("wagtailsnippets_events_organisation:add"), {"name": "oxford health nhs foundation trust"}
    )

    assert response.status_code == 200
    assert Organisation.objects.filter(name__iexact=oxford.name).count() == 1


def test_the_list_shows_filters_searches_and_exports_organisations(client, log_in, member):
    Organisation.objects.create(name="=HYPERLINK(1)")
    log_in("Editors")
    url = reverse("wagtailsnippets_events_organisation:list")

    headings, rows = table(html(client.get(url)))
    members = html(client.get(url, {"is_member": "true"})).select_one("table.listing tbody").get_text(" ", strip=True)
    found = html(client.get(url, {"q": "mersey"})).select_one("table.listing tbody").get_text(" ", strip=True)
    exported = read_csv(client.get(url, {"export": "csv"}))

    assert any("Name" in heading for heading in headings) and any("ODS code" in heading for heading in headings)
    assert any("Member of the Collaborative" in heading for heading in headings)
    assert "Mersey Care" in members and "Oxford Health" not in members
    assert "Mersey Care" in found and "Oxford Health" not in found
    assert "'=HYPERLINK(1)" in [row["Name"] for row in exported]


def test_deleting_an_organisation_keeps_the_bookings_and_their_organisations_name(
    client, log_in, hybrid, oxford, places
):
    log_in("Editors")
    url = reverse("wagtailsnippets_events_organisation:delete", args=[oxford.pk])

    confirmation = html(client.get(url)).get_text(" ")
    client.post(url)

    assert "1 booking chose Oxford Health NHS Foundation Trust from the list" in " ".join(confirmation.split())
    ada = Booking.objects.get(pk=places["ada"].pk)
    assert (ada.organisation, ada.listed_organisation) == ("Oxford Health NHS Foundation Trust", None)


def test_the_list_starts_with_the_six_organisations_the_texts_name_and_is_loaded_once():
    assert sorted(Organisation.objects.values_list("name", flat=True)) == sorted(
        [
            "Oxford Health NHS Foundation Trust",
            "Tavistock and Portman NHS Foundation Trust",
            "Health Education England",
            "Public Health England",
            "NHS England and NHS Improvement",
            "NHS Employers",
        ]
    )
    # The texts say of none that it is a member, and give no codes: the Collaborative fills them in.
    assert not Organisation.objects.filter(is_member=True).exists()
    assert set(Organisation.objects.values_list("ods_code", flat=True)) == {""}

    Organisation.objects.get(name="NHS Employers").delete()
    load_organisations(Organisation)
    assert Organisation.objects.count() == len(ORGANISATIONS) - 1, "a deleted organisation stays deleted"


def test_a_site_running_before_the_list_gets_it_at_its_next_release(index):
    # The models as the migration knows them, as `migrate` runs it.
    migration = import_module("events.migrations.0019_organisations_list_kept_and_seeded")
    historical = MigrationLoader(connection).project_state(("events", "0019_organisations_list_kept_and_seeded")).apps
    Organisation.objects.all().delete()

    migration.grant_and_seed(historical, None)
    migration.grant_and_seed(historical, None)

    assert sorted(Organisation.objects.values_list("name", flat=True)) == sorted(ORGANISATIONS)
