"""
What the Collaborative achieves, in Chromium: a Moderator finds it in the
admin's Reports menu and reads the figures, the charts (each an image with
its description, its numbers in the table after it) and the tables, on a
desktop screen and on a phone, passing axe-core; a period and calendar
years can be chosen; and the Excel file downloads. And a report citing a
workshop's figures, as a visitor reads it.
"""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from events.booking.attendance import mark_attended
from events.models import AttendanceMode, EventPage, FeedbackResponse, NewsAndEventsIndexPage, Organisation
from reports.models import ReportIndexPage
from tests.browser.conftest import DESKTOP, PHONE, assert_no_accessibility_violations, wait_for_nhsuk_components
from tests.events.factories import add_booking_form, add_event, make_booking
from tests.reports.factories import add_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEMBERS = ["Mersey Care NHS Foundation Trust", "Oxford Health NHS Foundation Trust"]


@pytest.fixture
def two_years_of_workshops(site):
    """Three past workshops over two financial years, with member trusts and others, attendance and feedback."""
    index = NewsAndEventsIndexPage.objects.get()
    members = [Organisation.objects.update_or_create(name=name, defaults={"is_member": True})[0] for name in MEMBERS]
    today = timezone.localdate()
    for number, (days_ago, places, came) in enumerate([(420, 12, 9), (250, 20, 16), (40, 30, 22)]):
        event = add_event(
            index,
            f"past-workshop-{number}",
            today - timedelta(days=days_ago),
            title=f"Workforce workshop {number + 1}",
            attendance_mode=AttendanceMode.ONLINE,
            capacity=40,
        )
        form_page = add_booking_form(event)
        for person in range(places):
            member = members[person % 2] if person % 3 else None
            booking = make_booking(
                form_page,
                name=f"Person {number}-{person}",
                listed_organisation=member,
                organisation=member.name if member else f"Partner organisation {person % 4}",
            )
            if person < came:
                mark_attended(event, booking.pk, True)
        for rating in range(came // 2):
            FeedbackResponse.objects.create(event=event, overall_rating=3 + rating % 3, usefulness_rating=4)


def screenshot_whole(page, path):
    """The whole page: the admin scrolls inside its own layout, which a full-page screenshot does not follow."""
    size = page.viewport_size
    height = page.evaluate("Math.max(document.querySelector('main').scrollHeight, document.body.scrollHeight)")
    page.set_viewport_size({"width": size["width"], "height": height + 100})
    page.screenshot(path=path)
    page.set_viewport_size(size)


def test_a_moderator_reads_what_the_collaborative_achieves(two_years_of_workshops, log_in, site, screenshots_dir):
    page = log_in("Moderators")
    page.get_by_role("button", name="Admin reports").click()
    page.get_by_role("link", name="What the Collaborative achieves").click()
    page.wait_for_url("**/admin/achievements/")

    expect(page.get_by_role("heading", level=1)).to_have_text("What the Collaborative achieves")
    expect(page.get_by_role("img", name="Places booked and people who attended, by year")).to_be_visible()
    expect(page.get_by_role("img", name="Organisations reached, by year")).to_be_visible()
    years = page.get_by_role("table", name="Figures by financial year (the charts' numbers)")
    expect(years.get_by_role("rowheader")).to_have_count(2)
    workshops = page.get_by_role("table", name="Figures by workshop, oldest first")
    # Its three workshops, and make run's past example workshop (events/example_past_workshop.py).
    expect(workshops.locator("tbody tr")).to_have_count(4)
    main = page.locator("main").inner_text()
    assert "Person 0-1" not in main and "Partner organisation" not in main, "nobody, and no other organisation, named"
    assert "Mersey Care NHS Foundation Trust" in main, "member trusts are named"
    assert_no_accessibility_violations(page)
    screenshot_whole(page, screenshots_dir / "admin-achievements-1280.png")

    page.get_by_label("Calendar years (January to December)").check()
    page.get_by_role("button", name="Show these figures").click()
    page.wait_for_url("**years=calendar*")
    expect(page.get_by_role("table", name="Figures by year (the charts' numbers)")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (both tables)").click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert workbook.sheetnames == ["Per workshop", "Per year"]
    # Its workshops, and make run's past example workshop, which falls among them by date.
    assert {row[0].value for row in workbook["Per workshop"].iter_rows(min_row=2)} == {
        "Workforce workshop 1",
        "Workforce workshop 2",
        "Workforce workshop 3",
        "Past example workshop (for trying the site: not a real event)",
    }
    page.close()


def test_the_figures_fit_a_phone(two_years_of_workshops, log_in, site, screenshots_dir):
    page = log_in("Booking administrators", viewport=PHONE)
    page.goto(site + "/admin/achievements/")

    expect(page.get_by_role("img", name="Organisations reached, by year")).to_be_visible()
    # The wide tables scroll inside their own boxes; the page itself does not scroll sideways.
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    chart_box = page.get_by_role("img", name="Places booked and people who attended, by year").bounding_box()
    assert chart_box["width"] <= PHONE["width"]
    assert_no_accessibility_violations(page)
    screenshot_whole(page, screenshots_dir / "admin-achievements-375.png")
    page.close()


def test_a_report_cites_its_workshops_figures_readably_on_a_phone(
    two_years_of_workshops, browser, site, screenshots_dir
):
    workshop = EventPage.objects.get(slug="past-workshop-2")
    report = add_report(
        ReportIndexPage.objects.get(),
        "workforce-findings",
        title="Workforce findings",
        workshop=workshop,
        body=[("workshop_figures", {"workshop": None, "figures": ["attendance", "organisations", "ratings"]})],
    )

    for viewport, name in ((PHONE, "375"), (DESKTOP, "1280")):
        page = browser.new_page(viewport=viewport)
        page.goto(site + report.url)
        wait_for_nhsuk_components(page)
        figures = page.locator(".workshop-figures")
        expect(figures).to_contain_text("22 people attended. 30 places were booked.")
        expect(figures.get_by_role("table")).to_contain_text("Member trusts")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= viewport["width"]
        assert_no_accessibility_violations(page)
        figures.screenshot(path=screenshots_dir / f"report-workshop-figures-{name}.png")
        page.close()
