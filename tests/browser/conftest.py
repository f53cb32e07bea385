"""Shared by the browser tests: the live site with its content, screen sizes, and the axe-core check."""

import io
from pathlib import Path

import axe_playwright_python
import pytest
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import expect

from tests.database_snapshot import DatabaseSnapshot

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def _demo_site(django_db_setup, django_db_blocker):
    """The initial content and the demo workshop, as make run loads them: built once, kept as a snapshot."""
    with django_db_blocker.unblock():
        django_db_setup.restore()
        call_command("load_initial_content", "--demo", stdout=io.StringIO())
        return DatabaseSnapshot(connection)


@pytest.fixture
def site(live_server, transactional_db, _demo_site):
    """
    The site as make run serves it, demo workshop included, on a live server:
    every browser test starts from the same rows, whatever the one before did.
    """
    _demo_site.restore()
    return live_server.url


@pytest.fixture(autouse=True)
def no_content_security_policy_violations(browser):
    """
    Every page a browser test opens is watched for anything the Content
    Security Policy blocked (an inline script, a style, a file from another
    origin): the site must work under its own policy, admin included.
    """
    blocked = []
    open_page = browser.new_page

    def new_page(*args, **kwargs):
        page = open_page(*args, **kwargs)
        page.on(
            "console",
            lambda message: (
                blocked.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
            ),
        )
        return page

    browser.new_page = new_page
    yield
    browser.new_page = open_page
    assert blocked == [], "\n".join(blocked)


# Resolves once every animation that ends has ended (a message fading in):
# axe measures colour contrast as it is drawn, and half-faded text fails it.
ANIMATIONS_FINISHED = """
    () => Promise.all(
        document.getAnimations()
            .filter(animation => animation.effect && animation.effect.getTiming().iterations !== Infinity)
            .map(animation => animation.finished.catch(() => null))
    ).then(() => true)
"""


def assert_no_accessibility_violations(page):
    # The admin's messages are drawn transparent until its script marks the page ready, then fade in.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.messages > ul')].every(list => getComputedStyle(list).opacity === '1')"
    )
    page.evaluate(ANIMATIONS_FINISHED)
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
    violations = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]
    for violation in violations:
        print(violation)
    assert violations == [], f"{page.url}: " + "; ".join(violations)


def wait_for_nhsuk_components(page):
    """
    Wait until the NHS.UK components have started: the library is imported
    after the page loads (static/js/site.js), and only then does the skip link
    work and the header move the menu items that do not fit into "More".
    """
    expect(page.locator(".nhsuk-skip-link[data-nhsuk-skip-link-init]")).to_be_attached()


@pytest.fixture
def log_in(browser, site):
    """
    Sign in to the admin in Chromium through its sign-in form, as someone new
    in a role (a group as the migrations made it: "Editors", "Moderators",
    "Booking administrators"). Returns the signed-in page, at the dashboard.
    """
    from tests.conftest import PASSWORD, make_user, unused_username

    def log_in_as(role, viewport=DESKTOP):
        username = unused_username(role)
        make_user(username, role)
        page = browser.new_page(viewport=viewport, accept_downloads=True)
        page.goto(site + "/admin/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(site + "/admin/")
        return page

    return log_in_as
