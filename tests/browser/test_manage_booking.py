"""
The demo workshop held in person and online, in Chromium at a phone's and a
desktop's width: the booking form's "How will you attend?" and organisation
questions, then the "Your booking" page at the link in the e-mail, changing
how one attends and sending a colleague instead. axe-core checks each page;
the screenshots are kept in tests/browser/screenshots.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from events.models import AttendanceMode, Booking, BookingStatus, EventPage, Organisation, PlaceKind
from tests.browser.conftest import DESKTOP, PHONE, assert_no_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKSHOP = "/news-and-events/example-workshop/"
BOOKING_FORM = WORKSHOP + "book/"


@pytest.fixture(autouse=True)
def _booking_settings(settings):
    # The live server runs in this process, so it reads these too.
    settings.BOOKING_MIN_FILL_SECONDS = 0
    settings.BOOKING_RATE_LIMIT_ATTEMPTS = 100


@pytest.fixture
def hybrid_workshop(site):
    """The demo workshop, held in person (its 50 places) and online (30 places), with the list of organisations."""
    Organisation.objects.update_or_create(name="Oxford Health NHS Foundation Trust", defaults={"is_member": True})[0]
    Organisation.objects.get_or_create(name="Tavistock and Portman NHS Foundation Trust")[0]
    workshop = EventPage.objects.get(slug="example-workshop")
    workshop.attendance_mode = AttendanceMode.HYBRID
    workshop.online_capacity = 30
    workshop.places_per_organisation = 5
    workshop.joining_instructions = "Join at https://meet.example/workshop"
    workshop.save_revision().publish()
    return workshop


def emails_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def manage_path_in(message):
    (link,) = re.findall(r"https?://\S+/bookings/manage/\S+/", message.body)
    return urlsplit(link).path


def look(page, screenshots_dir, name):
    """Keep a screenshot of the whole page (to look at) and check it with axe-core."""
    page.screenshot(path=screenshots_dir / f"{name}.png", full_page=True)
    assert_no_accessibility_violations(page)


def assert_fits(page, width):
    """
    Nothing on the page is wider than the screen: no sideways scrolling on a
    phone. Asked again for a few seconds: the NHS.UK header's script moves
    menu items that do not fit into "More" once the page has loaded, and a
    busy machine can be asked in between.
    """
    try:
        page.wait_for_function("width => document.documentElement.scrollWidth <= width", arg=width, timeout=5000)
    except PlaywrightTimeoutError:
        wider = page.evaluate(WIDER_THAN_THE_SCREEN, width)
        pytest.fail(f"The page is {page.evaluate('document.documentElement.scrollWidth')} px wide: {wider}")


# The elements that stick out, to fix the right one.
WIDER_THAN_THE_SCREEN = """width => [...document.querySelectorAll('body *')]
    .filter(element => element.getBoundingClientRect().right > width)
    .slice(0, 5)
    .map(element => `${element.tagName}.${element.className} ${Math.round(element.getBoundingClientRect().right)}`)"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375", "1280"])
def test_book_online_then_manage_the_booking(browser, site, hybrid_workshop, screenshots_dir, viewport):
    width = viewport["width"]
    page = browser.new_page(viewport=viewport)
    page.goto(site + BOOKING_FORM)
    places = page.locator(".booking-places").inner_text()
    assert "In person: 50 of 50 left" in places and "Online: 30 of 30 left" in places
    assert "at most 5 places" in page.locator(".booking-share").inner_text()
    attend = page.get_by_role("group", name="How will you attend?")
    expect(attend.get_by_role("radio", name=re.compile("^In person, at "))).to_be_visible()
    look(page, screenshots_dir, f"hybrid-booking-form-{width}")

    # Sent empty: each question says what it needs.
    page.get_by_role("button", name="Book my place").click()
    page.wait_for_load_state()
    summary = page.locator(".nhsuk-error-summary")
    assert "Choose how you will attend" in summary.inner_text()
    assert "Choose your organisation, or choose 'My organisation is not listed'" in summary.inner_text()
    look(page, screenshots_dir, f"hybrid-booking-form-errors-{width}")

    page.get_by_role("radio", name="Online").check()
    page.get_by_label("Full name").fill("Jo Smith")
    page.get_by_label("Work email address").fill("jo.smith@example.nhs.uk")
    page.get_by_label("Job title").fill("Director of Nursing")
    page.get_by_label("Organisation", exact=True).select_option(label="Oxford Health NHS Foundation Trust")
    page.get_by_label(re.compile("^I agree")).check()
    assert_fits(page, width)
    with page.expect_navigation():
        page.get_by_role("button", name="Book my place").click()
    assert page.locator(".booking-outcome h1").inner_text() == "Booking request received"
    booking = Booking.objects.get(email="jo.smith@example.nhs.uk")
    assert (booking.attends, booking.status, booking.organisation) == (
        PlaceKind.ONLINE,
        BookingStatus.CONFIRMED,
        "Oxford Health NHS Foundation Trust",
    )

    # The link in the e-mail: the booking, and what can be done with it.
    (confirmation,) = emails_to("jo.smith@example.nhs.uk")
    manage = manage_path_in(confirmation)
    page.goto(site + manage)
    assert page.locator("h1").inner_text().endswith("Your booking")
    assert page.locator(".booking-attends").inner_text() == "Online"
    assert page.locator(".booking-status").inner_text() == "Confirmed: you have a place"
    assert_fits(page, width)
    look(page, screenshots_dir, f"your-booking-{width}")

    # Change how I attend: into the room.
    page.get_by_role("link", name="Change how you attend").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().endswith("Attend in person instead?")
    look(page, screenshots_dir, f"change-attendance-{width}")
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, attend in person").click()
    assert page.locator(".booking-outcome h1").inner_text() == "You will now attend in person"
    look(page, screenshots_dir, f"attendance-changed-{width}")
    booking.refresh_from_db()
    assert booking.attends == PlaceKind.IN_PERSON

    # Send a colleague instead.
    page.goto(site + manage)
    page.get_by_role("link", name="Send a colleague instead").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Give my place to my colleague").click()
    page.wait_for_load_state()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    assert "Enter your colleague's full name" in page.locator(".nhsuk-error-summary").inner_text()
    assert_fits(page, width)
    look(page, screenshots_dir, f"send-a-colleague-errors-{width}")
    page.get_by_label("Full name").fill("Sam Patel")
    page.get_by_label("Work email address").fill("sam.patel@example.nhs.uk")
    page.get_by_label("Job title").fill("Director of HR")
    page.get_by_label("Organisation", exact=True).select_option(label="Their organisation is not listed")
    page.get_by_label("Their organisation").fill("Leeds and York Partnership NHS Foundation Trust")
    with page.expect_navigation():
        page.get_by_role("button", name="Give my place to my colleague").click()
    assert page.locator(".booking-outcome h1").inner_text() == "Your place has gone to Sam Patel"
    look(page, screenshots_dir, f"colleague-sent-{width}")

    colleague = Booking.objects.get(email="sam.patel@example.nhs.uk")
    assert (colleague.status, colleague.attends, colleague.submit_time) == (
        BookingStatus.CONFIRMED,
        PlaceKind.IN_PERSON,
        Booking.objects.get(pk=booking.pk).submit_time,
    )
    assert colleague.organisation == "Leeds and York Partnership NHS Foundation Trust"

    # The old link now tells whom the place went to, and offers nothing more.
    page.goto(site + manage)
    assert page.locator("h1").inner_text() == "You have given this place to Sam Patel"
    assert page.locator(".booking-actions").count() == 0
    look(page, screenshots_dir, f"your-booking-handed-over-{width}")
    page.close()
