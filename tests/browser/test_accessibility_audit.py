"""
The accessibility audit: every public page type, in every state a visitor
can meet, at a desktop's width and a phone's, in Chromium.

- axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules find nothing;
- the page's language is en-GB, it has one h1 and no skipped heading level,
  a main landmark, a banner and a footer, no duplicate ids, and its title
  follows "Page - Section - Collaborative";
- links say where they go out of context, tables have header cells, images
  have alt text (empty when decorative);
- the booking form sent empty moves focus to its error summary, whose every
  error links to its question;
- at 320 px and 640 px wide (a 1280 px screen zoomed to 400% and 200%)
  nothing scrolls sideways (WCAG 1.4.10 reflow, 1.4.4 resize text).

Every problem is printed with the page, the width and the element, then the
test fails listing them all.
"""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from events.booking.emails import cancel_token
from events.models import BookingFormPage, BookingStatus, EventPage, EventStatus, NewsAndEventsIndexPage, NewsPage
from events.views import CONFIRMATION_SALT
from reports.models import ReportPage
from tests.browser.conftest import AXE_SCRIPT, DESKTOP, PHONE, WCAG_22_AA, wait_for_nhsuk_components
from tests.events.factories import add_booking_form, add_event, make_booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLLABORATIVE = "National Mental Health Workforce Development Collaborative"
# Reflow (WCAG 1.4.10): 320 CSS pixels is a 1280 px screen zoomed to 400%;
# 640 is the same screen at 200%, where text must still be all there (1.4.4).
REFLOW_WIDTHS = (320, 640)

# What the page says about itself, read in the browser.
SEMANTICS_SCRIPT = """() => {
    const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
        .filter(h => !h.closest('[hidden], template, wagtail-userbar'))
        .map(h => ({level: Number(h.tagName[1]), text: h.textContent.trim().slice(0, 60)}));
    const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
    return {
        lang: document.documentElement.lang,
        title: document.title,
        headings,
        duplicateIds: [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))],
        main: document.querySelectorAll('main').length,
        vagueLinks: [...document.querySelectorAll('a[href]')]
            .map(a => (a.getAttribute('aria-label') || a.textContent).replace(/\\s+/g, ' ').trim())
            .filter(text => /^(click here|here|read more|more|link|this page|find out more)$/i.test(text)),
        tablesWithoutHeaders: [...document.querySelectorAll('main table')]
            .filter(table => !table.querySelector('th')).length,
        imagesWithoutAlt: [...document.querySelectorAll('img:not([alt])')].map(img => img.src),
        banner: document.querySelectorAll('header').length > 0,
        footer: document.querySelectorAll('footer').length > 0,
    };
}"""


def workshop(slug, title, **fields):
    event = add_event(
        NewsAndEventsIndexPage.objects.get(),
        slug,
        timezone.localdate() + timedelta(days=40),
        title=title,
        **fields,
    )
    event.save_revision().publish()
    return event


def every_page_and_state():
    """(name, path) for each page type and state a visitor can meet."""
    scheduled = EventPage.objects.get(slug="example-workshop")
    cancelled = workshop(
        "cancelled-workshop",
        "Cancelled workshop",
        status=EventStatus.CANCELLED,
        status_message="The venue is closed for repairs. We will set a new date.",
    )
    moved = workshop(
        "moved-online-workshop",
        "Workshop moved online",
        status=EventStatus.MOVED_ONLINE,
        status_message="This workshop will now be held by videoconference.",
    )
    full = workshop("fully-booked-workshop", "Fully booked workshop", capacity=1)
    full_form = add_booking_form(full)

    taken = make_booking(
        full_form,
        BookingStatus.CONFIRMED,
        name="Sam Patel",
        job_title="Director of Workforce",
        organisation="Mersey Care NHS Foundation Trust",
    )
    make_booking(full_form, BookingStatus.WAITING, name="Jo Smith")
    past_year = EventPage.objects.live().filter(date__lt=timezone.localdate()).order_by("-date").first().date.year

    def confirmation(form_page):
        return reverse("booking_confirmation", args=[signing.dumps({"p": form_page.pk}, salt=CONFIRMATION_SALT)])

    return [
        ("home", "/"),
        ("standard page", "/about/"),
        ("accessibility statement", "/accessibility-statement/"),
        ("news and events", "/news-and-events/"),
        ("news and events: past", "/news-and-events/?show=past"),
        ("news and events: news", "/news-and-events/?show=news"),
        ("news and events: past, one year", f"/news-and-events/?show=past&year={past_year}"),
        ("news and events: nothing matches", f"/news-and-events/?show=upcoming&year={past_year}"),
        ("news page", NewsPage.objects.live().first().url),
        ("workshop: scheduled", scheduled.url),
        ("workshop: cancelled", cancelled.url),
        ("workshop: moved online", moved.url),
        ("workshop: fully booked", full.url),
        ("booking form", scheduled.url + "book/"),
        ("booking form: waiting list", full_form.url),
        # The same page whatever happened (events/views.py), for a workshop with places and a full one.
        ("booking request received", confirmation(BookingFormPage.objects.child_of(scheduled).get())),
        ("booking request received: waiting list", confirmation(full_form)),
        ("cancel a place", reverse("booking_cancel", args=[cancel_token(taken)])),
        ("reports", "/reports/"),
        ("report", ReportPage.objects.live().first().url),
        ("search: results", "/search/?q=workforce"),
        ("search: no results", "/search/?q=zzzzqqq"),
        ("search: empty", "/search/"),
        ("page not found", "/no-such-page/"),
    ]


def problems_on(page, name, width):
    """Everything wrong with the page open in the browser, each as one line."""
    where = f"{name} at {width}px"
    found = []
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
    for violation in results["violations"]:
        for node in violation["nodes"]:
            found.append(
                f"{where}: axe {violation['id']} ({violation['impact']}) {violation['help']} at {node['target']}"
            )

    facts = page.evaluate(SEMANTICS_SCRIPT)
    if facts["lang"] != "en-GB":
        found.append(f"{where}: lang is {facts['lang']!r}, not 'en-GB'")
    levels = [heading["level"] for heading in facts["headings"]]
    if levels.count(1) != 1:
        found.append(f"{where}: {levels.count(1)} h1 headings, not one")
    for before, after, heading in zip(levels, levels[1:], facts["headings"][1:], strict=False):
        if after > before + 1:
            found.append(f"{where}: heading level skipped, h{before} then h{after} ({heading['text']!r})")
    if facts["duplicateIds"]:
        found.append(f"{where}: duplicate ids {facts['duplicateIds']}")
    if facts["vagueLinks"]:
        found.append(f"{where}: links that say nothing out of context: {facts['vagueLinks']}")
    if facts["tablesWithoutHeaders"]:
        found.append(f"{where}: {facts['tablesWithoutHeaders']} table(s) without header cells")
    if facts["imagesWithoutAlt"]:
        found.append(f"{where}: images without alt text (decorative ones need alt=''): {facts['imagesWithoutAlt']}")
    if facts["main"] != 1 or not facts["banner"] or not facts["footer"]:
        found.append(f"{where}: landmarks: {facts['main']} main, banner {facts['banner']}, footer {facts['footer']}")
    if not facts["title"].endswith(COLLABORATIVE):
        found.append(f"{where}: title {facts['title']!r} does not end with the Collaborative's name")
    return found, facts["title"]


def reflow_problems(page, name):
    """
    Zoom the desktop page in to each reflow width (the window narrows, as it
    does when a person zooms) and report any sideways scrolling; then zoom back.
    """
    found = []
    for width in REFLOW_WIDTHS:
        page.set_viewport_size({"width": width, "height": 640})
        # The NHS.UK header rearranges its menu in the animation frame after a resize.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            found.append(f"{name} at {width}px: scrolls sideways by {overflow}px")
    page.set_viewport_size(DESKTOP)
    return found


def test_every_page_and_state_passes_the_audit(browser, site, settings, screenshots_dir):
    settings.BOOKING_MIN_FILL_SECONDS = 0
    pages = every_page_and_state()
    problems = []
    titles = {}
    for viewport in (DESKTOP, PHONE):
        page = browser.new_page(viewport=viewport)
        for name, path in pages:
            response = page.goto(site + path)
            expected = 404 if name == "page not found" else 200
            assert response.status == expected, f"{name}: {path} answered {response.status}"
            wait_for_nhsuk_components(page)
            found, title = problems_on(page, name, viewport["width"])
            problems += found
            titles.setdefault(title, set()).add(name)
            if viewport == DESKTOP:
                problems += reflow_problems(page, name)
        # The booking form sent empty: the error summary, as the visitor sees it.
        page.goto(site + dict(pages)["booking form"])
        page.click("main button[type=submit]")
        page.wait_for_selector(".nhsuk-error-summary")
        expect(page.locator(".nhsuk-error-summary")).to_be_focused()
        # Each error in the summary links to the question it is about.
        assert page.locator(".nhsuk-error-summary a").count() >= 5
        unlinked = page.evaluate(
            """() => [...document.querySelectorAll('.nhsuk-error-summary a')]
                .filter(link => {
                    const target = document.querySelector(link.getAttribute('href'));
                    return !target || !target.matches('input, textarea, select');
                })
                .map(link => link.textContent.trim())"""
        )
        problems += [f"booking form with errors: {text!r} does not lead to its question" for text in unlinked]
        problems += problems_on(page, "booking form: with errors", viewport["width"])[0]
        page.screenshot(path=screenshots_dir / f"audit-booking-errors-{viewport['width']}.png", full_page=True)
        page.close()

    # Each page has its own title (the booking pages of one workshop share theirs with its states).
    shared = {title: names for title, names in titles.items() if len(names) > 1}
    problems += [f"title {title!r} shared by {sorted(names)}" for title, names in shared.items()]

    for problem in problems:
        print(problem)
    assert problems == [], f"{len(problems)} accessibility problems:\n" + "\n".join(problems)
