"""
The whole mission, in Chromium, as the people who do it: an Editor adds a
venue and a workshop at it (its booking form comes with it) and submits it
for approval; a Moderator approves it and its booking form, which the
approval says still awaits review; a visitor finds it from the home page
and books a place; a Booking administrator downloads the bookings as XLSX and
CSV, and the visitor's booking is in both. An Editor is refused the bookings.
"""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from events.models import Booking, EventPage, NewsAndEventsIndexPage, PlaceKind
from tests.browser.conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKSHOP_TITLE = "Workshop on retaining experienced nurses"


@pytest.fixture(autouse=True)
def _booking_settings(settings):
    settings.BOOKING_MIN_FILL_SECONDS = 0


def downloaded(page, link_name):
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link_name, exact=True).click()
    return Path(download_info.value.path()).read_bytes()


def test_a_workshop_from_the_editor_to_the_visitors_booking_to_the_spreadsheet(browser, site, log_in, screenshots_dir):
    day = timezone.localdate() + timedelta(days=45)

    # The Editor adds the venue, then the workshop at it, and submits it for approval.
    editor = log_in("Editors")
    editor.goto(site + "/admin/snippets/events/venue/add/")
    editor.locator("#id_name").fill("Royal College of Nursing")
    editor.locator("#id_address_line_1").fill("20 Cavendish Square")
    editor.locator("#id_town_or_city").fill("London")
    editor.locator("#id_postcode").fill("W1G 0RN")
    editor.screenshot(path=screenshots_dir / "mission-1-venue.png", full_page=True)
    editor.get_by_role("button", name="Save").first.click()
    editor.wait_for_url("**/admin/snippets/events/venue/")

    events = NewsAndEventsIndexPage.objects.get()
    editor.goto(site + f"/admin/pages/add/events/eventpage/{events.pk}/")
    editor.locator("#id_title").fill(WORKSHOP_TITLE)
    editor.locator("#id_date").fill(day.strftime("%d/%m/%Y"))
    editor.locator("#id_summary").fill("How trusts keep their most experienced nurses.")
    editor.locator("#id_venue-chooser").get_by_role("button", name="Choose venue").click()
    editor.locator(".modal").get_by_role("link", name="Royal College of Nursing").click()
    editor.locator("#id_venue-chooser").get_by_text("Royal College of Nursing").wait_for()
    editor.screenshot(path=screenshots_dir / "mission-2-workshop.png", full_page=True)
    editor.locator("footer .dropdown-toggle, [data-w-dropdown-target='toggle']").last.click()
    editor.get_by_role("button", name="Submit to Moderators approval").click()
    editor.wait_for_url("**/admin/pages/**")
    workshop = EventPage.objects.get(title=WORKSHOP_TITLE)
    assert not workshop.live
    assert workshop.get_children().count() == 1, "the booking form came with the workshop"
    assert workshop.get_children().get().specific.workflow_in_progress, "and was submitted with it"

    # The Editor is refused the bookings.
    editor.goto(site + "/admin/events/booking/")
    editor.wait_for_url(site + "/admin/")
    assert "Sorry, you do not have permission to access this area." in editor.locator(".messages").inner_text()
    editor.close()

    # The Moderator approves and publishes.
    moderator = log_in("Moderators")
    moderator.goto(site + f"/admin/pages/{workshop.pk}/edit/")
    moderator.locator("footer .dropdown-toggle, [data-w-dropdown-target='toggle']").last.click()
    moderator.get_by_role("button", name="Approve").first.click()
    # The approval says what it published: wait for it, rather than picture the page still loading.
    moderator.locator(".messages").get_by_text("has been approved and published").first.wait_for()
    moderator.screenshot(path=screenshots_dir / "mission-3-approved.png", full_page=True)
    workshop.refresh_from_db()
    assert workshop.live
    # Its booking form's questions are reviewed too: the approval says so, with a link to it.
    awaiting = moderator.locator(".messages li").filter(has_text="still awaits review")
    awaiting.get_by_role("link", name="Review it").click()
    moderator.wait_for_url(f"**/admin/pages/{workshop.get_children().get().pk}/edit/")
    moderator.locator("footer .dropdown-toggle, [data-w-dropdown-target='toggle']").last.click()
    moderator.get_by_role("button", name="Approve").first.click()
    moderator.locator(".messages").get_by_text("'Book a place' has been approved and published.").wait_for()
    assert workshop.get_children().get().live
    moderator.close()

    # A visitor finds it from the home page and books.
    visitor = browser.new_page(viewport=DESKTOP)
    visitor.goto(site + "/")
    visitor.get_by_role("link", name=WORKSHOP_TITLE).click()
    visitor.get_by_role("link", name=f"Book a place at {WORKSHOP_TITLE}").click()
    visitor.get_by_label("Full name").fill("Priya Shah")
    # Held in person only (as a new workshop is), it does not ask how the visitor will attend.
    expect(visitor.get_by_role("group", name="How will you attend?")).to_have_count(0)
    visitor.get_by_label("Work email address").fill("priya.shah@example.nhs.uk")
    visitor.get_by_label("Job title").fill("Deputy Director of Nursing")
    # Not in the Collaborative's list: "not listed", then its name in the box beside it.
    visitor.get_by_label("Organisation", exact=True).select_option(label="My organisation is not listed")
    visitor.get_by_label("Your organisation").fill("Mersey Care NHS Foundation Trust")
    visitor.get_by_label("I agree to the Collaborative keeping these details").check()
    visitor.get_by_role("button", name="Book my place").click()
    visitor.wait_for_url("**/bookings/booked/**")
    assert "Booking request received" in visitor.locator("h1").inner_text()
    visitor.close()
    booking = Booking.objects.get(event=workshop)
    assert (booking.attends, booking.organisation) == (PlaceKind.IN_PERSON, "Mersey Care NHS Foundation Trust")

    # The Booking administrator downloads the bookings.
    bookings = log_in("Booking administrators")
    bookings.get_by_role("link", name="Bookings", exact=True).first.click()
    bookings.wait_for_url("**/admin/events/booking/")
    bookings.screenshot(path=screenshots_dir / "mission-4-bookings.png", full_page=True)
    sheet = load_workbook(io.BytesIO(downloaded(bookings, "Download XLSX"))).active
    xlsx_rows = list(sheet.iter_rows(values_only=True))
    # CSV waits under the arrow beside "Download XLSX".
    bookings.locator(".w-dropdown-button").filter(has_text="Download XLSX").locator("button").click()
    csv_bytes = downloaded(bookings, "Download CSV")
    csv_rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    bookings.close()

    assert any("priya.shah@example.nhs.uk" in row for row in xlsx_rows[1:])
    # Every booking across workshops: Priya's, and those of make run's past example workshop.
    csv_rows = [row for row in csv_rows if not row["Name"].startswith("Example attendee")]
    assert [row["E-mail"] for row in csv_rows] == ["priya.shah@example.nhs.uk"]
    assert csv_rows[0]["Workshop"] == WORKSHOP_TITLE
