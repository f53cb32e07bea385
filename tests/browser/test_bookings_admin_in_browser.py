"""
A Booking administrator in Chromium: the dashboard's upcoming workshops, a
workshop's bookings, the Bookings menu filtered and downloaded as Excel, a
place given from the waiting list, and the printable attendance register.
"""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from events.models import Booking, BookingFormPage, BookingStatus, EventPage
from tests.browser.conftest import assert_no_accessibility_violations
from tests.events.factories import make_booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def booked_example_workshop(site):
    """The demo's example workshop, full, with one person waiting."""
    workshop = EventPage.objects.get(slug="example-workshop")
    workshop.capacity = 3
    workshop.save_revision().publish()
    form_page = BookingFormPage.objects.child_of(workshop).get()
    people = [
        ("Ada Lovelace", "Oxford Health NHS Foundation Trust", BookingStatus.CONFIRMED),
        ("Grace Hopper", "Mersey Care NHS Foundation Trust", BookingStatus.CONFIRMED),
        ("Mary Seacole", "South London and Maudsley NHS Foundation Trust", BookingStatus.CONFIRMED),
        ("Florence Nightingale", "Tavistock and Portman NHS Foundation Trust", BookingStatus.WAITING),
    ]
    for minutes, (name, organisation, status) in enumerate(people):
        make_booking(
            form_page, status, name=name, organisation=organisation, submitted_ago=timedelta(minutes=60 - minutes)
        )
    return workshop, form_page


@pytest.fixture
def booking_admin_page(log_in):
    page = log_in("Booking administrators")
    yield page
    page.close()


def test_a_booking_administrator_manages_a_workshops_bookings(
    booked_example_workshop, booking_admin_page, site, screenshots_dir
):
    page = booking_admin_page
    workshop, form_page = booked_example_workshop
    page.goto(site + "/admin/")

    panel = page.locator("section", has=page.locator("#upcoming-bookings-heading"))
    row = panel.locator("tr", has_text=workshop.title)
    assert row.locator("td").nth(2).inner_text() == "Going ahead"
    # The example workshop is held in person and online: each kind's places.
    assert row.locator("td").nth(3).inner_text() == "In person 3 of 3\nOnline 0 (no limit)"
    assert row.locator("td").nth(4).inner_text() == "1"
    page.screenshot(path=screenshots_dir / "admin-dashboard-bookings.png", full_page=True)

    row.get_by_role("link", name=workshop.title).click()
    page.wait_for_url(f"**/admin/forms/submissions/{form_page.pk}/")
    assert "Ada Lovelace" in page.locator("table.listing").inner_text()
    page.screenshot(path=screenshots_dir / "admin-workshop-bookings.png", full_page=True)

    # Mary cannot come: cancelling her gives Florence the place.
    page.get_by_role("link", name="Cancel Mary Seacole's booking").click()
    page.wait_for_url(re.compile(r"/admin/bookings/\d+/cancel/"))
    expect(page.locator("main")).to_contain_text("Their place goes to the first person on the waiting list")
    page.screenshot(path=screenshots_dir / "admin-cancel-booking.png", full_page=True)
    page.get_by_role("button", name="Yes, cancel the booking").click()
    page.wait_for_url(f"**/admin/forms/submissions/{form_page.pk}/*")
    expect(page.locator(".messages")).to_contain_text("Cancelled Mary Seacole's booking")
    statuses = dict(Booking.objects.values_list("name", "status"))
    assert statuses["Mary Seacole"] == BookingStatus.CANCELLED
    assert statuses["Florence Nightingale"] == BookingStatus.CONFIRMED

    # The Bookings menu, filtered to confirmed bookings, downloaded as Excel.
    page.goto(site + "/admin/events/booking/")
    page.get_by_role("link", name="Confirmed", exact=True).click()
    page.wait_for_url("**status__exact=confirmed*")
    listing = page.locator("#result_list, table.listing").first.inner_text()
    assert "Florence Nightingale" in listing and "Mary Seacole" not in listing
    page.screenshot(path=screenshots_dir / "admin-bookings-menu.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download XLSX", exact=True).click()
    sheet = load_workbook(io.BytesIO(open(download_info.value.path(), "rb").read())).active  # noqa: SIM115
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Booked at", "Workshop", "Status", "Name")
    # Every booking across workshops: this test's, and make run's past example workshop's.
    ours = sorted(row[3] for row in rows[1:] if not row[3].startswith("Example attendee"))
    assert ours == ["Ada Lovelace", "Florence Nightingale", "Grace Hopper"]

    # The register, ready to print.
    page.goto(site + f"/admin/forms/submissions/{form_page.pk}/")
    page.get_by_role("link", name="Attendance register").click()
    page.wait_for_url("**/register/")
    names = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert names == ["Grace Hopper", "Ada Lovelace", "Florence Nightingale"]
    page.screenshot(path=screenshots_dir / "admin-attendance-register.png", full_page=True)
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print the register").is_visible()
    assert not page.get_by_role("link", name="Back to the bookings").is_visible()
    page.pdf(path=screenshots_dir / "admin-attendance-register.pdf")


def test_the_actions_stay_in_view_at_1280_px_however_many_questions_a_form_asks(
    booked_example_workshop, log_in, site, screenshots_dir
):
    from events.models import BookingFormField

    workshop, form_page = booked_example_workshop
    labels = [f"Question {number} an editor added to this workshop's form" for number in range(1, 7)]
    for number, label in enumerate(labels):
        BookingFormField.objects.create(page=form_page, sort_order=number, label=label, field_type="multiline")
    long_answer = "A long answer that a booker wrote at length about their organisation's plans " * 3
    Booking.objects.update(
        form_data={field.clean_name: long_answer for field in BookingFormField.objects.filter(page=form_page)},
        access_needs="Step-free access and a hearing loop, please",
    )
    page = log_in("Booking administrators", viewport={"width": 1280, "height": 800})

    page.goto(site + f"/admin/forms/submissions/{form_page.pk}/")

    cancel = page.get_by_role("link", name="Cancel Ada Lovelace's booking")
    box = cancel.bounding_box()
    assert cancel.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 1280, "the Cancel action is in view"
    give = page.get_by_role("link", name="Give a place to Florence Nightingale")
    assert give.bounding_box()["x"] + give.bounding_box()["width"] <= 1280
    # Nothing else covers the button: a click on its middle reaches it.
    assert cancel.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)); }"
    )
    assert "Step-free access" in page.locator("table.listing").inner_text(), "the needs, for this role"
    page.screenshot(path=screenshots_dir / "admin-workshop-bookings-1280.png")
    page.close()


def test_attendance_by_organisation_reads_as_a_table_and_sorts_by_no_shows(
    booked_example_workshop, booking_admin_page, site, screenshots_dir
):
    page = booking_admin_page
    workshop, form_page = booked_example_workshop
    page.goto(site + f"/admin/forms/submissions/{form_page.pk}/")

    page.get_by_role("button", name="Actions", exact=True).click()
    page.get_by_role("link", name="Attendance by organisation").click()
    page.wait_for_url("**/attendance-by-organisation/")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Oxford Health NHS Foundation Trust")
    expect(table).not_to_contain_text("Florence Nightingale")  # numbers only: nobody is named
    assert_no_accessibility_violations(page)
    page.screenshot(path=screenshots_dir / "admin-attendance-by-organisation.png", full_page=True)

    page.goto(site + "/admin/bookings/attendance-by-organisation/")
    page.get_by_label("Workshops from").fill("2020-01-01")
    page.get_by_role("button", name="Show this period").click()
    page.wait_for_url("**start=2020-01-01*")
    expect(page.locator("main")).to_contain_text("from 1 January 2020")
    assert_no_accessibility_violations(page)
