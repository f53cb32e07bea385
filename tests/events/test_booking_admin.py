"""
Bookings in the admin: who may see them, the per-workshop listing and the
Bookings menu, cancelling and promoting, exports that are safe to open in
Excel and are written in the audit log, the attendance register, telling
bookers about a change, erasing a person's data, and the dashboard panel.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import GroupPagePermission, ModelLogEntry, PageLogEntry

from events.models import Booking, BookingEmail, BookingFormField, BookingStatus
from tests.conftest import calendar_invitations, html, make_user
from tests.events.factories import add_booking_form, add_event, make_booking

pytestmark = pytest.mark.django_db

BOOKING_ADMINISTRATORS = "Booking administrators"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def days_ahead(days):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def booking_admin(db):
    return make_user("bookings", BOOKING_ADMINISTRATORS)


@pytest.fixture
def editor(db):
    return make_user("editor", "Editors")


@pytest.fixture
def moderator(db):
    return make_user("moderator", "Moderators")


@pytest.fixture
def workshop(index, venue):
    return add_event(index, "spring-workshop", days_ahead(30), venue=venue, title="Spring workshop", capacity=3)


@pytest.fixture
def form_page(workshop):
    return add_booking_form(
        workshop, questions=[{"label": "Which session will you join?", "field_type": "singleline", "required": False}]
    )


@pytest.fixture
def other_workshop(index):
    return add_event(index, "autumn-workshop", days_ahead(60), title="Autumn workshop")


@pytest.fixture
def other_form_page(other_workshop):
    return add_booking_form(other_workshop)


@pytest.fixture
def bookings(form_page):
    """A full workshop of three, one person waiting and one who cancelled."""
    return {
        "ada": make_booking(
            form_page,
            name="Ada Lovelace",
            email="ada@example.nhs.uk",
            submitted_ago=timedelta(minutes=50),
            access_needs="Hearing loop",
            dietary_needs="Vegan",
            form_data={"which_session_will_you_join": "Morning"},
        ),
        "grace": make_booking(
            form_page, name="Grace Hopper", email="grace@example.nhs.uk", submitted_ago=timedelta(minutes=40)
        ),
        "mary": make_booking(
            form_page, name="Mary Seacole", email="mary@example.nhs.uk", submitted_ago=timedelta(minutes=30)
        ),
        "florence": make_booking(
            form_page,
            name="Florence Nightingale",
            email="florence@example.nhs.uk",
            status=BookingStatus.WAITING,
            submitted_ago=timedelta(minutes=20),
        ),
        "edith": make_booking(
            form_page,
            name="Edith Cavell",
            email="edith@example.nhs.uk",
            status=BookingStatus.CANCELLED,
            submitted_ago=timedelta(minutes=10),
        ),
    }


def submissions_url(form_page, **params):
    url = reverse("wagtailforms:list_submissions", args=[form_page.pk])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else "")


def bookings_url(query=""):
    return reverse("events_booking_modeladmin_index") + (f"?{query}" if query else "")


def read_csv(response):
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff"), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.DictReader(io.StringIO(content[1:])))


def read_xlsx(response):
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows())
    headings = [cell.value for cell in rows[0]]
    return headings, rows[1:]


# Who may see bookings -----------------------------------------------------------


def test_the_booking_administrators_group_may_see_export_cancel_and_erase_bookings():
    group = Group.objects.get(name=BOOKING_ADMINISTRATORS)

    events_codenames = set(
        group.permissions.filter(content_type__app_label="events").values_list("codename", flat=True)
    )

    assert events_codenames == {
        "view_booking",
        "change_booking",
        "export_booking",
        "erase_booking",
        # They choose where booking notices go (tests/events/test_snippets_admin.py).
        "view_contact",
        "change_contact",
        "change_contact_email",
        # They meet the bookings that name an organisation the list lacks (tests/events/test_attendance_data.py).
        "add_organisation",
        "change_organisation",
        "delete_organisation",
        "view_organisation",
        # They read and export workshops' feedback (tests/events/test_feedback.py).
        "view_feedbackresponse",
        "export_feedbackresponse",
    }
    assert group.permissions.filter(codename="access_admin").exists()
    assert not GroupPagePermission.objects.filter(group=group).exists(), "they need no rights over pages"


def every_booking_view(form_page, booking):
    event_id = form_page.get_parent().pk
    return [
        bookings_url(),
        bookings_url("export=csv"),
        reverse("events_booking_modeladmin_inspect", args=[booking.pk]),
        reverse("events_cancel_booking", args=[booking.pk]),
        reverse("events_promote_booking", args=[booking.pk]),
        reverse("events_booking_register", args=[event_id]),
        reverse("events_notify_bookers", args=[event_id]),
        reverse("events_erase_bookings") + "?email=ada@example.nhs.uk",
        submissions_url(form_page),
        submissions_url(form_page, export="xlsx"),
        reverse("wagtailforms:delete_submissions", args=[form_page.pk]) + f"?selected-submissions={booking.pk}",
    ]


def test_anonymous_requests_to_any_booking_view_go_to_the_login_page(client, form_page, bookings):
    for url in every_booking_view(form_page, bookings["ada"]):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response.url.startswith(reverse("wagtailadmin_login") + "?next="), url


@pytest.mark.parametrize("role", ["editor", "moderator"])
def test_editors_and_moderators_never_see_who_booked(client, request, role, form_page, bookings, log_in):
    log_in(request.getfixturevalue(role))

    for url in every_booking_view(form_page, bookings["ada"]):
        response = client.get(url)

        assert response.status_code in (302, 403), url
        assert b"Lovelace" not in response.content, url
        assert b"ada@example.nhs.uk" not in response.content, url


@pytest.mark.parametrize("role", ["editor", "moderator"])
def test_editors_and_moderators_cannot_cancel_promote_notify_or_erase(
    client, request, role, form_page, bookings, log_in
):
    log_in(request.getfixturevalue(role))
    event_id = form_page.get_parent().pk

    client.post(reverse("events_cancel_booking", args=[bookings["ada"].pk]))
    client.post(reverse("events_promote_booking", args=[bookings["florence"].pk]))
    client.post(reverse("events_notify_bookers", args=[event_id]), {"message": "Moved"})
    client.post(reverse("events_erase_bookings"), {"email": "ada@example.nhs.uk", "confirm": "erase"})

    statuses = dict(Booking.objects.values_list("name", "status"))
    assert statuses["Ada Lovelace"] == BookingStatus.CONFIRMED
    assert statuses["Florence Nightingale"] == BookingStatus.WAITING
    assert BookingEmail.objects.count() == 0


def test_editors_see_other_forms_but_not_booking_forms_in_the_forms_listing(
    client, editor, form_page, bookings, log_in
):
    log_in(editor)

    response = client.get(reverse("wagtailforms:index"))

    assert response.status_code == 200
    assert submissions_url(form_page).encode() not in response.content


def test_the_bookings_menu_is_only_for_booking_administrators(client, editor, booking_admin, log_in):
    log_in(editor)
    assert bookings_url().encode() not in client.get(reverse("wagtailadmin_home")).content

    log_in(booking_admin)
    assert bookings_url().encode() in client.get(reverse("wagtailadmin_home")).content


def test_a_workshops_listing_never_shows_another_workshops_booking(
    client, booking_admin, form_page, other_form_page, bookings, log_in
):
    stranger = make_booking(other_form_page, name="Alan Turing", email="alan@example.nhs.uk")
    log_in(booking_admin)

    listing = client.get(submissions_url(form_page))
    export = read_csv(client.get(submissions_url(form_page, export="csv")))

    assert b"Lovelace" in listing.content
    assert b"Turing" not in listing.content
    assert "Alan Turing" not in [row["Name"] for row in export]
    # Asking to delete the other workshop's booking through this workshop's form deletes nothing.
    client.post(
        reverse("wagtailforms:delete_submissions", args=[form_page.pk]) + f"?selected-submissions={stranger.pk}"
    )
    assert Booking.objects.filter(pk=stranger.pk).exists()


def test_bookings_are_never_deleted_from_the_submissions_listing(client, booking_admin, form_page, bookings, log_in):
    log_in(booking_admin)
    ada = bookings["ada"]
    delete_url = reverse("wagtailforms:delete_submissions", args=[form_page.pk]) + f"?selected-submissions={ada.pk}"

    response = client.post(delete_url, follow=True)

    assert Booking.objects.filter(pk=ada.pk).exists()
    assert "Bookings cannot be deleted" in response.content.decode()
    assert b"Delete selected submissions" not in client.get(submissions_url(form_page)).content


# The per-workshop listing and its exports ---------------------------------------


def test_a_booking_administrator_sees_a_workshops_bookings_with_their_needs(
    client, booking_admin, form_page, bookings, log_in
):
    log_in(booking_admin)

    response = client.get(submissions_url(form_page))

    assert response.status_code == 200
    page = html(response)
    headings = [th.get_text(" ", strip=True) for th in page.select("table.listing th")]
    assert headings[:6] == ["Booked at", "Status", "Name", "E-mail", "Job title", "Organisation"]
    assert "Which session will you join?" in headings
    body = page.get_text(" ")
    assert "Ada Lovelace" in body and "Morning" in body
    # They cater and arrange the room: the needs are theirs to see, as in the exports.
    assert "Dietary needs" in headings and "Hearing loop" in body and "Vegan" in body
    links = {a.get_text(" ", strip=True): a["href"] for a in page.select("a[href]")}
    assert "Attendance register" in links
    assert "Tell bookers about a change" in links
    assert "Give a place to Florence Nightingale" in links
    assert "Cancel Ada Lovelace's booking" in links
    assert "Cancel Edith Cavell's booking" not in links


def test_the_csv_export_opens_in_excel_and_never_runs_a_formula(client, booking_admin, form_page, log_in):
    make_booking(
        form_page,
        name='=HYPERLINK("http://evil.example","Click")',
        email="formula@example.nhs.uk",
        organisation="+44 Trust",
        job_title="@SUM(A1)",
        form_data={"which_session_will_you_join": "-1+2"},
    )
    make_booking(
        form_page, name="Zoë Ørsted-Łukasz", email="zoe@example.nhs.uk", organisation="\tTabbed", job_title="\rReturn"
    )
    log_in(booking_admin)

    response = client.get(submissions_url(form_page, export="csv"))

    assert response["Content-Type"].startswith("text/csv")
    rows = {row["E-mail"]: row for row in read_csv(response)}
    formula = rows["formula@example.nhs.uk"]
    assert formula["Name"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert formula["Organisation"] == "'+44 Trust"
    assert formula["Job title"] == "'@SUM(A1)"
    assert formula["Which session will you join?"] == "'-1+2"
    accented = rows["zoe@example.nhs.uk"]
    assert accented["Name"] == "Zoë Ørsted-Łukasz"
    assert accented["Organisation"] == "'\tTabbed"
    assert accented["Job title"] == "'\rReturn"
    assert "Accessibility or communication needs" not in formula


def test_the_xlsx_export_stores_every_answer_as_text(client, booking_admin, form_page, bookings, log_in):
    make_booking(form_page, name="=1+1", email="formula@example.nhs.uk", organisation="=cmd|' /C calc'!A0")
    log_in(booking_admin)

    response = client.get(submissions_url(form_page, export="xlsx"))

    assert response["Content-Type"] == XLSX_TYPE
    assert "bookings-spring-workshop-" in response["Content-Disposition"]
    headings, rows = read_xlsx(response)
    assert headings[:6] == ["Booked at", "Status", "Name", "E-mail", "Job title", "Organisation"]
    assert "Dietary needs" not in headings
    cells = [cell for row in rows for cell in row]
    assert all(cell.data_type != "f" for cell in cells), "no cell is a formula"
    by_email = {row[3].value: row for row in rows}
    assert by_email["formula@example.nhs.uk"][2].value == "=1+1"
    assert by_email["formula@example.nhs.uk"][2].data_type == "s"
    # Edith, who cancelled, is left out unless asked for.
    assert len(rows) == 5


def test_access_and_dietary_needs_are_exported_only_when_asked_for(client, booking_admin, form_page, bookings, log_in):
    log_in(booking_admin)

    without = read_csv(client.get(submissions_url(form_page, export="csv")))
    with_needs = read_csv(client.get(submissions_url(form_page, export="csv", needs="include")))

    assert "Dietary needs" not in without[0]
    ada = next(row for row in with_needs if row["Name"] == "Ada Lovelace")
    assert ada["Accessibility or communication needs"] == "Hearing loop"
    assert ada["Dietary needs"] == "Vegan"


def test_every_export_is_written_in_the_audit_log(client, booking_admin, form_page, bookings, log_in):
    log_in(booking_admin)

    client.get(submissions_url(form_page, export="xlsx", needs="include"))
    client.get(bookings_url("export=csv&status__exact=confirmed"))

    # A workshop's export is in the workshop's own history; one across workshops, in bookings'.
    first = PageLogEntry.objects.get(action="events.export_bookings")
    second = ModelLogEntry.objects.get(action="events.export_bookings")
    assert first.user == booking_admin and second.user == booking_admin
    assert first.page_id == form_page.get_parent().pk
    assert first.data == {
        "format": "xlsx",
        "rows": 4,
        "with_needs": True,
        "filters": "needs=include",
        "searched": False,
    }
    assert second.label == "Bookings: all workshops (filtered)"
    assert second.data["filters"] == "status__exact=confirmed"
    assert second.data["rows"] == 3
    assert second.data["with_needs"] is False
    assert timezone.now() - first.timestamp < timedelta(minutes=1)
    # The audit log in the admin shows who exported.
    log_in(superuser=True)
    assert "Exported bookings" in client.get(reverse("wagtailadmin_reports:site_history")).content.decode()


# The Bookings menu across workshops ---------------------------------------------


def test_the_bookings_menu_lists_filters_and_searches_every_workshop(
    client, booking_admin, form_page, other_form_page, bookings, log_in
):
    make_booking(other_form_page, name="Alan Turing", email="alan@example.nhs.uk", organisation="Mersey Care NHS Trust")
    log_in(booking_admin)

    everyone = client.get(bookings_url()).content.decode()
    assert all(name in everyone for name in ["Ada Lovelace", "Alan Turing", "Edith Cavell"])
    waiting = client.get(bookings_url("status__exact=waiting")).content.decode()
    assert "Florence Nightingale" in waiting and "Ada Lovelace" not in waiting
    other = client.get(bookings_url(f"event__id__exact={other_form_page.get_parent().pk}")).content.decode()
    assert "Alan Turing" in other and "Ada Lovelace" not in other
    for query in ["q=mersey", "q=ALAN@example", "q=turing"]:
        found = client.get(bookings_url(query)).content.decode()
        assert "Alan Turing" in found and "Ada Lovelace" not in found, query
    assert "Give a place" in waiting


def test_the_bookings_menu_exports_the_filtered_list(
    client, booking_admin, form_page, other_form_page, bookings, log_in
):
    make_booking(other_form_page, name="Alan Turing", email="alan@example.nhs.uk")
    log_in(booking_admin)

    rows = read_csv(client.get(bookings_url("export=csv&status__exact=confirmed")))
    headings, xlsx_rows = read_xlsx(client.get(bookings_url("export=xlsx&q=turing&needs=include")))

    assert sorted(row["Name"] for row in rows) == ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Mary Seacole"]
    assert {row["Workshop"] for row in rows} == {"Spring workshop", "Autumn workshop"}
    assert "Dietary needs" not in rows[0]
    assert [row[headings.index("Name")].value for row in xlsx_rows] == ["Alan Turing"]
    assert "Dietary needs" in headings


def test_the_bookings_menu_takes_the_same_queries_for_many_bookings(
    client, booking_admin, form_page, bookings, django_assert_max_num_queries, log_in
):
    for number in range(40):
        make_booking(
            form_page, name=f"Person {number}", email=f"person{number}@example.nhs.uk", status=BookingStatus.WAITING
        )
    log_in(booking_admin)
    client.get(bookings_url())  # warm the caches (site, permissions) outside the budget

    with django_assert_max_num_queries(20):
        response = client.get(bookings_url())

    assert response.status_code == 200
    assert "Person 39" in response.content.decode()


def test_a_booking_administrator_can_inspect_one_booking(client, booking_admin, bookings, log_in):
    log_in(booking_admin)

    response = client.get(reverse("events_booking_modeladmin_inspect", args=[bookings["ada"].pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "ada@example.nhs.uk" in body and "Hearing loop" in body


def test_bookings_cannot_be_typed_in_edited_or_deleted_in_the_bookings_menu(client, booking_admin, bookings, log_in):
    log_in(booking_admin)
    ada = bookings["ada"]

    for url in [
        reverse("events_booking_modeladmin_create"),
        reverse("events_booking_modeladmin_edit", args=[ada.pk]),
        reverse("events_booking_modeladmin_delete", args=[ada.pk]),
    ]:
        assert client.get(url).status_code in (302, 403), url
    assert Booking.objects.filter(pk=ada.pk).exists()


# Cancelling and promoting -------------------------------------------------------


def test_cancelling_a_place_in_the_admin_gives_it_to_the_first_person_waiting(
    client, booking_admin, form_page, bookings, django_capture_on_commit_callbacks, log_in
):
    log_in(booking_admin)
    url = reverse("events_cancel_booking", args=[bookings["grace"].pk])

    question = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"next": bookings_url()}, follow=True)

    question_text = html(question).get_text(" ")
    assert (
        "Cancel the confirmed booking of Grace Hopper (Oxford Health NHS Foundation Trust) at Spring workshop?"
        in question_text
    )
    assert "Their place goes to the first person on the waiting list" in question_text
    assert "Cancelled Grace Hopper" in response.content.decode()
    statuses = dict(Booking.objects.values_list("name", "status"))
    assert statuses["Grace Hopper"] == BookingStatus.CANCELLED
    assert statuses["Florence Nightingale"] == BookingStatus.CONFIRMED
    assert sorted(message.to[0] for message in mail.outbox) == ["florence@example.nhs.uk", "grace@example.nhs.uk"]
    entry = PageLogEntry.objects.get(action="events.cancel_booking")
    assert entry.user == booking_admin and entry.data == {"booking": bookings["grace"].pk}


def test_giving_a_waiting_person_a_place_needs_a_free_place(
    client, booking_admin, workshop, form_page, bookings, django_capture_on_commit_callbacks, log_in
):
    log_in(booking_admin)
    url = reverse("events_promote_booking", args=[bookings["florence"].pk])

    full = client.post(url, follow=True)
    assert "Every place at Spring workshop is taken" in html(full).get_text(" ")
    assert Booking.objects.get(pk=bookings["florence"].pk).status == BookingStatus.WAITING

    # An editor adds a place (saved, not yet published: no automatic promotion).
    type(workshop).objects.filter(pk=workshop.pk).update(capacity=4)
    with django_capture_on_commit_callbacks(execute=True):
        promoted = client.post(url, follow=True)

    assert "Florence Nightingale now has a place" in promoted.content.decode()
    assert Booking.objects.get(pk=bookings["florence"].pk).status == BookingStatus.CONFIRMED
    (message,) = mail.outbox
    assert message.subject.startswith("A place has come up for you")


def test_a_next_address_outside_the_admin_is_ignored(client, booking_admin, bookings, log_in):
    log_in(booking_admin)

    response = client.post(
        reverse("events_cancel_booking", args=[bookings["mary"].pk]), {"next": "https://evil.example/"}
    )

    assert response.url == bookings_url()


# The attendance register --------------------------------------------------------


def test_the_register_lists_confirmed_bookers_by_surname_with_a_signature_column(
    client, booking_admin, form_page, bookings, log_in
):
    log_in(booking_admin)

    response = client.get(reverse("events_booking_register", args=[form_page.get_parent().pk]))

    page = html(response)
    headings = [th.get_text() for th in page.select("thead th")]
    assert headings == ["#", "Name", "Organisation", "Role", "Attendance", "Signature"]
    rows = [[td.get_text() for td in tr.select("td")] for tr in page.select("tbody tr")]
    assert [row[1] for row in rows] == ["Grace Hopper", "Ada Lovelace", "Mary Seacole"]
    assert rows[0] == [
        "1",
        "Grace Hopper",
        "Oxford Health NHS Foundation Trust",
        "Director of Nursing",
        "Not recorded",
        "",
    ]
    text = page.get_text(" ")
    assert "Spring workshop" in text and "3 confirmed bookings of 3 places" in text
    assert "Florence" not in text and "Edith" not in text and "Vegan" not in text


# Telling bookers about a change -------------------------------------------------


def test_bookers_can_be_sent_something_more_with_the_current_details_and_invitation(
    client, booking_admin, workshop, form_page, bookings, django_capture_on_commit_callbacks, log_in
):
    # Publishing the change has told them already (tests/events/test_workshop_changes.py): this is a further word.
    log_in(booking_admin)
    url = reverse("events_notify_bookers", args=[workshop.pk])

    page = client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": "We have moved to the afternoon."}, follow=True)

    assert "3 people with a place and the 1 on the waiting list" in page
    assert "Sending the update to 4 people" in response.content.decode()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ada@example.nhs.uk",
        "florence@example.nhs.uk",
        "grace@example.nhs.uk",
        "mary@example.nhs.uk",
    ]
    by_recipient = {message.to[0]: message for message in mail.outbox}
    ada = by_recipient["ada@example.nhs.uk"]
    assert "We have moved to the afternoon." in ada.body
    assert f"When: {workshop.when}" in ada.body
    assert calendar_invitations(ada)
    assert not by_recipient["florence@example.nhs.uk"].attachments, "no invitation for someone without a place"
    assert PageLogEntry.objects.get(action="events.notify_bookers").data == {"recipients": 4}


def test_a_change_message_that_is_too_long_is_refused_with_a_clear_error(
    client, booking_admin, workshop, bookings, log_in
):
    log_in(booking_admin)

    response = client.post(reverse("events_notify_bookers", args=[workshop.pk]), {"message": "x" * 2001})

    assert response.status_code == 200
    assert "Ensure this value has at most 2000 characters" in response.content.decode()
    assert BookingEmail.objects.count() == 0


# Erasing one person's data ------------------------------------------------------


def test_a_persons_bookings_are_found_by_email_in_any_case_and_erased(
    client, booking_admin, form_page, other_form_page, bookings, django_capture_on_commit_callbacks, log_in
):
    make_booking(other_form_page, name="Ada Lovelace", email="Ada@Example.NHS.uk")
    log_in(booking_admin)
    url = reverse("events_erase_bookings")

    found = client.post(url, {"email": "ADA@example.nhs.uk"}).content.decode()
    # Never searched through the address, where it would stay in access logs.
    assert "bookings for" not in client.get(url, {"email": "ADA@example.nhs.uk"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "ada@example.nhs.uk", "confirm": "erase"}, follow=True)

    assert "2 bookings for" in found and "Spring workshop" in found and "Autumn workshop" in found
    assert "Erased the personal details in 2 bookings" in response.content.decode()
    erased = Booking.objects.filter(erased_at__isnull=False)
    assert erased.count() == 2
    assert set(erased.values_list("name", "email", "organisation", "access_needs", "dietary_needs")) == {
        ("", "", "", "", "")
    }
    assert all(booking.form_data == {} for booking in erased)
    # Her upcoming place was cancelled first and went to the person waiting.
    assert erased.filter(status=BookingStatus.CANCELLED).count() == 2
    assert Booking.objects.get(email="florence@example.nhs.uk").status == BookingStatus.CONFIRMED
    assert not BookingEmail.objects.filter(recipient__iexact="ada@example.nhs.uk").exists()
    assert Booking.objects.for_email("ada@example.nhs.uk").count() == 0
    assert PageLogEntry.objects.filter(action="events.erase_bookings").count() == 2


def test_erasing_asks_for_a_valid_address_and_says_when_nothing_is_found(client, booking_admin, bookings, log_in):
    log_in(booking_admin)
    url = reverse("events_erase_bookings")

    invalid = client.post(url, {"email": "not an address"}).content.decode()
    nobody = client.post(url, {"email": "nobody@example.nhs.uk"}).content.decode()

    assert "Enter a valid email address" in invalid
    assert "No bookings with personal details for nobody@example.nhs.uk" in nobody


# The dashboard ------------------------------------------------------------------


def test_the_dashboard_shows_places_booked_and_waiting_for_upcoming_workshops(
    client, booking_admin, editor, form_page, bookings, django_assert_max_num_queries, log_in
):
    log_in(booking_admin)

    page = html(client.get(reverse("wagtailadmin_home")))

    panel = page.select_one("#upcoming-bookings-heading").find_parent("section")
    row = next(tr for tr in panel.select("tbody tr") if "Spring workshop" in tr.get_text())
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[2:] == ["Going ahead", "3 of 3", "1"]
    assert row.select_one("a")["href"] == submissions_url(form_page)

    log_in(editor)
    editors_panel = html(client.get(reverse("wagtailadmin_home"))).select_one("#upcoming-bookings-heading")
    editors_row = next(
        tr for tr in editors_panel.find_parent("section").select("tbody tr") if "Spring workshop" in tr.get_text()
    )
    assert editors_row.select_one("a") is None, "editors see the counts, not a link to who booked"


def test_the_dashboard_panel_takes_a_fixed_number_of_queries(
    client, booking_admin, index, django_assert_max_num_queries, log_in
):
    for number in range(8):
        event = add_event(index, f"workshop-{number}", days_ahead(number + 1), capacity=5)
        form_page = add_booking_form(event)
        make_booking(form_page, name="Someone", email=f"someone{number}@example.nhs.uk")
    log_in(booking_admin)
    client.get(reverse("wagtailadmin_home"))

    from events.booking.admin import UpcomingBookingsPanel

    request = client.get(reverse("wagtailadmin_home")).wsgi_request
    with django_assert_max_num_queries(3):
        context = UpcomingBookingsPanel().get_context_data({"request": request})
        rows = [
            (row["event"].confirmed_count, row["event"].waiting_count, row["bookings_url"]) for row in context["rows"]
        ]

    assert len(rows) == 8
    assert all(confirmed == 1 and waiting == 0 and url for confirmed, waiting, url in rows)


def test_an_editors_extra_question_appears_in_the_listing_and_the_export(client, booking_admin, form_page, log_in):
    BookingFormField.objects.create(page=form_page, sort_order=5, label="Trust code", field_type="singleline")
    make_booking(form_page, name="Ada Lovelace", email="ada@example.nhs.uk", form_data={"trust_code": "RNU"})
    log_in(booking_admin)

    rows = read_csv(client.get(submissions_url(form_page, export="csv")))

    assert rows[0]["Trust code"] == "RNU"


def test_bookers_of_a_cancelled_workshop_get_an_invitation_that_cancels_it_in_their_calendar(
    client, booking_admin, workshop, form_page, bookings, django_capture_on_commit_callbacks, log_in
):
    from icalendar import Calendar

    from events.models import EventStatus

    log_in(booking_admin)
    workshop.status = EventStatus.CANCELLED
    workshop.save_revision().publish()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("events_notify_bookers", args=[workshop.pk]), {"message": ""})

    ada = next(message for message in mail.outbox if message.to == ["ada@example.nhs.uk"])
    assert "We are sorry: this workshop has been cancelled." in ada.body
    (ics,) = calendar_invitations(ada).values()
    (entry,) = Calendar.from_ical(ics).walk("VEVENT")
    assert str(entry["status"]) == "CANCELLED"
    (page_entry,) = Calendar.from_ical(client.get(workshop.url + "calendar.ics").content).walk("VEVENT")
    assert entry["uid"] == page_entry["uid"], "the same entry as the page's calendar file, so it is replaced"
    assert entry["sequence"] == page_entry["sequence"] > 0


def test_the_dashboard_counts_the_bookings_of_the_last_week(client, booking_admin, editor, form_page, bookings, log_in):
    Booking.objects.filter(pk=bookings["ada"].pk).update(submit_time=timezone.now() - timedelta(days=8))

    log_in(booking_admin)
    admins = html(client.get(reverse("wagtailadmin_home"))).select_one(".recent-bookings")
    log_in(editor)
    editors = html(client.get(reverse("wagtailadmin_home"))).select_one(".recent-bookings")

    # Grace, Mary and Florence (waiting) booked this week; Edith cancelled; Ada booked 8 days ago.
    assert admins.get_text(" ", strip=True) == "3 bookings in the last 7 days: see the Bookings list ."
    assert editors.get_text(" ", strip=True) == "3 bookings in the last 7 days."


# A workshop's bookings list: status, needs, cancelled bookings left out ------


def names_listed(response):
    return {row.select("td")[2].get_text(strip=True) for row in html(response).select("table.listing tbody tr")}


def test_a_workshops_list_and_exports_leave_out_cancelled_bookings_unless_a_status_is_chosen(
    client, booking_admin, form_page, bookings, log_in
):
    log_in(booking_admin)

    default = client.get(submissions_url(form_page))
    cancelled = client.get(submissions_url(form_page, status="cancelled"))
    waiting = client.get(submissions_url(form_page, status="waiting"))
    everyone = client.get(submissions_url(form_page, status="any"))

    assert names_listed(default) == {"Ada Lovelace", "Grace Hopper", "Mary Seacole", "Florence Nightingale"}
    assert "Cancelled bookings are left out" in html(default).get_text(" ")
    assert names_listed(cancelled) == {"Edith Cavell"}
    assert names_listed(waiting) == {"Florence Nightingale"}
    assert len(names_listed(everyone)) == 5
    assert "Edith Cavell" not in {row["Name"] for row in read_csv(client.get(submissions_url(form_page, export="csv")))}
    with_cancelled = read_csv(client.get(submissions_url(form_page, export="csv", status="any")))
    assert {row["Status"] for row in with_cancelled} == {"Confirmed", "Waiting list", "Cancelled"}


def test_someone_who_may_view_but_not_export_bookings_never_sees_the_needs(client, form_page, bookings, log_in):
    from django.contrib.auth.models import Permission

    viewer = make_user("viewer")
    viewer.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_booking")
    )
    log_in(viewer)

    listing = html(client.get(submissions_url(form_page))).get_text(" ")
    details = html(client.get(reverse("events_booking_modeladmin_inspect", args=[bookings["ada"].pk]))).get_text(" ")

    assert "Ada Lovelace" in listing and "Ada Lovelace" in details
    for text in (listing, details):
        assert "Hearing loop" not in text and "Vegan" not in text and "Dietary needs" not in text


def test_the_export_across_workshops_keeps_each_workshops_own_questions(
    client, booking_admin, form_page, bookings, other_form_page, log_in
):
    BookingFormField.objects.create(page=other_form_page, sort_order=0, label="Trust code", field_type="singleline")
    make_booking(other_form_page, name="Mary Somerville", form_data={"trust_code": "RNU"})
    log_in(booking_admin)

    rows = read_csv(client.get(bookings_url("export=csv")))
    cancelled = read_csv(client.get(bookings_url("export=csv&status__exact=cancelled")))

    by_name = {row["Name"]: row for row in rows}
    assert by_name["Ada Lovelace"]["Which session will you join?"] == "Morning"
    assert by_name["Ada Lovelace"]["Trust code"] == ""
    assert by_name["Mary Somerville"]["Trust code"] == "RNU"
    assert "Edith Cavell" not in by_name, "cancelled bookings are left out unless asked for"
    assert [row["Name"] for row in cancelled] == ["Edith Cavell"]


def test_the_bookings_list_offers_the_workshop_filter_as_soon_as_one_workshop_has_bookings(
    client, booking_admin, form_page, bookings, log_in
):
    log_in(booking_admin)

    page = html(client.get(bookings_url()))

    filters = page.select_one(".changelist-filter")
    assert "By workshop" in filters.get_text(" ")
    assert "Spring workshop" in [link.get_text(strip=True) for link in filters.select("a")]


def test_erasing_one_booking_says_so_in_words(client, booking_admin, form_page, bookings, log_in):
    log_in(booking_admin)

    page = html(client.post(reverse("events_erase_bookings"), {"email": "ada@example.nhs.uk"}))

    assert page.select_one("button.no").get_text(strip=True) == "Erase this booking"


def test_the_register_has_a_print_button_and_a_way_back(client, booking_admin, workshop, form_page, bookings, log_in):
    log_in(booking_admin)

    page = html(client.get(reverse("events_booking_register", args=[workshop.pk])))

    assert page.select_one("button.print-register").get_text(strip=True) == "Print the register"
    back = page.find("a", string="Back to the bookings")
    assert back["href"] == submissions_url(form_page)
    assert client.get(back["href"]).status_code == 200


def test_ordering_a_workshops_list_keeps_its_status_filter(client, booking_admin, form_page, bookings, log_in):
    log_in(booking_admin)

    page = html(client.get(submissions_url(form_page, status="any")))
    ordered = page.select_one("thead th a")["href"]

    assert "status=any" in ordered and "order_by=" in ordered
    assert "Edith Cavell" in names_listed(client.get(submissions_url(form_page) + ordered)), "cancelled still shown"
