"""
Certificates of attendance in Chromium at a phone's and a desktop's width:
the attendee's page at the link in their e-mail and its download, the page
for someone not recorded as attending, and the public check, used from the
keyboard alone, for a genuine code and a wrong one. axe-core checks each
page; nothing scrolls sideways; the screenshots (and the PDF, drawn as a
picture where poppler's pdftoppm is installed) are kept in
tests/browser/screenshots to look at.
"""

import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from events.booking.attendance import mark_attended
from events.booking.certificates import display_code
from events.booking.links import certificate_token
from events.models import Booking, BookingFormPage, Certificate, EventPage
from tests.browser.conftest import DESKTOP, PHONE, assert_no_accessibility_violations
from tests.browser.test_manage_booking import assert_fits, look
from tests.events.factories import make_booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Zoë O’Brien"
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(autouse=True)
def _checks_allowed(settings):
    # The live server runs in this process, so it reads this too.
    settings.BOOKING_RATE_LIMIT_ATTEMPTS = 100


@pytest.fixture
def past_workshop(site):
    """The demo's example workshop, held three days ago."""
    workshop = EventPage.objects.get(slug="example-workshop")
    workshop.date = timezone.localdate() - timedelta(days=3)
    workshop.save_revision().publish()
    return workshop


@pytest.fixture
def bookings(past_workshop):
    """Zoë, marked attended; Sam, who had a place and was not."""
    form_page = BookingFormPage.objects.child_of(past_workshop).get()
    zoe = make_booking(
        form_page,
        name=NAME,
        job_title="Clinical Nurse Specialist",
        organisation="Betsi Cadwaladr University Health Board",
    )
    mark_attended(past_workshop, zoe.pk, True)
    sam = make_booking(form_page, name="Sam Absent")
    return Booking.objects.get(pk=zoe.pk), sam


def certificate_path(booking):
    return reverse("booking_certificate", args=[certificate_token(booking)])


def draw_first_page(pdf_path):
    """The PDF's first page as a PNG beside it, to look at, where poppler's pdftoppm is installed."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        subprocess.run(  # noqa: S603 (our own file, a fixed program)
            [pdftoppm, "-png", "-r", "80", "-singlefile", str(pdf_path), str(pdf_path.with_suffix(""))], check=True
        )


@pytest.mark.parametrize("size", SIZES)
def test_an_attendee_opens_their_certificate_and_downloads_it(browser, site, bookings, size, screenshots_dir):
    zoe, sam = bookings
    page = browser.new_page(viewport=SIZES[size], accept_downloads=True)

    page.goto(site + certificate_path(zoe))

    expect(page.locator("h1")).to_contain_text("Your certificate of attendance")
    code = display_code(Certificate.objects.get(booking=zoe).code)
    expect(page.locator(".certificate-details")).to_contain_text(NAME)
    expect(page.locator(".certificate-details")).to_contain_text(code)
    assert_fits(page, SIZES[size]["width"])
    look(page, screenshots_dir, f"certificate-page-{size}")

    button = page.get_by_role("button", name="Download your certificate (PDF,")
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.endswith(f"-{code}.pdf")
    pdf_path = screenshots_dir / f"certificate-{size}.pdf"
    download.value.save_as(pdf_path)
    assert NAME in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages[0].extract_text()
    draw_first_page(pdf_path)

    page.goto(site + certificate_path(sam))
    expect(page.locator("h1")).to_have_text("There is no certificate of attendance for this booking")
    assert_fits(page, SIZES[size]["width"])
    look(page, screenshots_dir, f"certificate-none-{size}")
    page.close()


def tab_to(page, label, presses=40):
    """Press Tab until the field labelled `label` has the focus, as someone using a keyboard does."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.labels?.[0]?.textContent.trim() ?? ''") == label:
            return
    pytest.fail(f"Tab never reached {label!r}")


@pytest.mark.parametrize("size", SIZES)
def test_someone_checks_a_certificate_with_the_keyboard(browser, site, bookings, size, screenshots_dir):
    zoe, _ = bookings
    page = browser.new_page(viewport=SIZES[size])
    page.goto(site + certificate_path(zoe))  # the certificate is made when its holder first opens it
    code = Certificate.objects.get(booking=zoe).code

    page.goto(site + reverse("certificate_lookup"))
    expect(page.locator("h1")).to_have_text("Check a certificate of attendance")
    assert_fits(page, SIZES[size]["width"])
    look(page, screenshots_dir, f"certificate-check-{size}")

    # As typed from the paper: small letters, a space, O for zero.
    tab_to(page, "Verification code")
    page.keyboard.type(f"{code[:5]} {code[5:]}".lower().replace("0", "o"))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("This certificate is genuine")
    expect(page.locator(".certificate-check-details")).to_contain_text(NAME)
    assert "Clinical Nurse Specialist" not in page.locator("main").inner_text()
    assert_fits(page, SIZES[size]["width"])
    look(page, screenshots_dir, f"certificate-genuine-{size}")

    page.goto(site + reverse("certificate_lookup"))
    tab_to(page, "Verification code")
    page.keyboard.type("7KQ2M-XW4HD")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("We have no certificate with this code")
    expect(page.get_by_label("Verification code")).to_have_value("7KQ2M-XW4HD")
    assert_fits(page, SIZES[size]["width"])
    look(page, screenshots_dir, f"certificate-not-found-{size}")
    page.close()


def test_a_booking_administrator_finds_a_certificate_to_send_again(log_in, site, bookings, screenshots_dir):
    zoe, _ = bookings
    page = log_in("Booking administrators")

    page.goto(site + reverse("events_booking_modeladmin_inspect", args=[zoe.pk]))
    expect(page.locator("main")).to_contain_text("Not made yet")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    code = display_code(Certificate.objects.get(booking=zoe).code)
    assert download.value.suggested_filename.endswith(f"-{code}.pdf")

    page.reload()
    line = page.get_by_text(f"{code}, made on")
    expect(line).to_be_visible()
    # The admin scrolls inside its own frame: bring the line into the picture.
    line.scroll_into_view_if_needed()
    page.screenshot(path=screenshots_dir / "admin-booking-certificate.png")
    assert_no_accessibility_violations(page)
    page.close()
