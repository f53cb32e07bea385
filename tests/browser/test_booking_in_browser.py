"""
Booking a place at the demo "Example workshop" in Chromium, with the keyboard
alone: the error summary for an empty form, choosing how to attend and the
organisation from the list, the confirmation, the e-mail with its calendar
invitation and cancellation link, cancelling, and the waiting list once every
place is taken. axe-core checks each booking page.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from events import views
from events.booking.emails import cancel_token
from events.booking.rules import BookingBusy
from events.models import (
    AttendanceMode,
    Booking,
    BookingFormPage,
    BookingStatus,
    EventPage,
    Organisation,
    PlaceKind,
)
from tests.browser.conftest import DESKTOP, PHONE, assert_no_accessibility_violations
from tests.conftest import calendar_invitations
from tests.events.factories import make_booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKSHOP = "/news-and-events/example-workshop/"
BOOKING_FORM = WORKSHOP + "book/"
WORKSHOP_TITLE = "Example workshop (for trying the site: not a real event)"
# More Tab presses than any of these pages has stops before the one wanted.
MAX_TABS = 80


@pytest.fixture(autouse=True)
def _booking_settings(settings):
    # The live server runs in this process, so it reads these too. A form
    # filled by Playwright is sent well within the usual 3 seconds.
    settings.BOOKING_MIN_FILL_SECONDS = 0
    settings.BOOKING_RATE_LIMIT_ATTEMPTS = 100


def focused(page, selector):
    return page.evaluate("selector => document.activeElement.matches(selector)", selector)


def tab_to(page, selector):
    """Press Tab until the element matching selector has focus, never landing on the spam trap on the way."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        assert not focused(page, "#id_website"), "the spam trap took keyboard focus"
        if focused(page, selector):
            return
    pytest.fail(f"Tab never reached {selector} on {page.url}")


def tab_to_link(page, text):
    """Press Tab until a link whose text contains text has focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(
            "text => document.activeElement.tagName === 'A' && document.activeElement.textContent.includes(text)",
            text,
        ):
            return
    pytest.fail(f"Tab never reached a link saying {text!r} on {page.url}")


def fill_booking_form(page, **answers):
    """
    Tab to each answer given (in the form's order) and type it, then tick the
    consent box with Space. In a list (the organisation), typing the start of
    an option chooses it, as it does for a person.
    """
    for name, value in answers.items():
        tab_to(page, f"#id_{name}")
        page.keyboard.type(value)
        if focused(page, "select"):
            expect(page.locator(f"#id_{name} option:checked")).to_have_text(value)
    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    assert page.locator("#id_consent").is_checked()


def send_form(page, button_name):
    tab_to(page, "main button[type=submit]")
    assert page.evaluate("document.activeElement.textContent.trim()") == button_name
    with page.expect_navigation():
        page.keyboard.press("Enter")


def emails_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def test_book_a_place_with_the_keyboard_then_cancel_it_from_the_email(browser, site, screenshots_dir):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(site + WORKSHOP)
    assert page.locator("h1").inner_text().endswith(WORKSHOP_TITLE)
    tab_to_link(page, "Book a place")
    page.keyboard.press("Enter")
    page.wait_for_url(site + BOOKING_FORM)
    assert page.locator("h1").inner_text().endswith("Book a place")
    places = page.locator(".booking-places").inner_text()
    assert "In person: 50 of 50 left" in places and "Online: no limit" in places
    assert page.title().startswith(f"Book a place - {WORKSHOP_TITLE} - ")
    page.screenshot(path=screenshots_dir / "booking-form-1280.png", full_page=True)
    assert_no_accessibility_violations(page)

    # The empty form, sent: the error summary lists every missing answer and takes focus.
    send_form(page, "Book my place")
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    assert "There is a problem" in summary.inner_text()
    for message in (
        "Choose how you will attend",
        "Enter your full name",
        "Enter your work email address",
        "Enter your job title",
        "Choose your organisation, or choose 'My organisation is not listed' and type its name",
        "Tick the box to agree to the privacy notice, or we cannot book your place",
    ):
        assert summary.get_by_role("link", name=message).is_visible()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    assert page.title().startswith("Error: Book a place - ")
    # Nothing booked (make run's past example workshop has bookings of its own).
    assert not Booking.objects.exclude(event__slug="past-example-workshop").exists()
    page.screenshot(path=screenshots_dir / "booking-form-errors-1280.png", full_page=True)
    assert_no_accessibility_violations(page)

    # The summary's first link takes the keyboard to the first answer missing:
    # how to attend, whose first option Space chooses.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Choose how you will attend"
    page.keyboard.press("Enter")
    in_person = page.get_by_role("radio", name=re.compile("^In person, at "))
    expect(in_person).to_be_focused()
    page.keyboard.press("Space")
    expect(in_person).to_be_checked()
    expect(page.get_by_role("radio", name="Online", exact=True)).not_to_be_checked()
    fill_booking_form(
        page,
        name="Jo Smith",
        email="jo.smith@example.nhs.uk",
        job_title="Director of Nursing",
        listed_organisation="Oxford Health NHS Foundation Trust",
    )
    page.screenshot(path=screenshots_dir / "booking-form-filled-1280.png", full_page=True)

    send_form(page, "Book my place")
    page.wait_for_url("**/bookings/**")
    # The page says what a stranger typing Jo's address could be told; Jo's e-mail says the rest.
    assert page.locator(".booking-outcome.nhsuk-panel h1").inner_text() == "Booking request received"
    assert "whether you have a place" in page.locator(".booking-outcome").inner_text()
    assert "jo.smith@example.nhs.uk" not in page.locator("main").inner_text()
    assert WORKSHOP_TITLE in page.locator(".booking-summary").inner_text()
    page.screenshot(path=screenshots_dir / "booking-confirmed-1280.png", full_page=True)
    assert_no_accessibility_violations(page)

    booking = Booking.objects.get(email="jo.smith@example.nhs.uk")
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.attends == PlaceKind.IN_PERSON
    assert (booking.name, booking.job_title, booking.organisation) == (
        "Jo Smith",
        "Director of Nursing",
        "Oxford Health NHS Foundation Trust",
    )
    assert booking.listed_organisation == Organisation.objects.get(name="Oxford Health NHS Foundation Trust")

    # The confirmation e-mail, with its calendar invitation and cancellation link.
    (email,) = emails_to("jo.smith@example.nhs.uk")
    assert email.subject.startswith(f"Booking confirmed: {WORKSHOP_TITLE}, ")
    assert len(email.attachments) == 1
    assert calendar_invitations(email).keys() == {"example-workshop.ics"}
    assert b"BEGIN:VEVENT" in calendar_invitations(email)["example-workshop.ics"]
    links = re.findall(r"https?://\S+/bookings/cancel/\S+/", email.body)
    assert len(links) == 1, email.body
    cancel_path = urlsplit(links[0]).path

    page.goto(site + cancel_path)
    assert page.locator("h1").inner_text() == "Cancel your place?"
    assert "Jo Smith (jo.smith@example.nhs.uk)" in page.locator("main").inner_text()
    page.screenshot(path=screenshots_dir / "booking-cancel-1280.png", full_page=True)
    assert_no_accessibility_violations(page)

    tab_to(page, "main button[type=submit]")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Yes, cancel my place"
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.locator(".booking-outcome.nhsuk-panel h1", has_text="Your place has been cancelled").wait_for()
    assert "We have sent a confirmation to jo.smith@example.nhs.uk" in page.locator(".booking-outcome").inner_text()
    page.screenshot(path=screenshots_dir / "booking-cancelled-1280.png", full_page=True)
    assert_no_accessibility_violations(page)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancelled_at is not None
    assert [message.subject for message in emails_to("jo.smith@example.nhs.uk")][-1] == (
        f"Booking cancelled: {WORKSHOP_TITLE}"
    )

    # The link used again: nothing more to do.
    page.goto(site + cancel_path)
    assert page.locator("h1").inner_text() == "This booking is already cancelled"
    page.close()


def test_a_full_workshop_offers_its_waiting_list(browser, site, screenshots_dir):
    workshop = EventPage.objects.get(slug="example-workshop")
    # Held in the room only (the demo's is in person and online, where online places have no limit).
    workshop.attendance_mode = AttendanceMode.IN_PERSON
    workshop.capacity = 1
    workshop.save_revision().publish()
    form_page = BookingFormPage.objects.child_of(workshop).get()
    make_booking(
        form_page,
        name="Sam Patel",
        job_title="Director of HR",
        organisation="Tavistock and Portman NHS Foundation Trust",
    )

    page = browser.new_page(viewport=PHONE)
    page.goto(site + WORKSHOP)
    main = page.locator("main").inner_text()
    assert "All 1 booked" in main
    assert "Fully booked: waiting list open" in main
    page.screenshot(path=screenshots_dir / "workshop-full-375.png", full_page=True)
    assert_no_accessibility_violations(page)

    tab_to_link(page, "Join the waiting list")
    page.keyboard.press("Enter")
    page.wait_for_url(site + BOOKING_FORM)
    assert page.locator("h1").inner_text().endswith("Join the waiting list")
    assert page.title().startswith(f"Join the waiting list - {WORKSHOP_TITLE} - ")
    assert "Every place is taken" in page.locator(".booking-full").inner_text()
    assert "Fully booked: you can join the waiting list" in page.locator(".booking-places").inner_text()

    fill_booking_form(
        page,
        name="Alex Jones",
        email="Alex.Jones@example.nhs.uk",
        job_title="Staff health and wellbeing lead",
        organisation="Birmingham and Solihull Mental Health NHS Foundation Trust",
    )
    page.screenshot(path=screenshots_dir / "waiting-list-form-filled-375.png", full_page=True)
    assert_no_accessibility_violations(page)

    send_form(page, "Join the waiting list")
    page.wait_for_url("**/bookings/**")
    assert page.locator(".booking-outcome.nhsuk-panel h1").inner_text() == "Booking request received"
    assert "If you are on the waiting list and a place comes up" in page.locator("main").inner_text()
    page.screenshot(path=screenshots_dir / "waiting-list-confirmed-375.png", full_page=True)
    assert_no_accessibility_violations(page)

    booking = Booking.objects.get(email="Alex.Jones@example.nhs.uk")
    assert booking.status == BookingStatus.WAITING
    (email,) = emails_to("Alex.Jones@example.nhs.uk")
    assert email.subject == f"You are on the waiting list: {WORKSHOP_TITLE}"
    assert email.attachments == []
    assert "/bookings/cancel/" in email.body
    page.close()


def test_a_cancellation_that_fails_says_so_and_focuses_the_error_summary(browser, site, screenshots_dir, monkeypatch):
    workshop = EventPage.objects.get(slug="example-workshop")
    booking = make_booking(
        BookingFormPage.objects.child_of(workshop).get(),
        name="Sam Patel",
        job_title="Director of HR",
        organisation="Tavistock and Portman NHS Foundation Trust",
    )

    def database_busy(booking):
        raise BookingBusy

    # The live server runs in this process, so it cancels with this.
    monkeypatch.setattr(views, "cancel_booking", database_busy)
    page = browser.new_page(viewport=PHONE)
    page.goto(site + f"/bookings/cancel/{cancel_token(booking)}/")
    send_form(page, "Yes, cancel my place")
    summary = page.locator(".nhsuk-error-summary")
    assert "We could not cancel your place just now" in summary.inner_text()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    assert page.title().startswith("Error: Cancel your place? - ")
    page.screenshot(path=screenshots_dir / "booking-cancel-failed-375.png", full_page=True)
    assert_no_accessibility_violations(page)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    page.close()
