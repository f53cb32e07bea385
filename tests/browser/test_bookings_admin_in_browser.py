"""
A Booking administrator in Chromium: the dashboard's upcoming workshops, a
workshop's bookings, the Bookings menu filtered and downloaded as Excel, a
place given from the waiting list, and the printable attendance register.
"""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from events.models import Booking, BookingFormPage, BookingStatus, EventPage
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
    assert row.locator("td").nth(2).inner_text() == "3 of 3"
    assert row.locator("td").nth(3).inner_text() == "1"
    page.screenshot(path=screenshots_dir / "admin-dashboard-bookings.png", full_page=True)

    row.get_by_role("link", name=workshop.title).click()
    page.wait_for_url(f"**/admin/forms/submissions/{form_page.pk}/")
    assert "Ada Lovelace" in page.locator("table.listing").inner_text()
    page.screenshot(path=screenshots_dir / "admin-workshop-bookings.png", full_page=True)

    # Mary cannot come: cancelling her gives Florence the place.
    page.get_by_role("link", name="Cancel Mary Seacole's booking").click()
    assert "Their place goes to the first person on the waiting list" in page.locator("main").inner_text()
    page.screenshot(path=screenshots_dir / "admin-cancel-booking.png", full_page=True)
    page.get_by_role("button", name="Yes, cancel the booking").click()
    page.wait_for_url(f"**/admin/forms/submissions/{form_page.pk}/*")
    assert "Cancelled Mary Seacole's booking" in page.locator(".messages").inner_text()
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
    assert sorted(row[3] for row in rows[1:]) == ["Ada Lovelace", "Florence Nightingale", "Grace Hopper"]

    # The register, ready to print.
    page.goto(site + f"/admin/forms/submissions/{form_page.pk}/")
    page.get_by_role("link", name="Attendance register").click()
    page.wait_for_url("**/register/")
    names = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert names == ["Grace Hopper", "Ada Lovelace", "Florence Nightingale"]
    page.screenshot(path=screenshots_dir / "admin-attendance-register.png", full_page=True)
    page.emulate_media(media="print")
    assert not page.get_by_text("Print this page from your browser").is_visible()
    page.pdf(path=screenshots_dir / "admin-attendance-register.pdf")
