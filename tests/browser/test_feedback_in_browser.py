"""
Feedback after a workshop, in Chromium at a phone's and a desktop's width:
an attendee opens their own link and fills in the form with the keyboard
alone (the two ratings, what they wrote, the editor's question, their name
revealed by its box), sees the thank-you page; a Booking administrator
reads the summary. axe-core checks each page; the screenshots are kept in
tests/browser/screenshots to look at.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from events.booking.attendance import mark_attended
from events.booking.links import feedback_token
from events.models import FeedbackResponse, NewsAndEventsIndexPage
from tests.browser.conftest import DESKTOP, PHONE, assert_no_accessibility_violations, wait_for_nhsuk_components
from tests.browser.test_manage_booking import assert_fits
from tests.events.factories import add_booking_form, add_event, add_feedback_form, make_booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _feedback_settings(settings):
    # The live server runs in this process, so it reads this too.
    settings.BOOKING_RATE_LIMIT_ATTEMPTS = 100


@pytest.fixture
def held_workshop(site):
    """Last week's workshop with its feedback form (and a question of the editor's own): three attended."""
    event = add_event(
        NewsAndEventsIndexPage.objects.get(),
        "leadership-forum",
        timezone.localdate() - timedelta(days=7),
        title="Workforce leadership forum",
    )
    booking_form = add_booking_form(event)
    add_feedback_form(
        event,
        questions=[{"label": "Which session helped most", "field_type": "radio", "choices": "Morning\nAfternoon"}],
        introduction="Your answers shape next year's programme.",
        thank_you_text="<p>The slides are on the forum's page.</p>",
    )
    people = [make_booking(booking_form, name=name) for name in ("Ada Lovelace", "Grace Hopper", "Mary Seacole")]
    for booking in people:
        assert mark_attended(event, booking.pk, True)
    return event, people


def press_until_focused(page, selector, limit=60):
    """Tab through the page until `selector` has the focus, as a keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def look(page, screenshots_dir, name):
    page.screenshot(path=screenshots_dir / f"{name}.png", full_page=True)
    assert_no_accessibility_violations(page)


@pytest.mark.parametrize(("viewport", "size"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_an_attendee_gives_feedback_with_the_keyboard(browser, site, held_workshop, screenshots_dir, viewport, size):
    event, (ada, *_) = held_workshop
    page = browser.new_page(viewport=viewport)
    page.goto(site + reverse("booking_feedback", args=[feedback_token(ada)]))
    wait_for_nhsuk_components(page)
    assert_fits(page, viewport["width"])
    look(page, screenshots_dir, f"feedback-form-{size}")

    # A rating group: Tab into it, Space chooses the first, the arrows move along.
    press_until_focused(page, "input[name=overall_rating]")
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label("4", exact=True).first).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowUp")  # round from 1 to 5 (very useful)
    expect(page.get_by_label("5 (very useful)")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("The planning exercise, done in pairs.")
    page.keyboard.press("Tab")
    page.keyboard.type("More time for questions.")
    page.keyboard.press("Tab")
    page.keyboard.type("Retaining newly qualified nurses.")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.get_by_label("Morning")).to_be_checked()
    # The name's box opens only once its box is ticked.
    name_box = page.get_by_label("Your name")
    expect(name_box).to_be_hidden()
    press_until_focused(page, "input[name=give_name]")
    page.keyboard.press("Space")
    expect(name_box).to_be_visible()
    expect(name_box).to_have_value("")
    page.keyboard.press("Tab")
    page.keyboard.type("Ada Lovelace")
    assert_fits(page, viewport["width"])
    look(page, screenshots_dir, f"feedback-form-filled-{size}")
    press_until_focused(page, "button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your feedback")
    expect(page.locator("main")).to_contain_text("The slides are on the forum's page.")
    assert "/bookings/feedback/thanks/" in page.url and feedback_token(ada) not in page.url
    assert_fits(page, viewport["width"])
    look(page, screenshots_dir, f"feedback-thanks-{size}")
    response = FeedbackResponse.objects.get(event=event)
    assert (response.overall_rating, response.usefulness_rating, response.name) == (4, 5, "Ada Lovelace")
    assert response.answers == {"which_session_helped_most": "Morning"}
    page.close()


def test_a_form_sent_without_its_ratings_points_to_them(browser, site, held_workshop, screenshots_dir):
    event, (ada, *_) = held_workshop
    page = browser.new_page(viewport=PHONE)
    page.goto(site + reverse("booking_feedback", args=[feedback_token(ada)]))
    wait_for_nhsuk_components(page)
    page.get_by_role("button", name="Send feedback").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose a rating from 1 to 5 for the workshop overall")
    look(page, screenshots_dir, "feedback-form-errors-phone")
    page.get_by_role("link", name="Choose a rating from 1 to 5 for the workshop overall").click()
    expect(page.locator("#id_overall_rating_0")).to_be_focused()
    assert not FeedbackResponse.objects.filter(event=event).exists()
    page.close()


def test_a_booking_administrator_reads_the_summary(log_in, site, held_workshop, screenshots_dir):
    event, people = held_workshop
    for overall, useful, name in ((5, 4, ""), (4, 4, "Grace Hopper"), (3, 5, "")):
        FeedbackResponse.objects.create(
            event=event,
            overall_rating=overall,
            usefulness_rating=useful,
            what_worked="Hearing how other trusts plan.",
            answers={"which_session_helped_most": "Morning"},
            name=name,
        )
    page = log_in("Booking administrators")
    page.goto(site + reverse("events_feedback_summary", args=[event.pk]))

    expect(page.locator(".feedback-summary__count")).to_have_text("3 responses from 3 people who attended (100%)")
    expect(page.get_by_role("img", name="Overall rating, responses for each rating.", exact=False)).to_be_visible()
    assert_no_accessibility_violations(page)
    # The admin scrolls inside its own frame, which a full-page picture does not follow: a tall window shows it all.
    page.set_viewport_size({"width": DESKTOP["width"], "height": page.evaluate("document.body.scrollHeight") + 1600})
    page.screenshot(path=screenshots_dir / "admin-feedback-summary.png")
