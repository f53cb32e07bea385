"""
The site in a real browser (Debian's Chromium, driven by Playwright), at a
phone's width and a desktop's: the menu works, About is one click away, and
axe-core finds no WCAG 2.2 AA failures. Screenshots are saved under
tests/browser/screenshots/ (ignored by git) for a person to look at.
"""

import pytest
from playwright.sync_api import expect

from home.models import StandardPage
from tests.browser.conftest import DESKTOP, PHONE, assert_no_accessibility_violations, wait_for_nhsuk_components

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_and_about_at_desktop_width(browser, site, screenshots_dir):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(site + "/")
    assert page.locator("h1").inner_text() == "National Mental Health Workforce Development Collaborative"
    page.screenshot(path=screenshots_dir / "home-1280.png", full_page=True)
    assert_no_accessibility_violations(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="About the Collaborative").click()
    page.wait_for_url(site + "/about/")
    assert page.locator("h1").inner_text() == "About the Collaborative"
    assert page.locator('a[aria-current="page"]').inner_text().strip() == "About the Collaborative"
    page.screenshot(path=screenshots_dir / "about-1280.png", full_page=True)
    assert_no_accessibility_violations(page)
    page.close()


def test_phone_width_menu_opens_and_leads_to_about(browser, site, screenshots_dir):
    # With more sections than fit on a phone, the header moves the rest into
    # a "More" menu. Two more sections make that happen today.
    StandardPage.objects.filter(slug__in=["privacy-notice", "accessibility-statement"]).update(show_in_menus=True)
    page = browser.new_page(viewport=PHONE)
    page.goto(site + "/")
    page.screenshot(path=screenshots_dir / "home-375.png", full_page=True)
    assert_no_accessibility_violations(page)

    toggle = page.locator("#toggle-menu")
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    overflow = page.locator(".nhsuk-header__menu-list")
    assert overflow.is_visible()
    assert overflow.get_by_role("link", name="Accessibility statement").is_visible()
    page.screenshot(path=screenshots_dir / "home-375-menu-open.png")

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="About the Collaborative").click()
    page.wait_for_url(site + "/about/")
    assert page.locator("h1").inner_text() == "About the Collaborative"
    assert page.locator("main table caption").inner_text() == "Schedule of the Collaborative meetings, 2020"
    page.screenshot(path=screenshots_dir / "about-375.png", full_page=True)
    assert_no_accessibility_violations(page)
    page.close()


def test_the_skip_link_is_the_first_stop_for_keyboard_users(browser, site):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(site + "/about/")
    # As a person's first key press would, once the skip link has started.
    wait_for_nhsuk_components(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    expect(page.locator("#maincontent")).to_be_focused()
    page.close()


def test_header_search_takes_a_visitor_to_results(browser, site):
    page = browser.new_page(viewport=PHONE)
    page.goto(site + "/")
    page.get_by_label("Search this site").fill("Birmingham")
    page.get_by_label("Search this site").press("Enter")
    page.wait_for_url("**/search/?q=Birmingham")
    assert page.get_by_role("link", name="About the Collaborative").count() >= 1
    assert "1 result for ‘Birmingham’" in page.locator("main h2").inner_text()
    page.close()
