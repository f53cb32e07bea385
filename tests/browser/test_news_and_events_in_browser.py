"""
News and events in Chromium: filter to past events, open a workshop, take its
calendar file; axe-core checks each page at a phone's and a desktop's width.
"""

import pytest
from icalendar import Calendar

from tests.browser.conftest import DESKTOP, PHONE, assert_no_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_find_a_past_workshop_and_add_it_to_a_calendar(browser, site, screenshots_dir, viewport):
    width = viewport["width"]
    page = browser.new_page(viewport=viewport, accept_downloads=True)
    page.goto(site + "/news-and-events/")
    assert page.locator("h1").inner_text() == "News and events"
    assert "Example workshop" in page.locator("main").inner_text()
    page.screenshot(path=screenshots_dir / f"news-and-events-{width}.png", full_page=True)
    assert_no_accessibility_violations(page)

    page.get_by_label("Past events").check()
    page.get_by_label("Year").select_option("2020")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/news-and-events/?show=past&year=2020*")
    assert page.locator("h1").inner_text() == "Past events"
    assert page.locator("#result-count").inner_text() == "5 results"
    page.screenshot(path=screenshots_dir / f"past-events-{width}.png", full_page=True)
    assert_no_accessibility_violations(page)

    page.get_by_role("link", name="Workshop on strategic workforce planning in mental health settings").click()
    page.wait_for_url("**/news-and-events/strategic-workforce-planning-workshop/")
    assert "Thursday 5 March 2020" in page.locator("main dl").inner_text()
    assert "Skills Mix modelling" in page.locator("ol.agenda").last.inner_text()
    page.screenshot(path=screenshots_dir / f"workshop-{width}.png", full_page=True)
    assert_no_accessibility_violations(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add this workshop to your calendar").click()
    download = download_info.value
    assert download.suggested_filename == "strategic-workforce-planning-workshop.ics"
    calendar = Calendar.from_ical(open(download.path(), "rb").read())  # noqa: SIM115
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["summary"]) == "Workshop on strategic workforce planning in mental health settings"
    assert "30 Euston Square" in str(entry["location"])
    page.close()


def test_an_event_moved_online_shows_its_warning(browser, site, screenshots_dir):
    page = browser.new_page(viewport=PHONE)
    page.goto(site + "/news-and-events/covid-19-workforce-issues-videoconference/")
    warning = page.locator(".nhsuk-warning-callout")
    assert "moved online" in warning.inner_text()
    assert "The Studio, 7 Cannon Street, Birmingham, B2 5EP" in warning.inner_text()
    page.screenshot(path=screenshots_dir / "moved-online-375.png", full_page=True)
    assert_no_accessibility_violations(page)
    page.close()
