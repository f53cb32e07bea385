"""
From the home page to a booked place with the keyboard alone (Tab, Enter,
Space, the arrow keys and typing), as someone who cannot use a mouse books:
every element that takes focus on the way shows it (WCAG 2.4.7), and the
focus order reaches everything needed.
"""

import re

import pytest
from playwright.sync_api import expect

from events.models import Booking, BookingStatus, PlaceKind
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKSHOP_TITLE = "Example workshop (for trying the site: not a real event)"
MAX_TABS = 120

# Whether the focused element looks focused: the NHS.UK focus style is a
# yellow background with a dark underline (a box shadow) on links and
# buttons, and a yellow outline with a dark inner border on form fields.
FOCUS_SHOWN = """() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        && style.outlineColor !== 'rgba(0, 0, 0, 0)' && style.outlineColor !== 'transparent';
    const shadow = style.boxShadow && style.boxShadow !== 'none';
    return {
        shown: outline || shadow,
        what: element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
            + ' ' + (element.textContent || element.name || '').replace(/\\s+/g, ' ').trim().slice(0, 50),
    };
}"""


class KeyboardOnly:
    """Drives a page with the keyboard, checking that focus can be seen at every stop."""

    def __init__(self, page):
        self.page = page
        self.unseen = []

    def tab(self):
        self.key("Tab")

    def key(self, key):
        """Press a key that moves focus (Tab, an arrow key in a group of radios) and check the focus shows."""
        self.page.keyboard.press(key)
        focus = self.page.evaluate(FOCUS_SHOWN)
        if focus is not None and not focus["shown"]:
            self.unseen.append(f"{self.page.url}: {focus['what']}")

    def tab_until(self, condition, description):
        for _ in range(MAX_TABS):
            self.tab()
            if self.page.evaluate(condition):
                return
        pytest.fail(f"Tab never reached {description} on {self.page.url}")

    def tab_to_link(self, text):
        self.tab_until(
            f"document.activeElement.tagName === 'A' && document.activeElement.textContent.includes({text!r})",
            f"a link saying {text!r}",
        )

    def tab_to(self, selector):
        self.tab_until(f"document.activeElement.matches({selector!r})", selector)

    def press(self, key):
        with self.page.expect_navigation():
            self.page.keyboard.press(key)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_from_the_home_page_to_a_booked_place_with_the_keyboard_alone(browser, site, settings, viewport):
    settings.BOOKING_MIN_FILL_SECONDS = 0
    page = browser.new_page(viewport=viewport)
    keys = KeyboardOnly(page)
    page.goto(site + "/")

    # The home page lists the next workshops: Tab to this one, Enter.
    keys.tab_to_link(WORKSHOP_TITLE)
    keys.press("Enter")
    assert page.locator("h1").inner_text().endswith(WORKSHOP_TITLE)

    keys.tab_to_link(f"Book a place at {WORKSHOP_TITLE}")
    keys.press("Enter")
    assert page.locator("h1").inner_text().endswith("Book a place")

    # How will you attend? Tab reaches the first option; the down arrow moves to "Online" and chooses it.
    in_person = page.get_by_role("radio", name=re.compile("^In person, at "))
    online = page.get_by_role("radio", name="Online", exact=True)
    keys.tab_to("#id_attends_0")
    expect(in_person).to_be_focused()
    keys.key("ArrowDown")
    expect(online).to_be_focused()
    expect(online).to_be_checked()
    expect(in_person).not_to_be_checked()

    for field, answer in (
        ("#id_name", "Alex Morgan"),
        ("#id_email", "alex.morgan@example.nhs.uk"),
        ("#id_job_title", "Director of Organisational Development"),
        # Not in the list: typing the start of its last option chooses it, then the name goes in the box.
        ("#id_listed_organisation", "My organisation is not listed"),
        ("#id_organisation", "Leeds and York Partnership NHS Foundation Trust"),
        ("#id_access_needs", "A hearing loop, please."),
    ):
        keys.tab_to(field)
        page.keyboard.type(answer)
    expect(page.locator("#id_listed_organisation option:checked")).to_have_text("My organisation is not listed")
    keys.tab_to("#id_consent")
    page.keyboard.press("Space")
    assert page.locator("#id_consent").is_checked()
    keys.tab_to("main button[type=submit]")
    keys.press("Enter")

    assert page.locator(".booking-outcome.nhsuk-panel h1").inner_text() == "Booking request received"
    booking = Booking.objects.get(email="alex.morgan@example.nhs.uk")
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.attends == PlaceKind.ONLINE
    assert (booking.organisation, booking.listed_organisation) == (
        "Leeds and York Partnership NHS Foundation Trust",
        None,
    )
    assert booking.access_needs == "A hearing loop, please."
    assert keys.unseen == [], "focus not visible on: " + "; ".join(keys.unseen)
    page.close()


def test_the_focus_check_catches_a_focus_that_cannot_be_seen(browser, site):
    """The check above would fail if a style hid the focus: here one does."""
    page = browser.new_page(viewport=DESKTOP)
    page.goto(site + "/")
    # Through the CSSOM: the site's Content Security Policy refuses a <style> element.
    page.evaluate(
        """() => {
            const sheet = new CSSStyleSheet();
            sheet.replaceSync('*:focus, *:focus-visible { outline: none !important; box-shadow: none !important; }');
            document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
        }"""
    )
    keys = KeyboardOnly(page)
    keys.tab()
    keys.tab()
    assert len(keys.unseen) == 2
    page.close()
