"""
Search in Chromium at a phone's width: type in the header's search box,
narrow the results to one kind, open a result; axe-core checks the pages.
"""

import pytest

from tests.browser.conftest import PHONE, assert_no_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_from_the_header_filter_by_kind_and_open_a_result(browser, site, screenshots_dir):
    page = browser.new_page(viewport=PHONE)
    page.goto(site + "/")

    search_box = page.get_by_role("search").get_by_label("Search this site")
    search_box.fill("Thriving at Work")
    search_box.press("Enter")
    page.wait_for_url("**/search/?q=Thriving+at+Work*")
    assert page.locator("#result-count").inner_text() == "3 results for ‘Thriving at Work’"
    titles = page.locator(".search-results h3 a").all_inner_texts()
    assert titles[0] == "Thriving at Work: the Collaborative workshop report"
    page.screenshot(path=screenshots_dir / "search-results-375.png", full_page=True)
    assert_no_accessibility_violations(page)

    page.get_by_role("link", name="Workshops and events (1)").click()
    page.wait_for_url("**type=events*")
    assert page.locator(".search-results h3 a").all_inner_texts() == [
        "Workshop for HR Directors on the Thriving at Work report"
    ]
    assert page.locator('.search-filters [aria-current="true"]').inner_text() == "Workshops and events (1)"
    page.screenshot(path=screenshots_dir / "search-filtered-375.png", full_page=True)
    assert_no_accessibility_violations(page)

    page.get_by_role("link", name="Workshop for HR Directors on the Thriving at Work report").click()
    page.wait_for_url("**/news-and-events/thriving-at-work-workshop/")
    assert page.locator("h1").inner_text().endswith("Workshop for HR Directors on the Thriving at Work report")
    page.close()


def test_a_search_with_no_results_helps(browser, site, screenshots_dir):
    page = browser.new_page(viewport=PHONE)
    page.goto(site + "/search/?q=xylophone")
    assert "No results for ‘xylophone’" in page.locator("main").inner_text()
    page.screenshot(path=screenshots_dir / "search-no-results-375.png", full_page=True)
    assert_no_accessibility_violations(page)
    page.close()


def test_a_typing_slip_is_offered_what_was_meant_and_one_click_finds_it(browser, site, screenshots_dir):
    page = browser.new_page(viewport=PHONE)
    page.goto(site + "/search/?q=workfroce+planning")
    main = page.locator("main")
    assert main.locator("h2").first.inner_text() == "No results for ‘workfroce planning’"
    assert "These are not search results" in main.inner_text()
    page.screenshot(path=screenshots_dir / "search-did-you-mean-375.png", full_page=True)
    assert_no_accessibility_violations(page)

    page.get_by_role("link", name="workforce planning").click()
    page.wait_for_url("**/search/?q=workforce*planning")
    assert page.locator(".search-results h3 a").first.inner_text() == (
        "Workshop on strategic workforce planning in mental health settings"
    )
    page.close()
