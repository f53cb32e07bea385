"""
The screens docs/editor-guide.md shows, taken from the real admin as each
role sees it. Every run checks that each screen opens and says what the
guide says; `make guide-screenshots` (UPDATE_EDITOR_GUIDE=1) also writes the
pictures into docs/editor-guide/, so the guide stays current.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest

from events.models import BookingFormPage, BookingStatus, EventPage, NewsAndEventsIndexPage
from reports.models import ReportIndexPage
from tests.events.factories import make_booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GUIDE_DIR = Path(__file__).resolve().parents[2] / "docs" / "editor-guide"
# The size of the guide's pictures.
GUIDE_SCREEN = {"width": 1280, "height": 800}


@pytest.fixture
def shots(screenshots_dir):
    """Where the pictures go: the guide's folder when updating it, else the tests' own."""
    if os.environ.get("UPDATE_EDITOR_GUIDE"):
        GUIDE_DIR.mkdir(parents=True, exist_ok=True)
        return GUIDE_DIR
    return screenshots_dir


def screen(page, shots, name, url, expect):
    """
    Open a screen (or take the one open, for url None), check it shows what
    the guide says, and picture the part the guide is about.
    """
    if url is not None:
        page.goto(url)
    # Not the editor's minimap, which repeats each heading beyond the screen's edge: scrolled to,
    # it would pull the whole form sideways.
    part = (
        page.locator("main")
        .get_by_text(expect, exact=False)
        .and_(page.locator(":not(.w-minimap *)"))
        .filter(visible=True)
    ).first
    part.wait_for()
    part.scroll_into_view_if_needed()
    page.screenshot(path=shots / f"{name}.png")


def test_the_screens_of_the_editor_guide(site, log_in, shots):
    events = NewsAndEventsIndexPage.objects.get()
    reports = ReportIndexPage.objects.get()
    workshop = EventPage.objects.get(slug="example-workshop")
    form_page = BookingFormPage.objects.child_of(workshop).get()
    for number, status in enumerate([BookingStatus.CONFIRMED, BookingStatus.CONFIRMED, BookingStatus.WAITING]):
        make_booking(
            form_page,
            status,
            name=["Ada Lovelace", "Grace Hopper", "Mary Seacole"][number],
            email=f"person{number}@example.nhs.uk",
            submitted_ago=timedelta(hours=number + 1),
        )

    editor = log_in("Editors", viewport=GUIDE_SCREEN)
    screen(editor, shots, "1-news-item", site + f"/admin/pages/add/events/newspage/{events.pk}/", "News date")
    screen(editor, shots, "2-venue", site + "/admin/snippets/events/venue/add/", "Travel directions")
    screen(editor, shots, "3-workshop", site + f"/admin/pages/add/events/eventpage/{events.pk}/", "Date and time")
    screen(editor, shots, "4-booking-form", site + f"/admin/pages/{form_page.pk}/edit/", "Extra questions")
    screen(editor, shots, "5-report", site + f"/admin/pages/add/reports/reportpage/{reports.pk}/", "Documents")
    screen(editor, shots, "6-documents", site + "/admin/documents/add/", "Maximum filesize")
    screen(editor, shots, "7-workshop-status", site + f"/admin/pages/{workshop.pk}/edit/", "Changes and cancellations")
    # The example workshop is held in person and online: its places of each kind and the share per organisation.
    screen(
        editor,
        shots,
        "15-hybrid-workshop",
        site + f"/admin/pages/{workshop.pk}/edit/",
        "At most this many places per organisation",
    )
    screen(editor, shots, "16-organisations", site + "/admin/snippets/events/organisation/", "Health Education England")
    editor.close()

    bookings = log_in("Booking administrators", viewport=GUIDE_SCREEN)
    screen(bookings, shots, "8-dashboard", site + "/admin/", "Upcoming workshops: places booked")
    screen(bookings, shots, "9-bookings", site + "/admin/events/booking/", "Download XLSX")
    screen(bookings, shots, "10-notify", site + f"/admin/bookings/workshop/{workshop.pk}/notify/", "Send the update")
    screen(
        bookings,
        shots,
        "12-workshop-bookings",
        site + f"/admin/forms/submissions/{form_page.pk}/",
        "Cancelled bookings are left out",
    )
    # The address is searched by POST (never in the page's address): fill in the form as a person would.
    bookings.goto(site + "/admin/bookings/erase/")
    bookings.get_by_label("E-mail address").fill("person0@example.nhs.uk")
    bookings.get_by_role("button", name="Find bookings").click()
    screen(bookings, shots, "11-erase", None, "Erase this booking")
    bookings.close()


# The size of a phone held at the door.
GUIDE_PHONE = {"width": 375, "height": 812}


def test_the_check_in_screens_of_the_editor_guide(site, log_in, shots):
    from django.utils import timezone

    from events.models import AttendanceMode, PlaceKind
    from tests.events.test_attendance_report import ZOOM_PARTICIPANTS_HEADER, ZOOM_PARTICIPANTS_ROWS, zoom_csv

    # The example workshop as a hybrid one, on its day.
    workshop = EventPage.objects.get(slug="example-workshop")
    workshop.date = timezone.localdate()
    workshop.attendance_mode = AttendanceMode.HYBRID
    workshop.online_capacity = 30
    workshop.save_revision().publish()
    form_page = BookingFormPage.objects.child_of(workshop).get()
    people = [
        ("Ada Lovelace", "Oxford Health NHS Foundation Trust", PlaceKind.IN_PERSON, True),
        ("Grace Hopper", "Mersey Care NHS Foundation Trust", PlaceKind.IN_PERSON, True),
        ("Mary Seacole", "South London and Maudsley NHS Foundation Trust", PlaceKind.IN_PERSON, False),
        ("Florence Nightingale", "Tavistock and Portman NHS Foundation Trust", PlaceKind.IN_PERSON, False),
        ("Priya Raman", "Tavistock and Portman NHS Foundation Trust", PlaceKind.ONLINE, False),
        ("Tom Whitfield", "Oxford Health NHS Foundation Trust", PlaceKind.ONLINE, False),
    ]
    for name, organisation, kind, arrived in people:
        make_booking(
            form_page,
            name=name,
            organisation=organisation,
            attends=kind,
            attended_at=timezone.now() if arrived else None,
        )

    door = log_in("Booking administrators", viewport=GUIDE_PHONE)
    screen(door, shots, "13-check-in", site + f"/admin/bookings/workshop/{workshop.pk}/check-in/", "2 of 4 arrived")
    door.close()

    bookings = log_in("Booking administrators", viewport=GUIDE_SCREEN)
    bookings.goto(site + f"/admin/bookings/workshop/{workshop.pk}/attendance-report/")
    bookings.get_by_label("Attendance report").set_input_files(
        {
            "name": "participants.csv",
            "mimeType": "text/csv",
            "buffer": zoom_csv(ZOOM_PARTICIPANTS_HEADER, *ZOOM_PARTICIPANTS_ROWS),
        }
    )
    bookings.get_by_role("button", name="Upload and mark attendance").click()
    screen(bookings, shots, "14-attendance-upload", None, "They may have joined with a different address")
    bookings.close()


def test_the_after_the_workshop_screens_of_the_editor_guide(site, log_in, shots):
    """What follows a workshop, on make run's past example workshop (events/example_past_workshop.py)."""
    from events.models import Booking, FeedbackFormPage

    past = EventPage.objects.get(slug="past-example-workshop")
    form_page = BookingFormPage.objects.child_of(past).get()
    feedback_form = FeedbackFormPage.objects.child_of(past).get()
    with_certificate = Booking.objects.get(event=past, certificate__isnull=False)

    editor = log_in("Editors", viewport=GUIDE_SCREEN)
    screen(editor, shots, "17-from-the-workshop", site + f"/admin/pages/{past.pk}/edit/", "Presented by")
    screen(editor, shots, "18-feedback-form", site + f"/admin/pages/{feedback_form.pk}/edit/", "Extra questions")
    editor.close()

    bookings = log_in("Booking administrators", viewport=GUIDE_SCREEN)
    screen(bookings, shots, "19-follow-up", site + f"/admin/forms/submissions/{form_page.pk}/", "Send now")
    screen(bookings, shots, "20-feedback-summary", site + f"/admin/bookings/workshop/{past.pk}/feedback/", "Overall")
    screen(
        bookings,
        shots,
        "21-certificate",
        site + f"/admin/events/booking/inspect/{with_certificate.pk}/",
        "Download the PDF",
    )
    bookings.close()

    moderator = log_in("Moderators", viewport=GUIDE_SCREEN)
    screen(moderator, shots, "22-achievements", site + "/admin/achievements/", "By year")
    moderator.close()
