"""
What the Collaborative achieves: each workshop's and each year's places,
attendance, organisations reached and feedback, worked out exactly from a
small hand-built history (members and others, no-shows only where a
register was kept, walk-ins, cancelled places left out, erased bookings
still counted); the same figures before and after erasure; the admin page
for Booking administrators and Moderators only, with no one's personal
data; its charts and downloads; and the same few queries for 30,000
bookings as for 30.
"""

import csv
import io
import time as clock_time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from events.booking.attendance import mark_attended
from events.booking.figures import (
    CALENDAR_YEAR,
    figures_by_year,
    in_total,
    workshop_figures,
    workshops_with_figures,
    year_of,
)
from events.booking.privacy import erase_personal_data
from events.models import (
    AttendanceMode,
    AttendanceTaken,
    Booking,
    BookingStatus,
    EventStatus,
    FeedbackResponse,
    Organisation,
    OrganisationAtWorkshop,
    PlaceKind,
)
from tests.conftest import html
from tests.events.factories import add_booking_form, add_event, make_booking
from tests.home.test_admin_navigation import sidebar_menu

pytestmark = pytest.mark.django_db

PAGE = "/admin/achievements/"
MEMBER = "Mersey Care NHS Foundation Trust"
OXFORD = "Oxford Health NHS Foundation Trust"
# The other organisations: counted, never named on the page.
ACME = "Acme Community Care"
LEEDS = "Leeds and York Partnership NHS Foundation Trust"


def walk_in(form_page, name, organisation):
    """Someone added at the door (attendance.add_walk_in's booking): confirmed, attended, in person."""
    booking = make_booking(form_page, name=name, organisation=organisation, is_walk_in=True, attends="in_person")
    mark_attended(form_page.get_parent().specific, booking.pk, True)
    return booking


def feedback(event, overall, usefulness):
    FeedbackResponse.objects.create(event=event, overall_rating=overall, usefulness_rating=usefulness)


@pytest.fixture
def member(db):
    return Organisation.objects.create(name=MEMBER, is_member=True)


@pytest.fixture
def history(index, venue, today, member):
    """
    Two past workshops with bookings, in two NHS financial years of one
    calendar year (the tests' clock stands at 23 November 2026), and the
    workshops that count nowhere: a cancelled one, one still to come, and
    one from before booking on this site.

    October (in person, 40 places; the door's register kept): two from the
    member trust (one came, one did not), one who wrote Oxford Health's
    name in lower case (did not come), one from Acme (came), an Acme
    walk-in; a cancelled place and one on the waiting list. Two feedback
    responses.

    March (in person and online; 20 in the room, no limit online; no
    register kept): the member trust in the room, Acme online, and someone
    from Leeds whose details were erased. One feedback response.
    """
    october = add_event(index, "october-workshop", today - timedelta(days=34), venue=venue, capacity=40)
    october_form = add_booking_form(october)
    ada = make_booking(october_form, name="Ada Lovelace", listed_organisation=member, organisation=MEMBER)
    make_booking(october_form, name="Grace Hopper", listed_organisation=member, organisation=MEMBER)
    make_booking(october_form, name="Mary Seacole", organisation="  oxford health nhs foundation trust ")
    alan = make_booking(october_form, name="Alan Turing", organisation=ACME)
    make_booking(october_form, BookingStatus.CANCELLED, name="Florence Nightingale", organisation="Cancelled Trust")
    make_booking(october_form, BookingStatus.WAITING, name="Mo Farah", organisation="Waiting Trust")
    for booking in (ada, alan):
        mark_attended(october, booking.pk, True)
    walk_in(october_form, "Edith Cavell", ACME.lower())
    feedback(october, 5, 4)
    feedback(october, 4, 4)

    march = add_event(
        index,
        "march-workshop",
        today - timedelta(days=258),
        venue=venue,
        attendance_mode=AttendanceMode.HYBRID,
        capacity=20,
        online_capacity=None,
    )
    march_form = add_booking_form(march)
    make_booking(march_form, name="Jo Smith", listed_organisation=member, organisation=MEMBER, attends="in_person")
    make_booking(march_form, name="Sam Jones", organisation="ACME Community Care", attends="online")
    leeds = make_booking(march_form, name="Lee Wright", organisation=LEEDS, attends="in_person")
    erase_personal_data([leeds])
    feedback(march, 3, 2)

    cancelled = add_event(
        index, "cancelled-workshop", today - timedelta(days=80), venue=venue, status=EventStatus.CANCELLED
    )
    make_booking(add_booking_form(cancelled), name="Cancelled Booker", organisation=ACME)
    postponed = add_event(
        index, "postponed-workshop", today - timedelta(days=70), venue=venue, status=EventStatus.POSTPONED
    )
    make_booking(add_booking_form(postponed), name="Postponed Booker", organisation=ACME)
    coming = add_event(index, "coming-workshop", today + timedelta(days=20), venue=venue)
    make_booking(add_booking_form(coming), name="Early Booker", organisation=ACME)
    before_booking = add_event(index, "workshop-2019", date(2019, 3, 5), venue=venue, capacity=None)
    before_booking.save_revision().publish()
    return {"october": october, "march": march, "coming": coming}


def figures_of(history, today):
    return {row.event.slug: row for row in workshop_figures(workshops_with_figures(last_day=today))}


def numbers(figures):
    """The figures a reader compares, as a dict."""
    return {
        "offered": figures.places_offered_in_words,
        "booked": figures.booked,
        "walk_ins": figures.walk_ins,
        "attended": figures.attended,
        "no_shows": figures.no_shows_in_words,
        "not_recorded": figures.not_recorded,
        "members": figures.member_organisations,
        "others": figures.other_organisations,
        "responses": figures.feedback_responses,
        "overall": figures.average_overall_rating,
        "usefulness": figures.average_usefulness_rating,
    }


# The figures ------------------------------------------------------------------------


def test_each_workshops_figures_count_what_happened(history, today):
    workshops = figures_of(history, today)

    assert list(workshops) == ["march-workshop", "october-workshop"], "past workshops that took bookings, oldest first"
    assert numbers(workshops["october-workshop"]) == {
        "offered": "40",
        "booked": 4,  # the cancelled place and the waiting list are not places
        "walk_ins": 1,
        "attended": 3,  # the walk-in among them
        "no_shows": "2",
        "not_recorded": 0,
        # Mersey Care; Oxford Health (written in lower case, counted as the list's) and Acme (twice, in two cases).
        "members": 1,
        "others": 2,
        "responses": 2,
        "overall": Decimal("4.5"),
        "usefulness": Decimal("4.0"),
    }
    assert numbers(workshops["march-workshop"]) == {
        "offered": "20 in person, no limit online",
        "booked": 3,
        "walk_ins": 0,
        "attended": 0,
        "no_shows": "Not recorded",  # nobody kept a register: nobody is absent
        "not_recorded": 3,
        # Mersey Care, Acme, and Leeds, whose booker's details were erased.
        "members": 1,
        "others": 2,
        "responses": 1,
        "overall": Decimal("3.0"),
        "usefulness": Decimal("2.0"),
    }
    assert sorted(organisation.name for organisation in workshops["october-workshop"].organisations.values()) == [
        ACME,
        MEMBER,
        OXFORD,
    ]


def test_a_year_counts_each_organisation_once_across_its_workshops(history, today):
    workshops = list(figures_of(history, today).values())

    financial = figures_by_year(workshops)
    calendar = figures_by_year(workshops, CALENDAR_YEAR)

    assert [year.label for year in financial] == ["2025/26", "2026/27"]  # March 2026, then October 2026
    assert [year.label for year in calendar] == ["2026"]
    [year] = calendar
    assert numbers(year) == {
        "offered": "60, and no limit at 1 workshop",
        "booked": 7,
        "walk_ins": 1,
        "attended": 3,
        "no_shows": "2",
        "not_recorded": 3,
        "members": 1,  # Mersey Care at both workshops: once
        "others": 3,  # Oxford Health, Acme (at both), Leeds
        "responses": 3,
        "overall": Decimal("4.0"),
        "usefulness": Decimal("3.3"),
    }
    assert numbers(in_total(workshops)) == numbers(year)


def test_a_workshop_nobody_booked_still_counts_the_places_it_offered(index, venue, today):
    add_booking_form(add_event(index, "quiet-workshop", today - timedelta(days=5), venue=venue, capacity=30))
    draft = add_event(index, "draft-workshop", today - timedelta(days=6), venue=venue)
    add_booking_form(draft)
    draft.unpublish()

    [quiet] = workshop_figures(workshops_with_figures(last_day=today))

    assert quiet.event.slug == "quiet-workshop", "published with a booking form; not the unpublished one"
    assert numbers(quiet) | {"organisations": quiet.organisation_count} == {
        "offered": "30",
        "booked": 0,
        "walk_ins": 0,
        "attended": 0,
        "no_shows": "Not recorded",
        "not_recorded": 0,
        "members": 0,
        "others": 0,
        "responses": 0,
        "overall": None,
        "usefulness": None,
        "organisations": 0,
    }


@pytest.mark.parametrize(
    ("day", "financial", "calendar"),
    [
        (date(2026, 3, 31), "2025/26", "2026"),
        (date(2026, 4, 1), "2026/27", "2026"),
        (date(1999, 12, 31), "1999/00", "1999"),
    ],
)
def test_the_nhs_financial_year_runs_from_april_to_march(day, financial, calendar):
    assert year_of(day)[2] == financial
    assert year_of(day, CALENDAR_YEAR)[2] == calendar
    first_day, last_day, _label = year_of(day)
    assert first_day.month == 4 and first_day.day == 1 and last_day == date(first_day.year + 1, 3, 31)


def test_erasing_every_booking_leaves_every_figure_as_it_was(history, today):
    before = figures_of(history, today)
    years_before = [numbers(year) for year in figures_by_year(before.values())]

    erase_personal_data(list(Booking.objects.all()))

    after = figures_of(history, today)
    assert not Booking.objects.exclude(organisation="").exists(), "no organisation is left in any booking"
    assert {slug: numbers(row) for slug, row in after.items()} == {slug: numbers(row) for slug, row in before.items()}
    assert {slug: row.organisations for slug, row in after.items()} == {
        slug: row.organisations for slug, row in before.items()
    }
    assert [numbers(year) for year in figures_by_year(after.values())] == years_before

    kept = {
        (row.event.slug, row.name): (row.places, row.attended, row.is_member)
        for row in OrganisationAtWorkshop.objects.select_related("event")
    }
    assert kept == {
        ("october-workshop", MEMBER): (2, 1, True),
        ("october-workshop", OXFORD): (1, 0, False),
        ("october-workshop", ACME): (2, 2, False),
        ("march-workshop", MEMBER): (1, 0, True),
        ("march-workshop", "ACME Community Care"): (1, 0, False),
        ("march-workshop", LEEDS): (1, 0, False),
        # Kept for the cancelled and postponed workshops too (their places were never cancelled), though their
        # figures are not shown;
        # not for the workshop still to come: its place was cancelled before erasure, so it reached no one.
        ("cancelled-workshop", ACME): (1, 0, False),
        ("postponed-workshop", ACME): (1, 0, False),
    }


def test_a_booking_erased_twice_is_counted_once(history, today):
    """Two erasures holding the same booking (a person's request as the retention task runs): one counts it."""
    stale = list(Booking.objects.filter(event=history["october"], name="Alan Turing"))
    erase_personal_data(stale)
    erase_personal_data(stale)
    erase_personal_data(list(Booking.objects.filter(event=history["october"])))

    assert OrganisationAtWorkshop.objects.get(event=history["october"], name=ACME).places == 2
    assert numbers(figures_of(history, today)["october-workshop"])["others"] == 2


def test_a_member_that_leaves_the_list_after_erasure_is_still_counted_as_it_was(history, today, member):
    erase_personal_data(list(Booking.objects.filter(event=history["march"])))
    member.delete()

    march = figures_of(history, today)["march-workshop"]
    assert (march.member_organisations, march.other_organisations) == (1, 2)


# The page ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Booking administrators", "Moderators"])
def test_booking_administrators_and_moderators_see_the_figures_and_find_them_in_reports(client, log_in, history, role):
    log_in(role)

    page = html(client.get(PAGE))

    assert page.select_one("h1").get_text(strip=True) == "What the Collaborative achieves"
    reports_menu = sidebar_menu(html(client.get(reverse("wagtailadmin_home"))))["Admin reports"]
    assert reports_menu["What the Collaborative achieves"] == PAGE


def test_editors_cannot_see_the_figures_nor_find_them(client, log_in, history):
    """Nor can anyone not signed in: the admin sends them to sign in first."""
    assert client.get(PAGE).url.startswith(reverse("wagtailadmin_login"))
    log_in("Editors")

    for path in (PAGE, PAGE + "?export=xlsx", PAGE + "?export=csv&table=years"):
        response = client.get(path)
        # Wagtail's admin turns the refusal into a way back to the dashboard, saying why.
        assert (response.status_code, response.url) == (302, "/admin/"), path
    menu = sidebar_menu(html(client.get(reverse("wagtailadmin_home"))))
    assert "What the Collaborative achieves" not in menu.get("Admin reports", {})
    assert not ModelLogEntry.objects.filter(action="events.export_achievements").exists()


def rows_of(page, caption):
    [table] = [table for table in page.select("table") if caption in table.caption.get_text()]
    headings = [th.get_text(" ", strip=True) for th in table.select("thead th")]
    return [
        dict(zip(headings, [cell.get_text(" ", strip=True) for cell in row.select("th, td")], strict=True))
        for row in table.select("tbody tr, tfoot tr")
    ]


def test_the_page_gives_the_figures_by_year_and_by_workshop_and_names_no_one(client, log_in, history):
    log_in("Moderators")

    response = client.get(PAGE)
    page = html(response)

    by_year = rows_of(page, "Figures by financial year")
    assert [(row["Year"], row["Booked"], row["Attended"], row["No-shows"]) for row in by_year] == [
        ("2025/26", "3", "0", "Not recorded"),
        ("2026/27", "4", "3", "2"),
    ]
    by_workshop = rows_of(page, "Figures by workshop")
    assert [row["Workshop"] for row in by_workshop] == [
        "March workshop 10 March 2026",
        "October workshop 20 October 2026",
        "All 2 workshops each organisation counted once",
    ]
    assert by_workshop[-1]["Member trusts"] == "1" and by_workshop[-1]["Other organisations"] == "3"
    assert by_workshop[0]["Places offered"] == "20 in person, no limit online"

    text = page.select_one("main").get_text(" ", strip=True)
    assert f"{MEMBER} at 2 workshops" in text, "member trusts are named"
    for personal in ("Ada Lovelace", "Edith Cavell", "Lee Wright", "example.nhs.uk", "Director of Nursing"):
        assert personal not in text
    for other in (ACME, "Acme", OXFORD, LEEDS, "Cancelled Trust", "Waiting Trust"):
        assert other not in text, "other organisations are counted, not named"
    assert "Coming workshop" not in text and "Cancelled workshop" not in text and "Workshop 2019" not in text


def test_each_chart_is_an_image_described_in_words_followed_by_its_numbers(client, log_in, history):
    log_in("Booking administrators")

    page = html(client.get(PAGE + "?years=calendar"))

    charts = page.select("svg[role=img]")
    assert len(charts) == 2
    for chart in charts:
        named_by = [page.find(id=part) for part in chart["aria-labelledby"].split()]
        assert all(named_by), "its name and description are on the page"
    attendance, organisations = (
        " ".join(page.find(id=part).get_text(" ", strip=True) for part in chart["aria-labelledby"].split())
        for chart in charts
    )
    assert attendance.startswith("Places booked and people who attended, by year 2026: booked 7, attended 3.")
    assert organisations.startswith("Organisations reached, by year 2026: member trusts 1, other organisations 3.")
    assert [bar.get_text() for bar in charts[0].select("text")] == ["2026", "7", "3"]
    assert rows_of(page, "Figures by year")[0]["Year"] == "2026"


def test_a_period_counts_only_its_workshops(client, log_in, history, today):
    log_in("Booking administrators")

    page = html(client.get(PAGE, {"start": (today - timedelta(days=100)).isoformat(), "end": today.isoformat()}))
    assert [row["Workshop"].split(" 20")[0] for row in rows_of(page, "Figures by workshop")] == [
        "October workshop",
        "All 1 workshop each organisation counted once",
    ]

    wrong_way = html(client.get(PAGE, {"start": today.isoformat(), "end": (today - timedelta(days=1)).isoformat()}))
    assert "The last day must be on or after the first." in wrong_way.get_text()

    empty = html(client.get(PAGE, {"start": "2010-01-01", "end": "2010-12-31"}))
    assert "No workshop in this period took bookings on this site." in empty.get_text()


# Downloads -----------------------------------------------------------------------------


def read_csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_figures_download_as_csv_and_excel_and_each_download_is_logged(client, log_in, history):
    user = log_in("Booking administrators")

    years = client.get(PAGE, {"export": "csv", "table": "years", "years": "calendar"})
    assert years["Content-Disposition"].startswith('attachment; filename="what-the-collaborative-achieves-years-')
    [year] = read_csv(years)
    assert {name: year[name] for name in ("Year", "Booked", "Attended", "Member trusts", "Other organisations")} == {
        "Year": "2026",
        "Booked": "7",
        "Attended": "3",
        "Member trusts": "1",
        "Other organisations": "3",
    }

    workshops = read_csv(client.get(PAGE, {"export": "csv", "table": "workshops"}))
    march = workshops[0]
    assert march["Workshop"] == "March workshop"
    assert (march["Places offered (limited)"], march["Places without a limit"], march["No-shows"]) == (
        "20",
        "Online",
        "",
    )

    workbook = load_workbook(io.BytesIO(client.get(PAGE, {"export": "xlsx"}).content))
    assert workbook.sheetnames == ["Per workshop", "Per year"]
    sheet_rows = [[cell.value for cell in row] for row in workbook["Per workshop"].iter_rows()]
    october = dict(zip(sheet_rows[0], sheet_rows[2], strict=True))
    assert (
        october["Workshop"],
        october["Attended"],
        october["No-shows"],
        october["Average overall rating (1 to 5)"],
    ) == (
        "October workshop",
        3,
        2,
        4.5,
    )

    logged = ModelLogEntry.objects.filter(action="events.export_achievements").order_by("pk")
    assert [(entry.user_id, entry.data["format"], entry.data["tables"]) for entry in logged] == [
        (user.pk, "csv", ["years"]),
        (user.pk, "csv", ["workshops"]),
        (user.pk, "xlsx", ["workshops", "years"]),
    ]
    assert logged[0].data["filters"] == "years=calendar"


def test_a_title_written_as_a_formula_never_runs_as_one(client, log_in, history):
    october = history["october"]
    october.title = '=HYPERLINK("http://example.com","Click")'
    october.save_revision().publish()
    log_in("Booking administrators")

    [_march, row] = read_csv(client.get(PAGE, {"export": "csv", "table": "workshops"}))
    assert row["Workshop"] == "'" + october.title

    sheet = load_workbook(io.BytesIO(client.get(PAGE, {"export": "xlsx"}).content))["Per workshop"]
    cell = sheet.cell(row=3, column=1)
    assert cell.data_type == "s" and cell.value == "'" + october.title


# The same few queries for any number of bookings ------------------------------------------------------

# The page: the user and their session, the permission checks, the workshops, their figures
# (five queries), the member trusts not reached, and Wagtail's own menus (about ten). The
# budget is fixed: it does not grow with workshops, bookings or organisations.
PAGE_QUERY_BUDGET = 25


def many_bookings(index, venue, today, workshops, bookings, organisations, member):
    """
    `bookings` bookings spread over `workshops` past workshops, from
    `organisations` organisations (the first the member trust), with a
    third not attended, a twentieth cancelled, a fiftieth walk-ins; ten
    feedback responses and five organisations' counts kept from erased
    bookings at each workshop.
    """
    # Only the first workshop is published with its booking form, to keep the test quick: the
    # others' bookings name it as the form they came from, which the figures do not read.
    events = []
    for number in range(workshops):
        event = add_event(
            index, f"workshop-{workshops}-{number}", today - timedelta(days=7 + 11 * number), venue=venue, capacity=600
        )
        events.append((event, add_booking_form(event) if number == 0 else events[0][1]))
    rows, marked_at = [], timezone.now()
    for number in range(bookings):
        event, form_page = events[number % workshops]
        organisation = number % organisations
        # Counted within the workshop, so every workshop has each kind of place.
        place = number // workshops
        rows.append(
            Booking(
                page=form_page,
                event=event,
                form_data={},
                status=BookingStatus.CANCELLED if place % 20 == 19 else BookingStatus.CONFIRMED,
                name=f"Booker {number}",
                email=f"booker{number}@example.nhs.uk",
                email_normalised=f"booker{number}@example.nhs.uk",
                job_title="Nurse",
                organisation=f"Trust number {organisation}" if organisation else member.name,
                listed_organisation=member if not organisation else None,
                attends=PlaceKind.IN_PERSON,
                attended_at=None if place % 3 == 2 else marked_at,
                is_walk_in=place % 50 == 1,
            )
        )
    Booking.objects.bulk_create(rows, batch_size=2000)
    AttendanceTaken.objects.bulk_create(
        AttendanceTaken(event=event, place_kind=PlaceKind.IN_PERSON) for event, _ in events
    )
    FeedbackResponse.objects.bulk_create(
        FeedbackResponse(event=event, overall_rating=1 + rating % 5, usefulness_rating=5)
        for event, _form_page in events
        for rating in range(10)
    )
    OrganisationAtWorkshop.objects.bulk_create(
        OrganisationAtWorkshop(event=event, name=f"Erased trust {number}", places=2, attended=1)
        for event, _form_page in events
        for number in range(5)
    )


def queries_for(client, django_assert_max_num_queries, path):
    with django_assert_max_num_queries(PAGE_QUERY_BUDGET) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries), response


@pytest.mark.one_process_at_a_time("30,000 bookings")
def test_the_page_and_its_download_ask_the_same_few_queries_for_30000_bookings_as_for_30(
    client, log_in, index, venue, today, member, django_assert_max_num_queries
):
    log_in("Booking administrators")
    many_bookings(index, venue, today, workshops=3, bookings=30, organisations=7, member=member)
    paths = (PAGE, PAGE + "?export=xlsx", PAGE + "?export=csv&table=years")
    for path in paths:
        # Once first: what Django keeps for the process (the audit log's content type) is read once.
        client.get(path)
    small = {path: queries_for(client, django_assert_max_num_queries, path)[0] for path in paths}

    started = clock_time.monotonic()
    many_bookings(index, venue, today, workshops=60, bookings=30_000, organisations=250, member=member)
    built_in = clock_time.monotonic() - started
    large = {}
    for path in paths:
        started = clock_time.monotonic()
        large[path] = queries_for(client, django_assert_max_num_queries, path)[0]
        print(f"{path}: {clock_time.monotonic() - started:.1f} s")
    print(f"30,000 bookings built in {built_in:.1f} s; queries {large}")

    assert large == small
    page = html(client.get(PAGE))
    [total] = [row for row in rows_of(page, "Figures by workshop") if row["Workshop"].startswith("All")]
    confirmed = Booking.objects.filter(status=BookingStatus.CONFIRMED)
    assert total["Booked"] == f"{confirmed.filter(is_walk_in=False).count():,}"
    assert total["Attended"] == f"{confirmed.exclude(attended_at=None).count():,}"
    assert total["No-shows"] == f"{confirmed.filter(attended_at=None).count():,}"
    # 250 organisations in the bookings (the member trust one of them, and the 7 of the first
    # workshops among the others), and 5 erased ones at each of the 63 workshops, counted once.
    assert (total["Member trusts"], total["Other organisations"]) == ("1", f"{249 + 5:,}")
    assert total["Feedback responses"] == f"{63 * 10:,}"


def test_the_figures_of_many_workshops_are_read_in_five_queries(history, today, django_assert_num_queries):
    events = list(workshops_with_figures(last_day=today))
    with django_assert_num_queries(5):
        figures = workshop_figures(events)
    assert len(figures) == 2
