"""
Check-in at the door, in Chromium at a phone's size (375 by 812): a Booking
administrator finds the workshop on the dashboard, searches, taps people in,
undoes a tap, sees a tap that could not be sent say so, and sees another
phone's taps arrive, on a page that fits the screen and passes axe-core.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.booking.attendance import mark_attended
from events.models import Booking, BookingFormPage, BookingStatus, EventPage
from tests.browser.conftest import PHONE, assert_no_accessibility_violations
from tests.events.factories import make_booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    ("Ada Lovelace", "Oxford Health NHS Foundation Trust", BookingStatus.CONFIRMED),
    ("Grace Hopper", "Mersey Care NHS Foundation Trust", BookingStatus.CONFIRMED),
    ("Mary Seacole", "South London and Maudsley NHS Foundation Trust", BookingStatus.CONFIRMED),
    ("Florence Nightingale", "Tavistock and Portman NHS Foundation Trust", BookingStatus.CONFIRMED),
    ("Edith Cavell", "Oxford Health NHS Foundation Trust", BookingStatus.WAITING),
]


@pytest.fixture
def workshop_today(site):
    """The demo's example workshop, moved to today, with four places taken and one person waiting."""
    workshop = EventPage.objects.get(slug="example-workshop")
    workshop.date = timezone.localdate()
    workshop.save_revision().publish()
    form_page = BookingFormPage.objects.child_of(workshop).get()
    for name, organisation, status in PEOPLE:
        make_booking(form_page, status, name=name, organisation=organisation)
    return workshop


def person(page, name):
    return page.locator(".checkin__person", has_text=name)


def assert_fits_the_phone(page):
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide: it scrolls sideways on a phone"


def test_a_booking_administrator_checks_people_in_on_a_phone(workshop_today, log_in, site, screenshots_dir):
    page = log_in("Booking administrators", viewport=PHONE)
    page.get_by_role("link", name=f"Check in at {workshop_today.title}").click()
    page.wait_for_url(f"**/admin/bookings/workshop/{workshop_today.pk}/check-in/")
    count = page.locator("#arrival-count")
    expect(count).to_have_text("0 of 4 arrived")
    assert "Edith Cavell" not in page.locator("main").inner_text(), "the waiting list is not at the door"
    assert_fits_the_phone(page)
    assert_no_accessibility_violations(page)
    page.screenshot(path=screenshots_dir / "admin-check-in-phone.png", full_page=True)

    # Every tap target is at least 44 px high (WCAG 2.2's 2.5.8 asks 24; a thumb wants more).
    heights = page.locator(".checkin__person button, #checkin-search, .checkin__search .button").evaluate_all(
        "elements => elements.map(element => element.getBoundingClientRect().height)"
    )
    assert min(heights) >= 44, heights

    # Searching as one types: part of an organisation's name.
    page.get_by_label("Search by name or organisation").fill("oxford")
    expect(page.locator(".checkin__person:visible")).to_have_count(1)
    ada = person(page, "Ada Lovelace").get_by_role("button")
    ada.click()
    expect(ada).to_have_attribute("aria-pressed", "true")
    expect(count).to_have_text("1 of 4 arrived")
    assert re.search(r"[?&]q=oxford", page.url), "a reload keeps the search"

    page.get_by_label("Search by name or organisation").fill("hopper")
    grace = person(page, "Grace Hopper").get_by_role("button")
    grace.click()
    expect(grace).to_have_attribute("aria-pressed", "true")
    expect(count).to_have_text("2 of 4 arrived")
    page.get_by_label("Search by name or organisation").fill("")
    expect(page.locator(".checkin__person:visible")).to_have_count(4)
    expect(person(page, "Grace Hopper")).to_contain_text("Attended ✓")
    page.screenshot(path=screenshots_dir / "admin-check-in-two-arrived.png", full_page=True)

    # Ada was tapped by mistake: the same tap again undoes it.
    ada.click()
    expect(ada).to_have_attribute("aria-pressed", "false")
    expect(count).to_have_text("1 of 4 arrived")
    expect(person(page, "Ada Lovelace")).to_contain_text("Mark attended")

    page.reload()
    expect(page.locator("#arrival-count")).to_have_text("1 of 4 arrived")
    expect(person(page, "Grace Hopper").get_by_role("button")).to_have_attribute("aria-pressed", "true")
    expect(person(page, "Ada Lovelace").get_by_role("button")).to_have_attribute("aria-pressed", "false")
    attended = set(workshop_today.bookings.filter(attended_at__isnull=False).values_list("name", flat=True))
    assert attended == {"Grace Hopper"}
    assert_fits_the_phone(page)
    assert_no_accessibility_violations(page)

    # Reflow (WCAG 1.4.10): a 1280 px screen zoomed to 400% is 320 px wide.
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320
    page.close()


def test_a_tap_that_cannot_be_sent_says_so_and_another_phones_taps_arrive(
    workshop_today, log_in, site, screenshots_dir
):
    page = log_in("Booking administrators", viewport=PHONE)
    page.goto(site + f"/admin/bookings/workshop/{workshop_today.pk}/check-in/")
    mary = person(page, "Mary Seacole")

    page.context.set_offline(True)
    mary.get_by_role("button").click()
    expect(mary.locator(".checkin__problem")).to_have_text("Not saved: tap again")
    expect(mary.get_by_role("button")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#arrival-count")).to_have_text("0 of 4 arrived")
    assert not workshop_today.bookings.filter(attended_at__isnull=False).exists()
    assert_no_accessibility_violations(page)
    page.screenshot(path=screenshots_dir / "admin-check-in-not-saved.png")

    page.context.set_offline(False)
    mary.get_by_role("button").click()
    expect(mary.get_by_role("button")).to_have_attribute("aria-pressed", "true")
    expect(mary.locator(".checkin__problem")).to_have_text("")

    # Someone on another phone checks Florence in: this one shows it when it next looks.
    florence = Booking.objects.get(name="Florence Nightingale")
    mark_attended(workshop_today, florence.pk, True)
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(person(page, "Florence Nightingale").get_by_role("button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#arrival-count")).to_have_text("2 of 4 arrived")
    page.close()


def test_a_walk_in_is_added_from_the_phone(workshop_today, log_in, site, screenshots_dir):
    page = log_in("Booking administrators", viewport=PHONE)
    page.goto(site + f"/admin/bookings/workshop/{workshop_today.pk}/check-in/")

    page.get_by_role("link", name="Add a walk-in").click()
    page.get_by_label("Name").fill("Jo Bell")
    page.get_by_label("Organisation").fill("Leeds and York Partnership NHS Foundation Trust")
    assert_fits_the_phone(page)
    assert_no_accessibility_violations(page)
    page.screenshot(path=screenshots_dir / "admin-check-in-walk-in.png", full_page=True)
    page.get_by_role("button", name="Add and mark as attended").click()

    expect(page.locator(".messages")).to_contain_text("Added Jo Bell as a walk-in: marked as attended.")
    expect(page.locator("#arrival-count")).to_have_text("1 of 5 arrived")
    expect(person(page, "Jo Bell").get_by_role("button")).to_have_attribute("aria-pressed", "true")
    assert_fits_the_phone(page)
    page.close()
