"""
Check-in on the workshop's day, from a phone, and the online attendance
report, as a Booking administrator uses them in the admin: who may open
them, who is listed, the search, a tap and its undo, two phones at once,
walk-ins, and the report's upload.
"""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry

from events.booking import checkin
from events.booking.attendance_report import MAX_REPORT_BYTES
from events.models import (
    AttendanceMode,
    AttendanceTaken,
    Booking,
    BookingStatus,
    EventPage,
    NewsAndEventsIndexPage,
    Organisation,
    PlaceKind,
)
from tests.conftest import html, make_user
from tests.events.factories import add_booking_form, add_event, make_booking, make_venue
from tests.events.test_attendance_report import TEAMS_REPORT, ZOOM_PARTICIPANTS_HEADER, ZOOM_PARTICIPANTS_ROWS, zoom_csv
from tests.home.test_admin_navigation import assert_opens, dashboard_urls, own_addresses

BOOKING_ADMINISTRATORS = "Booking administrators"
NOT_SAVED_ANYWHERE = "Nobody has been marked as attended"


@pytest.fixture
def workshop(index, venue, today):
    """A workshop held in a room and online, today."""
    return add_event(
        index,
        "door-workshop",
        today,
        venue=venue,
        title="Door workshop",
        attendance_mode=AttendanceMode.HYBRID,
        capacity=48,
        online_capacity=30,
    )


@pytest.fixture
def form_page(workshop):
    return add_booking_form(workshop)


@pytest.fixture
def people(form_page):
    """Three in-person places, someone waiting, someone who cancelled, and two online places."""

    def book(name, organisation, status=BookingStatus.CONFIRMED, attends=PlaceKind.IN_PERSON):
        return make_booking(form_page, status, name=name, organisation=organisation, attends=attends)

    return {
        "mary": book("Mary Seacole", "South London and Maudsley NHS Foundation Trust"),
        "ada": book("Ada Lovelace", "Oxford Health NHS Foundation Trust"),
        "grace": book("Grace Hopper", "Mersey Care NHS Foundation Trust"),
        "florence": book("Florence Nightingale", "Oxford Health NHS Foundation Trust", BookingStatus.WAITING),
        "edith": book("Edith Cavell", "Oxford Health NHS Foundation Trust", BookingStatus.CANCELLED),
        "priya": book("Priya Raman", "Tavistock and Portman NHS Foundation Trust", attends=PlaceKind.ONLINE),
        "tom": book("Tom Whitfield", "Oxford Health NHS Foundation Trust", attends=PlaceKind.ONLINE),
    }


@pytest.fixture
def booking_admin(db):
    return make_user("bookings", BOOKING_ADMINISTRATORS)


def check_in_url(workshop, query=""):
    return reverse("events_check_in", args=[workshop.pk]) + (f"?q={query}" if query else "")


def tap_url(workshop, booking):
    return reverse("events_check_in_tap", args=[workshop.pk, booking.pk])


def upload_url(workshop):
    return reverse("events_upload_attendance_report", args=[workshop.pk])


def listed(page):
    """The people the check-in page shows, in order: (name, organisation, state)."""
    return [
        (
            row.select_one(".checkin__name").get_text(strip=True),
            row.select_one(".checkin__organisation").get_text(strip=True),
            row.select_one(".checkin__state").get_text(strip=True),
        )
        for row in page.select(".checkin__person")
        if not row.has_attr("hidden")
    ]


def attended(*bookings):
    return [Booking.objects.get(pk=booking.pk).attended_at is not None for booking in bookings]


# Who may check people in ---------------------------------------------------------


def every_check_in_view(workshop, booking):
    return [
        ("get", check_in_url(workshop)),
        ("get", reverse("events_check_in_state", args=[workshop.pk])),
        ("post", tap_url(workshop, booking)),
        ("get", reverse("events_add_walk_in", args=[workshop.pk])),
        ("get", upload_url(workshop)),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, workshop, people):
    for method, url in every_check_in_view(workshop, people["ada"]):
        response = getattr(client, method)(url, {"attended": "1"} if method == "post" else {})

        assert response.status_code == 302, url
        assert response.url.startswith(reverse("wagtailadmin_login") + "?next="), url
    assert attended(people["ada"]) == [False]


@pytest.mark.parametrize("role", ["Editors", "Moderators"])
def test_editors_and_moderators_may_not_check_anyone_in(client, workshop, people, log_in, role):
    log_in(role)

    for method, url in every_check_in_view(workshop, people["ada"]):
        response = getattr(client, method)(url, {"attended": "1"} if method == "post" else {})

        # Wagtail sends someone refused back to the dashboard, with "Sorry, you do not have permission".
        assert (response.status_code, response.url) == (302, reverse("wagtailadmin_home")), url
    assert attended(people["ada"]) == [False]
    dashboard = html(client.get(reverse("wagtailadmin_home")))
    assert not [url for url in dashboard_urls(dashboard) if "check-in" in url or "attendance-report" in url]


def test_a_booking_administrator_opens_every_check_in_page(client, workshop, people, booking_admin, log_in):
    log_in(booking_admin)

    for method, url in every_check_in_view(workshop, people["ada"]):
        response = getattr(client, method)(url, {"attended": "1"} if method == "post" else {})

        assert response.status_code in (200, 302), url
        assert "do not have permission" not in response.content.decode(), url


def test_someone_who_may_only_see_bookings_sees_who_arrived_but_cannot_tap(client, workshop, people, log_in):
    viewer = make_user("viewer")
    viewer.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_booking")
    )
    log_in(viewer)
    people["ada"].attended_at = timezone.now()
    people["ada"].save()

    page = html(client.get(check_in_url(workshop)))

    assert listed(page)[0] == ("Grace Hopper", "Mersey Care NHS Foundation Trust", "Not arrived")
    assert page.select("form[method=post]") == [] and page.select_one(".checkin__walk-in") is None
    refused = client.post(tap_url(workshop, people["grace"]), {"attended": "1"}, headers={"accept": "application/json"})
    assert refused.status_code == 302 and "json" not in refused["Content-Type"], "no answer the script takes as saved"
    assert attended(people["grace"]) == [False]


# The list ----------------------------------------------------------------------


def test_the_list_holds_everyone_with_an_in_person_place_by_surname(client, workshop, people, booking_admin, log_in):
    log_in(booking_admin)
    people["grace"].attended_at = timezone.now()
    people["grace"].save()

    page = html(client.get(check_in_url(workshop)))

    # Not Florence (waiting), Edith (cancelled), Priya or Tom (online: they have their report).
    assert listed(page) == [
        ("Grace Hopper", "Mersey Care NHS Foundation Trust", "Attended ✓"),
        ("Ada Lovelace", "Oxford Health NHS Foundation Trust", "Mark attended"),
        ("Mary Seacole", "South London and Maudsley NHS Foundation Trust", "Mark attended"),
    ]
    assert page.select_one("#arrival-count").get_text(strip=True) == "1 of 3 arrived"
    assert page.select_one("#arrival-count")["aria-live"] == "polite"
    buttons = page.select(".checkin__person button")
    assert [button["aria-pressed"] for button in buttons] == ["true", "false", "false"]
    # Each button asks for the state it does not show: a tap is never "the opposite, whatever it is now".
    assert [button["value"] for button in buttons] == ["0", "1", "1"]
    assert page.select_one("h1").get_text(" ", strip=True) == "Check in Door workshop"


def test_a_search_without_javascript_is_done_by_the_server(client, workshop, people, booking_admin, log_in):
    log_in(booking_admin)

    by_organisation = html(client.get(check_in_url(workshop, "oxford")))
    by_name = html(client.get(check_in_url(workshop, "SEACOLE mary")))
    nobody = html(client.get(check_in_url(workshop, "nightingale")))

    assert [name for name, _, _ in listed(by_organisation)] == ["Ada Lovelace"]
    assert by_organisation.select_one("#checkin-search")["value"] == "oxford"
    # The tap's form comes back to the same search.
    assert {field["value"] for field in by_organisation.select(".checkin__person input[name=q]")} == {"oxford"}
    assert [name for name, _, _ in listed(by_name)] == ["Mary Seacole"]
    assert listed(nobody) == []
    assert not nobody.select_one("#checkin-nobody").has_attr("hidden")
    assert by_name.select_one("#checkin-nobody").has_attr("hidden")


def test_the_check_in_page_takes_as_many_queries_for_60_people_as_for_5(client, index, venue, booking_admin, log_in):
    def workshop_of(size, slug):
        event = add_event(index, slug, timezone.localdate(), venue=venue, capacity=100)
        form_page = add_booking_form(event)
        for number in range(size):
            make_booking(form_page, name=f"Person {number}", email=f"{slug}{number}@example.nhs.uk")
        return event

    small, large = workshop_of(5, "small"), workshop_of(60, "large")
    log_in(booking_admin)
    client.get(check_in_url(small))  # the admin's own first-visit queries (menus, site) out of the count

    with CaptureQueriesContext(connection) as for_5:
        small_page = client.get(check_in_url(small))
    with CaptureQueriesContext(connection) as for_60:
        large_page = client.get(check_in_url(large))

    assert len(listed(html(small_page))) == 5 and len(listed(html(large_page))) == 60
    assert len(for_60) <= len(for_5) <= 25, "\n".join(query["sql"][:200] for query in for_60.captured_queries)


def test_the_state_says_who_is_marked_now_in_one_query(
    client, workshop, people, booking_admin, log_in, django_assert_max_num_queries
):
    log_in(booking_admin)
    client.post(tap_url(workshop, people["mary"]), {"attended": "1"})
    state_url = reverse("events_check_in_state", args=[workshop.pk])
    client.get(state_url)

    with django_assert_max_num_queries(8):
        state = client.get(state_url).json()

    assert state == {"arrived": 1, "expected": 3, "count": "1 of 3 arrived", "attended": [people["mary"].pk]}


# A tap, and its undo ------------------------------------------------------------


def test_a_tap_marks_one_person_and_the_same_tap_again_keeps_the_first_time(
    client, clock, workshop, people, booking_admin, log_in
):
    log_in(booking_admin)
    ada = people["ada"]

    response = client.post(tap_url(workshop, ada), {"attended": "1", "q": "oxford"})

    assert response.status_code == 302
    assert response.url == check_in_url(workshop, "oxford") + f"#booking-{ada.pk}"
    first_time = Booking.objects.get(pk=ada.pk).attended_at
    assert first_time is not None
    assert AttendanceTaken.objects.filter(event=workshop, place_kind=PlaceKind.IN_PERSON).exists()

    # The other phone taps Ada too, a minute later: she came once, at the first time.
    clock.shift(timedelta(minutes=1))
    client.post(tap_url(workshop, ada), {"attended": "1"})
    assert Booking.objects.get(pk=ada.pk).attended_at == first_time

    page = html(client.get(check_in_url(workshop)))
    assert page.select_one("#arrival-count").get_text(strip=True) == "1 of 3 arrived"
    assert listed(page)[1] == ("Ada Lovelace", "Oxford Health NHS Foundation Trust", "Attended ✓")


def test_the_undo_is_the_same_tap_again_and_says_not_attended(client, workshop, people, booking_admin, log_in):
    log_in(booking_admin)
    ada = people["ada"]
    client.post(tap_url(workshop, ada), {"attended": "1"})
    row = html(client.get(check_in_url(workshop))).select_one(f"#booking-{ada.pk}")

    client.post(tap_url(workshop, ada), {row.select_one("button")["name"]: row.select_one("button")["value"]})

    assert attended(ada) == [False]
    client.post(tap_url(workshop, ada), {"attended": "0"})
    assert attended(ada) == [False], "undoing twice is still not attended"


def test_a_tap_from_the_script_is_answered_with_everyone_marked_now(client, workshop, people, booking_admin, log_in):
    log_in(booking_admin)
    client.post(tap_url(workshop, people["mary"]), {"attended": "1"})

    answer = client.post(tap_url(workshop, people["ada"]), {"attended": "1"}, headers={"accept": "application/json"})

    assert answer.status_code == 200
    assert answer.json() == {
        "booking": people["ada"].pk,
        "is_attended": True,
        "arrived": 2,
        "expected": 3,
        "count": "2 of 3 arrived",
        "attended": sorted([people["ada"].pk, people["mary"].pk]),
    }


def test_a_tap_must_say_which_state_it_wants(client, workshop, people, booking_admin, log_in):
    log_in(booking_admin)

    for value in ({}, {"attended": "toggle"}, {"attended": "true"}):
        answer = client.post(tap_url(workshop, people["ada"]), value, headers={"accept": "application/json"})
        assert answer.status_code == 400
    assert attended(people["ada"]) == [False]


def test_a_tap_needs_the_csrf_token(workshop, people, booking_admin):
    phone = Client(enforce_csrf_checks=True)
    phone.force_login(booking_admin)

    response = phone.post(tap_url(workshop, people["ada"]), {"attended": "1"}, headers={"accept": "application/json"})

    assert response.status_code == 403
    assert attended(people["ada"]) == [False]
    # With the page's token, the same tap is taken.
    page = html(phone.get(check_in_url(workshop)))
    token = page.select_one("input[name=csrfmiddlewaretoken]")["value"]
    response = phone.post(
        tap_url(workshop, people["ada"]),
        {"attended": "1"},
        headers={"accept": "application/json", "x-csrftoken": token},
    )
    assert response.status_code == 200
    assert attended(people["ada"]) == [True]


def test_no_booking_but_an_in_person_place_at_this_workshop_can_be_tapped(
    client, workshop, people, index, booking_admin, log_in
):
    other_form = add_booking_form(add_event(index, "other-workshop", timezone.localdate(), venue=make_venue()))
    elsewhere = make_booking(other_form, name="Someone Elsewhere")
    log_in(booking_admin)

    for booking in (elsewhere, people["florence"], people["edith"], people["priya"]):
        answer = client.post(tap_url(workshop, booking), {"attended": "1"}, headers={"accept": "application/json"})
        assert answer.status_code == 404, booking.name
        assert answer.json()["error"].startswith("This person no longer has an in-person place")
        # Without the script, the same refusal comes back as a message on the list.
        assert client.post(tap_url(workshop, booking), {"attended": "1"}).status_code == 302

    assert attended(elsewhere, people["florence"], people["edith"], people["priya"]) == [False] * 4
    assert not AttendanceTaken.objects.filter(event=workshop, place_kind=PlaceKind.ONLINE).exists()


def test_two_phones_at_once_keep_every_tap(client, workshop, people, booking_admin, log_in):
    """Two people at the door, each with a phone, each tapping a different person and then the same one."""
    first_phone, second_phone = Client(), Client()
    first_phone.force_login(booking_admin)
    second_phone.force_login(make_user("bookings-2", BOOKING_ADMINISTRATORS))
    # Both open the list before anyone arrives.
    for phone in (first_phone, second_phone):
        assert html(phone.get(check_in_url(workshop))).select_one("#arrival-count").get_text() == "0 of 3 arrived"
    json = {"headers": {"accept": "application/json"}}

    first_phone.post(tap_url(workshop, people["ada"]), {"attended": "1"}, **json)
    second_answer = second_phone.post(tap_url(workshop, people["grace"]), {"attended": "1"}, **json).json()
    # Mary reaches both at once: both tap her.
    first_phone.post(tap_url(workshop, people["mary"]), {"attended": "1"}, **json)
    last_answer = second_phone.post(tap_url(workshop, people["mary"]), {"attended": "1"}, **json).json()

    assert attended(people["ada"], people["grace"], people["mary"]) == [True, True, True]
    # The second phone's answers tell it of the first phone's taps: its list converges.
    assert people["ada"].pk in second_answer["attended"]
    assert last_answer["count"] == "3 of 3 arrived"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_content")
@pytest.mark.one_process_at_a_time("database connections")
def test_phones_tapping_at_the_same_instant_on_postgresql_lose_no_tap():
    """Eight phones, released together, each tapping its own five people and all tapping the same one."""
    event = add_event(
        NewsAndEventsIndexPage.objects.get(), "busy-door", timezone.localdate(), venue=make_venue(), capacity=100
    )
    form_page = add_booking_form(event)
    everyone = [make_booking(form_page, name=f"Person {number}") for number in range(41)]
    shared, own = everyone[0], everyone[1:]
    phones = 8
    admins = [make_user(f"door-{number}", BOOKING_ADMINISTRATORS) for number in range(phones)]
    barrier = threading.Barrier(phones, timeout=60)
    status_codes, errors, lock = [], [], threading.Lock()

    def tap_from_a_phone(number):
        phone = Client()
        try:
            phone.force_login(admins[number])
            for booking in [shared, *own[number::phones]]:
                barrier.wait()
                response = phone.post(
                    tap_url(event, booking), {"attended": "1"}, headers={"accept": "application/json"}
                )
                with lock:
                    status_codes.append(response.status_code)
        except BaseException as error:
            barrier.abort()
            with lock:
                errors.append(f"phone {number}: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=tap_from_a_phone, args=(number,)) for number in range(phones)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert status_codes == [200] * (phones + len(own))
    assert Booking.objects.filter(event=event, attended_at__isnull=False).count() == 41
    assert AttendanceTaken.objects.filter(event=event).count() == 1


# When there is no check-in ------------------------------------------------------


def test_a_workshop_before_its_day_has_no_check_in_yet(client, index, venue, booking_admin, log_in, today):
    form_page = add_booking_form(add_event(index, "next-week", today + timedelta(days=7), venue=venue))
    booking = make_booking(form_page, name="Ada Lovelace")
    event = form_page.get_parent().specific
    log_in(booking_admin)

    page = html(client.get(check_in_url(event)))
    answer = client.post(tap_url(event, booking), {"attended": "1"}, headers={"accept": "application/json"})
    bookings_list = html(client.get(reverse("wagtailforms:list_submissions", args=[form_page.pk])))

    assert "Check-in opens on the day of the workshop" in page.select_one("main").get_text()
    assert page.select(".checkin__person") == []
    assert answer.status_code == 409
    assert attended(booking) == [False]
    assert not AttendanceTaken.objects.filter(event=event).exists(), "nobody is absent from a register never kept"
    assert "Check in" not in {link.get_text(" ", strip=True) for link in bookings_list.select("header a")}


def test_an_online_workshop_and_one_without_a_booking_form_say_why_there_is_no_check_in(
    client, index, booking_admin, log_in, today
):
    online_form = add_booking_form(add_event(index, "online-today", today))
    without_form = add_event(index, "no-form", today, venue=make_venue())
    log_in(booking_admin)

    online = html(client.get(check_in_url(online_form.get_parent())))
    no_form = html(client.get(check_in_url(without_form)))
    online_list = html(client.get(reverse("wagtailforms:list_submissions", args=[online_form.pk])))

    assert "online only: upload the online attendance report" in online.select_one("main").get_text()
    assert "has no booking form, so nobody has a place to check in" in no_form.select_one("main").get_text()
    assert "Check in" not in {link.get_text(" ", strip=True) for link in online_list.select("header a")}
    assert client.get(reverse("events_add_walk_in", args=[without_form.pk])).status_code == 200
    assert client.post(reverse("events_add_walk_in", args=[without_form.pk]), {"name": "Jo"}).status_code == 200
    assert not Booking.objects.filter(event=without_form).exists()


# Where it is linked from ------------------------------------------------------


def test_the_bookings_list_the_register_and_the_dashboard_lead_to_check_in_on_the_day(
    client, workshop, form_page, people, booking_admin, log_in
):
    log_in(booking_admin)
    url = check_in_url(workshop)

    bookings_list = html(client.get(reverse("wagtailforms:list_submissions", args=[form_page.pk])))
    register = html(client.get(reverse("events_booking_register", args=[workshop.pk])))
    dashboard = html(client.get(reverse("wagtailadmin_home")))

    header_links = {link.get_text(" ", strip=True): link["href"] for link in bookings_list.select("header a")}
    assert header_links["Check in"] == url
    more = {link.get_text(" ", strip=True): link["href"] for link in bookings_list.select("a[href]")}
    assert more["Upload the online attendance report"] == upload_url(workshop)
    assert register.find("a", string="Check people in on a phone")["href"] == url
    panel = dashboard.select_one("#upcoming-bookings-heading").find_parent("section")
    row = next(tr for tr in panel.select("tbody tr") if "Door workshop" in tr.get_text())
    assert row.select_one("a.button")["href"] == url
    assert row.select_one("a.button").get_text(" ", strip=True) == "Check in at Door workshop"


def test_the_dashboard_offers_check_in_only_for_workshops_happening_today(
    client, workshop, form_page, index, venue, booking_admin, log_in, today
):
    add_booking_form(add_event(index, "tomorrow", today + timedelta(days=1), venue=venue, title="Tomorrow"))
    log_in(booking_admin)

    panel = html(client.get(reverse("wagtailadmin_home"))).select_one("#upcoming-bookings-heading")
    buttons = panel.find_parent("section").select("a.button")

    assert [button["href"] for button in buttons] == [check_in_url(workshop)]


@pytest.mark.parametrize("role", ["Editors", "Moderators", BOOKING_ADMINISTRATORS])
def test_every_dashboard_link_on_the_workshops_day_opens_for_the_role_shown_it(
    client, workshop, form_page, people, log_in, role
):
    log_in(role)

    urls = own_addresses(dashboard_urls(html(client.get(reverse("wagtailadmin_home")))))

    assert (check_in_url(workshop) in urls) == (role == BOOKING_ADMINISTRATORS)
    for url in urls:
        assert_opens(client, url)


def test_every_link_in_the_bookings_list_header_opens(client, workshop, form_page, people, booking_admin, log_in):
    log_in(booking_admin)
    bookings_list = html(client.get(reverse("wagtailforms:list_submissions", args=[form_page.pk])))

    for url in own_addresses(link["href"] for link in bookings_list.select("header a[href]")):
        if "export=" not in url:
            assert_opens(client, url)


# Walk-ins ------------------------------------------------------------------------


def walk_in_url(workshop):
    return reverse("events_add_walk_in", args=[workshop.pk])


def test_a_walk_in_gets_an_attended_in_person_place(client, workshop, form_page, people, booking_admin, log_in):
    trust = Organisation.objects.get_or_create(name="Tavistock and Portman NHS Foundation Trust")[0]
    log_in(booking_admin)
    form = html(client.get(walk_in_url(workshop)))
    assert "Tavistock and Portman NHS Foundation Trust" in [
        option["value"] for option in form.select("datalist option")
    ]

    response = client.post(
        walk_in_url(workshop),
        {"name": "Jo Bell", "organisation": "tavistock and  portman NHS foundation trust", "job_title": "Matron"},
        follow=True,
    )

    walk_in = Booking.objects.get(name="Jo Bell")
    assert (walk_in.status, walk_in.attends, walk_in.is_walk_in) == (BookingStatus.CONFIRMED, PlaceKind.IN_PERSON, True)
    assert walk_in.attended_at is not None and walk_in.email == ""
    assert walk_in.page_id == form_page.pk and walk_in.event_id == workshop.pk
    assert (walk_in.listed_organisation, walk_in.organisation) == (trust, trust.name)
    assert PageLogEntry.objects.get(action="events.add_walk_in").data == {"booking": walk_in.pk}
    page = html(response)
    assert "Added Jo Bell as a walk-in: marked as attended." in page.select_one(".messages").get_text()
    assert page.select_one("#arrival-count").get_text(strip=True) == "1 of 4 arrived"
    assert ("Jo Bell", "Tavistock and Portman NHS Foundation Trust · walk-in", "Attended ✓") in listed(page)


def test_a_walk_in_from_an_organisation_not_on_the_list_keeps_what_was_written(
    client, workshop, people, booking_admin, log_in
):
    log_in(booking_admin)

    client.post(walk_in_url(workshop), {"name": "Sam Price", "organisation": "  Leeds   Community Healthcare "})

    walk_in = Booking.objects.get(name="Sam Price")
    assert (walk_in.organisation, walk_in.listed_organisation, walk_in.job_title) == (
        "Leeds Community Healthcare",
        None,
        "",
    )


def test_a_walk_in_who_had_booked_is_checked_in_on_their_booking(client, workshop, people, booking_admin, log_in):
    log_in(booking_admin)

    response = client.post(
        walk_in_url(workshop),
        {"name": "Ada L", "organisation": "Oxford Health", "email": "ADA.lovelace@example.nhs.uk"},
        follow=True,
    )

    assert "Ada Lovelace already had a place: marked as attended." in html(response).select_one(".messages").get_text()
    assert Booking.objects.filter(event=workshop).count() == len(people)
    assert attended(people["ada"]) == [True]
    assert not PageLogEntry.objects.filter(action="events.add_walk_in").exists()


def test_a_walk_in_needs_a_name_and_an_organisation(client, workshop, people, booking_admin, log_in):
    log_in(booking_admin)

    page = html(client.post(walk_in_url(workshop), {"name": " ", "organisation": "", "email": "not an address"}))

    errors = page.select(".error-message")
    assert len(errors) == 3
    assert Booking.objects.filter(event=workshop).count() == len(people)


# The online attendance report --------------------------------------------------


def upload(client, workshop, content, name="report.csv"):
    return client.post(upload_url(workshop), {"report": SimpleUploadedFile(name, content, "text/csv")})


@pytest.fixture
def online_people(form_page, people):
    """The report's people with online places: Adaeze and Priya, and Tom, whose Teams e-mail is blank."""
    return {
        "adaeze": make_booking(
            form_page, name="Adaeze Okafor", email="adaeze.okafor@example.nhs.uk", attends=PlaceKind.ONLINE
        ),
        "priya": people["priya"],
        "tom": people["tom"],
    }


def test_a_teams_report_marks_the_online_bookers_in_it(client, workshop, online_people, booking_admin, log_in):
    log_in(booking_admin)

    response = upload(client, workshop, TEAMS_REPORT.encode("utf-16"))

    assert response.status_code == 200
    assert attended(*online_people.values()) == [True, True, True]
    page = html(response)
    counts = [item.get_text(" ", strip=True) for item in page.select(".attendance-report-counts li")]
    assert counts == [
        "3 people marked as attended.",
        "0 already marked as attended.",
        "2 in the report matched no booking.",
    ]
    unmatched = [[cell.get_text(strip=True) for cell in row.select("td")] for row in page.select("tbody tr")]
    assert unmatched == [["Jo Bell", "(none in the report)"], ["Sam Price (Guest)", "(none in the report)"]]
    assert "They may have joined with a different address" in page.get_text()
    assert "Online places attended now: 3 of 3." in page.get_text()
    assert "The file was read and not kept." in page.get_text()
    entry = PageLogEntry.objects.get(action="events.upload_attendance_report")
    assert entry.page_id == workshop.pk
    assert entry.data == {"marked": 3, "already_marked": 0, "unmatched": 2}, "counts only: no names in the log"


def test_a_zoom_report_marks_the_online_bookers_in_it(client, workshop, people, booking_admin, log_in):
    log_in(booking_admin)
    people["priya"].attended_at = timezone.now() - timedelta(minutes=5)
    people["priya"].save()

    response = upload(client, workshop, zoom_csv(ZOOM_PARTICIPANTS_HEADER, *ZOOM_PARTICIPANTS_ROWS))

    assert attended(people["priya"], people["tom"], people["ada"]) == [True, True, False]
    page = html(response)
    counts = [item.get_text(" ", strip=True) for item in page.select(".attendance-report-counts li")]
    assert counts[:2] == ["1 person marked as attended.", "1 already marked as attended."]
    unmatched = [[cell.get_text(strip=True) for cell in row.select("td")] for row in page.select("tbody tr")]
    assert unmatched == [["Adaeze Okafor", "okafora@example.nhs.uk"], ["Tom's iPhone", "(none in the report)"]]


def test_a_file_that_is_no_report_is_refused_with_a_message_on_the_form(
    client, workshop, online_people, booking_admin, log_in
):
    log_in(booking_admin)

    page = html(upload(client, workshop, b"Just some notes from the day, not a report.\n", "notes.txt"))

    assert "could not find a list of participants" in page.select_one(".error-message").get_text()
    assert NOT_SAVED_ANYWHERE in page.select_one(".messages").get_text()
    assert page.select_one("input[type=file]")["accept"] == ".csv,.tsv,.txt"
    assert attended(*online_people.values()) == [False, False, False]
    assert not PageLogEntry.objects.filter(action="events.upload_attendance_report").exists()


def test_a_file_too_large_is_refused_without_being_read(
    client, workshop, online_people, booking_admin, log_in, monkeypatch
):
    def read_nothing(data):
        raise AssertionError("a file over the limit was read")

    monkeypatch.setattr(checkin, "read_attendance_report", read_nothing)
    log_in(booking_admin)

    page = html(upload(client, workshop, b"x" * (MAX_REPORT_BYTES + 1)))

    assert "This file is larger than 5 MB" in page.select_one(".error-message").get_text()
    assert attended(*online_people.values()) == [False, False, False]


def test_the_upload_page_says_the_file_is_not_kept(client, workshop, form_page, booking_admin, log_in):
    log_in(booking_admin)

    page = html(client.get(upload_url(workshop)))

    assert "The file is read and not kept." in page.select_one("main").get_text()


def test_an_in_person_workshop_has_no_report_to_upload(client, index, venue, booking_admin, log_in, today):
    form_page = add_booking_form(add_event(index, "room-only", today, venue=venue))
    event = EventPage.objects.get(pk=form_page.get_parent().pk)
    log_in(booking_admin)

    page = html(client.get(upload_url(event)))
    refused = upload(client, event, zoom_csv(ZOOM_PARTICIPANTS_HEADER, *ZOOM_PARTICIPANTS_ROWS))
    bookings_list = html(client.get(reverse("wagtailforms:list_submissions", args=[form_page.pk])))

    assert "in person only: check people in at the door instead" in page.select_one("main").get_text()
    assert page.select("input[type=file]") == []
    assert refused.status_code == 200 and not AttendanceTaken.objects.filter(event=event).exists()
    assert "Upload the online attendance report" not in bookings_list.get_text()


def test_someone_the_report_could_not_match_is_marked_by_hand_in_the_online_list(
    client, workshop, online_people, people, booking_admin, log_in
):
    """Tom joined with another address: the result page leads to the online places, where one tap marks him."""
    log_in(booking_admin)
    result = html(upload(client, workshop, TEAMS_REPORT.encode("utf-16")))
    link = result.find("a", string="mark them by hand in the list of online places")
    Booking.objects.filter(pk=online_people["tom"].pk).update(attended_at=None)

    online_list = html(client.get(link["href"]))

    assert [name for name, _organisation, _state in listed(online_list)] == [
        "Adaeze Okafor",
        "Priya Raman",
        "Tom Whitfield",
    ], "the online places only, by surname"
    assert online_list.select_one("#arrival-count").get_text() == "2 of 3 joined"
    assert not online_list.find("a", string="Add a walk-in"), "walk-ins are for the door"
    tom = online_people["tom"]
    response = client.post(
        tap_url(workshop, tom), {"attended": "1", "places": "online"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["count"] == "3 of 3 joined"
    assert attended(tom) == [True]
    # The in-person list's taps stay for in-person places, and the online list's for online ones.
    refused = client.post(tap_url(workshop, people["ada"]), {"attended": "1", "places": "online"})
    assert refused.status_code == 302
    assert attended(people["ada"]) == [False]
    assert client.post(tap_url(workshop, tom), {"attended": "0"}).status_code == 302
    assert attended(tom) == [True]
