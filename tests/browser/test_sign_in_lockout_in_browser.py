"""
A person locked out of the admin after too many wrong passwords, in a real
browser: the admin's own sign-in page, a plain message saying how long to
wait and whom to ask, nothing the Content Security Policy blocks, and no
WCAG 2.2 AA failures.
"""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, assert_no_accessibility_violations
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_locked_out_editor_sees_what_to_do_on_the_admins_sign_in_page(browser, site, screenshots_dir):
    make_user("ada", "Editors")
    page = browser.new_page(viewport=DESKTOP)
    page.goto(site + "/admin/login/")

    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Username").fill("ada")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    message = page.locator(".messages li.error")
    expect(message).to_contain_text("Too many failed attempts")
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    expect(message).to_contain_text(f"try again in {minutes} minutes, or ask an administrator to unlock your account")
    assert page.url == site + "/admin/login/"
    page.screenshot(path=screenshots_dir / "admin-sign-in-locked-1280.png", full_page=True)
    assert_no_accessibility_violations(page)
    page.close()
