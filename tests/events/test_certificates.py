"""
Certificates of attendance: the learning time they state, their codes, the
PDF read back as a reader (and a screen reader) finds it, the attendee's page
and download, the public check and what it must not reveal, and each way a
certificate must stop existing: attendance undone, personal data erased by
request or by the retention purge. Each attack is written as it would be tried.
"""

import io
import re
import threading
from datetime import time, timedelta

import pytest
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pypdf.generic import ContentStream

from events.booking import certificates
from events.booking.attendance import mark_attended
from events.booking.certificates import (
    SCALES,
    certificate_for,
    certificate_pdf,
    describe_learning_time,
    display_code,
    is_break,
    learning_time,
    new_code,
    normalise_code,
    verification_url,
)
from events.booking.emails import cancel_token
from events.booking.links import certificate_token, feedback_token
from events.booking.privacy import erase_personal_data
from events.booking.rules import cancel_booking
from events.formatting import format_date
from events.models import AttendanceMode, Booking, BookingStatus, Certificate, Contact, EventPage, PlaceKind
from events.tasks import purge_booking_personal_data_task
from tests.conftest import html, make_user
from tests.events.factories import add_booking_form, add_event, make_booking

pytestmark = pytest.mark.django_db

NAME = "Zoë O’Brien"
JOB_TITLE = "Clinical Nurse Specialist"
ORGANISATION = "Betsi Cadwaladr University Health Board"
EMAIL = "zoe.obrien@example.nhs.uk"
TITLE = "Workforce planning for mental health services"


def session(at, title):
    return {"time": at, "title": title, "speakers": [], "to_be_confirmed": False, "description": ""}


def agenda(*sessions, heading="The day"):
    return [{"type": "part", "value": {"heading": heading, "sessions": [session(*each) for each in sessions]}}]


# A day of 4 hours 30 minutes of learning between 10am and 4pm.
A_DAY = agenda(
    ("10:00", "Registration and coffee"),
    ("10:30", "Welcome and introductions"),
    ("11:15", "Workforce planning in practice"),
    ("12:30", "Lunch"),
    ("13:15", "Workshop: your trust's plan"),
    ("14:45", "Tea break"),
    ("15:00", "Panel and questions"),
)


@pytest.fixture
def contact(db):
    return Contact.objects.create(name="Joanna Daci", role="Programme Operations Manager", email="events@example.org")


@pytest.fixture
def workshop(index, venue, today, contact):
    """A workshop held in person three days ago, from 10am to 4pm."""
    return add_event(
        index,
        "planning-workshop",
        today - timedelta(days=3),
        venue=venue,
        title=TITLE,
        start_time=time(10),
        end_time=time(16),
        agenda=A_DAY,
        booking_contact=contact,
    )


@pytest.fixture
def form_page(workshop):
    return add_booking_form(workshop)


@pytest.fixture
def zoe(workshop, form_page):
    """Zoë, marked attended at the door."""
    booking = make_booking(form_page, name=NAME, email=EMAIL, job_title=JOB_TITLE, organisation=ORGANISATION)
    assert mark_attended(workshop, booking.pk, True)
    return Booking.objects.get(pk=booking.pk)


@pytest.fixture
def absent(form_page):
    """Someone with a place who was not marked attended."""
    return make_booking(form_page, name="Sam Absent", job_title="Ward Manager")


def certificate_page_url(booking):
    return reverse("booking_certificate", args=[certificate_token(booking)])


def certificate_pdf_url(booking):
    return reverse("booking_certificate_pdf", args=[certificate_token(booking)])


def check_url(code):
    return reverse("certificate_verify", args=[code])


def visible_text(response):
    return " ".join(html(response).main.get_text(" ").split())


def read_pdf(content):
    return PdfReader(io.BytesIO(content))


def pdf_text(content):
    return " ".join(" ".join(page.extract_text().split()) for page in read_pdf(content).pages)


# Learning time ------------------------------------------------------------------------


def event_with(agenda_parts=(), start=time(10), end=time(16), **fields):
    """A workshop's times and agenda, unsaved: all learning_time reads."""
    return EventPage(
        title="A workshop",
        date=timezone.localdate(),
        start_time=start,
        end_time=end,
        agenda=list(agenda_parts),
        **fields,
    )


def test_learning_time_runs_from_the_first_session_to_the_end_less_the_breaks(db):
    # 10:30-12:30, 13:15-14:45 and 15:00-16:00: registration, lunch and tea are not learning.
    assert learning_time(event_with(A_DAY)) == timedelta(hours=4, minutes=30)


def test_learning_time_is_rounded_down_to_the_quarter_hour(db):
    assert learning_time(event_with(A_DAY, end=time(15, 59))) == timedelta(hours=4, minutes=15)


def test_without_times_in_the_agenda_the_workshops_own_times_count(db):
    untimed = agenda((None, "Welcome"), (None, "Lunch"), (None, "Workshop"))
    assert learning_time(event_with(untimed, start=time(10, 30), end=time(12, 45))) == timedelta(hours=2, minutes=15)
    assert learning_time(event_with(start=time(10, 30), end=time(12, 45))) == timedelta(hours=2, minutes=15)


def test_without_an_end_time_no_learning_time_is_invented(db):
    assert learning_time(event_with(A_DAY, end=None)) is None
    assert learning_time(event_with(end=None)) is None
    assert learning_time(event_with(start=None, end=None, date_shows_month_only=True)) is None


def test_a_session_without_a_time_belongs_to_the_timed_session_before_it(db):
    parts = agenda(("10:00", "Welcome"), (None, "Lunch"), ("13:00", "Workshop"))
    # "Lunch" has no time of its own: the morning runs on until 1pm as far as anyone can tell.
    assert learning_time(event_with(parts, end=time(14))) == timedelta(hours=4)


def test_sessions_are_taken_in_time_order_across_parts_and_none_counts_past_the_end(db):
    parts = [
        *agenda(("13:00", "Afternoon workshop"), ("16:30", "Drinks reception"), heading="Afternoon"),
        *agenda(("10:00", "Morning talk"), ("12:00", "Lunch"), heading="Morning"),
    ]
    # 10-12 and 1-4pm; the reception after the workshop's end counts nothing.
    assert learning_time(event_with(parts, end=time(16))) == timedelta(hours=5)


def test_a_workshop_of_breaks_only_has_no_learning_time(db):
    assert learning_time(event_with(agenda(("10:00", "Coffee")), end=time(10, 30))) is None


@pytest.mark.parametrize(
    "title",
    [
        "Lunch",
        "LUNCH",
        "Coffee break",
        "Tea and coffee",
        "Comfort break",
        "Arrival, registration and refreshments",
        "Lunch and networking",
        "Registration",
        "Short break",
    ],
)
def test_these_sessions_are_breaks(title):
    assert is_break(title)


@pytest.mark.parametrize(
    "title",
    [
        "Lunch and learn: digital tools for rotas",
        "Breaking down barriers between teams",
        "Team formulation",
        "Networking",
        "Welcome and introductions",
        "Registration of nursing associates: what changes",
    ],
)
def test_these_sessions_are_learning(title):
    assert not is_break(title)


@pytest.mark.parametrize(
    "minutes, words",
    [(270, "4 hours 30 minutes"), (60, "1 hour"), (45, "45 minutes"), (135, "2 hours 15 minutes"), (120, "2 hours")],
)
def test_learning_time_reads_as_cpd_records_state_it(minutes, words):
    assert describe_learning_time(timedelta(minutes=minutes)) == words


# Codes -----------------------------------------------------------------------------------


def test_codes_are_ten_unambiguous_characters_drawn_at_random():
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(code) == 10 and set(code) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for code in codes)


@pytest.mark.parametrize(
    "typed",
    ["7KQ2M-XW4HD", "7kq2m-xw4hd", " 7KQ2M XW4HD ", "7KQ2MXW4HD", "7KQ2M\u2013XW4HD", "7kq2m - xw4hd"],
)
def test_a_code_is_understood_however_it_is_typed(typed):
    assert normalise_code(typed) == "7KQ2MXW4HD"
    assert display_code(normalise_code(typed)) == "7KQ2M-XW4HD"


def test_letters_read_as_digits_are_read_as_crockford_says():
    # O is zero; I and L are one.
    assert normalise_code("ABCDO-EFGIL") == "ABCD0EFG11"


@pytest.mark.parametrize("typed", ["", None, "7KQ2M-XW4H", "7KQ2M-XW4HDD", "7KQ2M-XW4HU", "7KQ2M/XW4HD", "<script>"])
def test_a_code_of_the_wrong_shape_is_no_code(typed):
    assert normalise_code(typed) is None


# Who has a certificate --------------------------------------------------------------------


def test_a_certificate_is_made_once_for_someone_marked_attended(zoe):
    first = certificate_for(zoe)
    again = certificate_for(Booking.objects.get(pk=zoe.pk))

    assert first == again
    assert Certificate.objects.filter(booking=zoe).count() == 1
    assert normalise_code(first.code) == first.code


def test_nobody_else_gets_a_certificate(absent, form_page, workshop):
    waiting = make_booking(form_page, BookingStatus.WAITING)
    erased = make_booking(form_page)
    mark_attended(workshop, erased.pk, True)
    erase_personal_data([Booking.objects.get(pk=erased.pk)])

    for booking in (absent, waiting, Booking.objects.get(pk=erased.pk)):
        assert certificate_for(booking) is None
    assert not Certificate.objects.exists()


def test_a_code_already_taken_is_drawn_again(zoe, absent, workshop, monkeypatch):
    mark_attended(workshop, absent.pk, True)
    taken = certificate_for(Booking.objects.get(pk=absent.pk)).code
    draws = iter([taken, "7KQ2MXW4HD"])
    monkeypatch.setattr(certificates, "new_code", lambda: next(draws))

    assert certificate_for(zoe).code == "7KQ2MXW4HD"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_get_the_same_certificate(committed_content, venue, today):
    from events.models import NewsAndEventsIndexPage

    event = add_event(NewsAndEventsIndexPage.objects.get(), "busy-workshop", today - timedelta(days=1), venue=venue)
    booking = make_booking(add_booking_form(event))
    mark_attended(event, booking.pk, True)
    barrier = threading.Barrier(2)
    made, failures = [], []

    def open_the_link():
        try:
            barrier.wait()
            made.append(certificate_for(Booking.objects.get(pk=booking.pk)).pk)
        except Exception as error:  # noqa: BLE001 (reported below)
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_the_link) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(set(made)) == 1
    assert Certificate.objects.filter(booking=booking).count() == 1


# The PDF -----------------------------------------------------------------------------------


def test_the_pdf_states_who_attended_what_when_for_how_long_and_how_to_check_it(zoe, workshop):
    certificate = certificate_for(zoe)
    text = pdf_text(certificate_pdf(certificate))

    for expected in [
        "Certificate of attendance",
        NAME,
        f"{JOB_TITLE}, {ORGANISATION}",
        TITLE,
        f"on {format_date(workshop.date)}, in person",
        "Learning time: 4 hours 30 minutes",
        "Organised by the National Mental Health Workforce Development Collaborative",
        f"Verification code: {display_code(certificate.code)}",
        f"Check it at {verification_url(certificate)}",
    ]:
        assert expected in text
    assert verification_url(certificate).endswith(f"/certificates/{display_code(certificate.code)}/")
    assert EMAIL not in text


@pytest.mark.parametrize(
    "name, organisation",
    [
        ("Siôn Llŷr ap Dŵr", "Bwrdd Iechyd Prifysgol Hywel Dda"),
        ("Łucja Wąsowska-Żółć", "Śląskie Centrum Zdrowia Psychicznego"),
        ("Seán Ó Súilleabháin", "Health Service Executive – Cork"),
        ("Ödön Erdős", "“Mind the Gap” Ltd"),
    ],
)
def test_names_in_any_european_language_are_written_as_given(form_page, workshop, name, organisation):
    booking = make_booking(form_page, name=name, organisation=organisation)
    mark_attended(workshop, booking.pk, True)

    text = pdf_text(certificate_pdf(certificate_for(Booking.objects.get(pk=booking.pk))))

    assert name in text
    assert organisation in text


def test_characters_the_lettering_lacks_are_named_on_the_attendees_page(client, form_page, workshop, zoe):
    booking = make_booking(form_page, name="Wang Xiaoming 王小明", organisation="Trust 😀")
    mark_attended(workshop, booking.pk, True)

    page = html(client.get(certificate_page_url(booking)))
    pdf = pdf_text(client.get(certificate_pdf_url(booking)).content)

    warning = " ".join(page.select_one(".certificate-unprintable").get_text(" ").split())
    assert "which its lettering does not have: 小 明 王 😀" in warning
    assert "Wang Xiaoming" in pdf and "王" not in pdf
    assert html(client.get(certificate_page_url(zoe))).select(".certificate-unprintable") == []


def test_the_pdf_has_a_title_a_language_and_an_author_for_screen_readers_and_search(zoe, workshop):
    reader = read_pdf(certificate_pdf(certificate_for(zoe)))
    catalog = reader.trailer["/Root"]

    assert reader.metadata.title == f"Certificate of attendance: {NAME}, {TITLE}"
    assert reader.metadata.author == "National Mental Health Workforce Development Collaborative"
    assert reader.metadata.subject == f"Certificate of attendance at {TITLE} on {format_date(workshop.date)}"
    assert catalog["/Lang"] == "en-GB"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert reader.xmp_metadata.dc_title == {"x-default": f"Certificate of attendance: {NAME}, {TITLE}"}


def structure(reader):
    """The roles of the structure tree's elements under its Document, in order."""
    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    (document,) = [kid.get_object() for kid in root["/K"]]
    assert document["/S"] == "/Document"
    return [kid.get_object()["/S"] for kid in document["/K"]]


def test_the_pdf_is_tagged_a_heading_then_paragraphs_in_reading_order(zoe):
    reader = read_pdf(certificate_pdf(certificate_for(zoe)))
    catalog = reader.trailer["/Root"]

    assert catalog["/MarkInfo"]["/Marked"].value is True
    # The heading, then: certify that, name, job, attended, title, date, learning time, organiser, code, address.
    assert structure(reader) == ["/H1"] + ["/P"] * 10


def text_outside_tags(page):
    """Text drawn outside a heading or paragraph's marked content (or marked as decoration)."""
    stray, open_tags = [], []
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator in (b"BDC", b"BMC"):
            open_tags.append(operands[0])
        elif operator == b"EMC":
            open_tags.pop()
        elif operator in (b"Tj", b"TJ", b"'", b'"') and (not open_tags or open_tags[-1] not in ("/H1", "/P")):
            stray.append(operands)
    return stray


def test_every_word_on_the_certificate_is_real_tagged_text_and_the_fonts_travel_with_it(zoe):
    reader = read_pdf(certificate_pdf(certificate_for(zoe)))
    (page,) = reader.pages

    assert text_outside_tags(page) == []
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    fonts = page["/Resources"]["/Font"]
    assert all(
        font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object().get("/FontFile2")
        for font in fonts.values()
    )


def test_a_very_long_name_and_title_still_fit_on_the_one_page(form_page, workshop):
    long_title = "A very long workshop title about " + "workforce planning and " * 9 + "the future"
    workshop.title = long_title[:255]
    workshop.save_revision().publish()
    booking = make_booking(
        form_page, name="Anna-Maria " + "Featherstonehaugh " * 5 + "Smith", organisation="Trust " * 20
    )
    mark_attended(workshop, booking.pk, True)
    certificate = certificate_for(Booking.objects.select_related("event").get(pk=booking.pk))

    reader = read_pdf(certificate_pdf(certificate))

    assert len(reader.pages) == 1
    text = pdf_text(certificate_pdf(certificate))
    assert display_code(certificate.code) in text
    assert text.count("Featherstonehaugh") == 5


def test_every_field_at_its_longest_still_leaves_the_footer_clear(form_page, workshop):
    from events.booking.certificates import _draw

    workshop.title = ("Workforce " * 30)[:255]
    workshop.save_revision().publish()
    booking = make_booking(
        form_page,
        name=("Featherstonehaugh " * 10)[:120],
        job_title=("Director of Organisational Development " * 5)[:120],
        organisation=("Tavistock and Portman NHS Foundation Trust " * 5)[:150],
    )
    mark_attended(workshop, booking.pk, True)
    certificate = certificate_for(Booking.objects.select_related("event").get(pk=booking.pk))

    # The smallest size is enough for the longest of everything: the body ends above the footer's rule.
    assert any(_draw(certificate, scale)[1] for scale in SCALES)
    assert len(read_pdf(certificate_pdf(certificate)).pages) == 1


def test_an_online_workshop_without_an_end_time_says_online_and_states_no_learning_time(index, today):
    event = add_event(index, "online-forum", today - timedelta(days=1), title="Online forum", end_time=None)
    booking = make_booking(add_booking_form(event))
    mark_attended(event, booking.pk, True)

    text = pdf_text(certificate_pdf(certificate_for(Booking.objects.get(pk=booking.pk))))

    assert f"on {format_date(event.date)}, online" in text
    assert "Learning time" not in text


def test_someone_online_at_a_workshop_held_both_ways_attended_online(index, venue, today):
    event = add_event(index, "both-ways", today - timedelta(days=1), venue=venue, attendance_mode=AttendanceMode.HYBRID)
    booking = make_booking(add_booking_form(event), attends=PlaceKind.ONLINE)
    mark_attended(event, booking.pk, True)

    assert ", online" in pdf_text(certificate_pdf(certificate_for(Booking.objects.get(pk=booking.pk))))


# The attendee's page and download ---------------------------------------------------------


def assert_private(response):
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def test_the_certificate_page_shows_what_it_says_and_offers_the_pdf(client, zoe):
    token = certificate_token(zoe)
    response = client.get(reverse("booking_certificate", args=[token]))

    assert response.status_code == 200
    assert_private(response)
    page = html(response)
    assert page.select_one('meta[name="robots"]')["content"] == "noindex"
    assert page.h1.get_text(" ", strip=True).endswith("Your certificate of attendance")
    certificate = Certificate.objects.get(booking=zoe)
    text = visible_text(response)
    for expected in [NAME, f"{JOB_TITLE}, {ORGANISATION}", TITLE, "4 hours 30 minutes", display_code(certificate.code)]:
        assert expected in text
    download = page.select_one("a.certificate-download")
    assert download["href"] == reverse("booking_certificate_pdf", args=[token])
    # The size as the site gives every document's ("27.4 KB"), of the very file the button downloads.
    size = filesizeformat(len(client.get(download["href"]).content)).replace("\xa0", " ")
    assert re.fullmatch(r"\d+\.\d KB", size)
    assert " ".join(download.get_text().split()) == f"Download your certificate (PDF, {size})"
    assert page.select_one("a.certificate-verification-url")["href"] == verification_url(certificate)
    assert "Joanna Daci" in text


def test_the_pdf_downloads_as_a_private_attachment(client, zoe, workshop):
    response = client.get(certificate_pdf_url(zoe))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    code = display_code(Certificate.objects.get(booking=zoe).code)
    assert response["Content-Disposition"] == (
        f'attachment; filename="certificate-of-attendance-{workshop.date:%Y-%m-%d}-{code}.pdf"'
    )
    assert_private(response)
    assert NAME in pdf_text(response.content)


def test_someone_not_recorded_as_attending_is_told_whom_to_ask_and_gets_no_certificate(client, absent):
    page = client.get(certificate_page_url(absent))
    pdf = client.get(certificate_pdf_url(absent))

    assert page.status_code == 200
    assert html(page).h1.get_text(strip=True) == "There is no certificate of attendance for this booking"
    text = visible_text(page)
    assert "only for people recorded as having attended" in text
    assert "Joanna Daci, Programme Operations Manager, at events@example.org" in text
    assert pdf.status_code == 404
    assert pdf["Content-Type"].startswith("text/html")
    assert_private(pdf)
    assert not Certificate.objects.exists()


def test_without_the_contacts_address_the_page_points_to_the_contact_page(client, absent, contact):
    Contact.objects.filter(pk=contact.pk).update(email="")

    paragraph = html(client.get(certificate_page_url(absent))).select_one(".booking-contact")

    assert " ".join(paragraph.get_text().split()).startswith(
        "Contact the Collaborative (ask for Joanna Daci, Programme Operations Manager) if you did attend"
    )
    assert paragraph.a["href"] == "/contact-us/"


def test_before_the_workshop_the_link_says_to_come_back_afterwards(client, index, today):
    event = add_event(index, "next-week", today + timedelta(days=7))
    booking = make_booking(add_booking_form(event))

    text = visible_text(client.get(certificate_page_url(booking)))

    assert "come back to this link afterwards" in text
    assert not Certificate.objects.exists()


def test_links_that_are_not_a_certificate_link_are_refused(client, zoe):
    # A link for another purpose, even for the same booking, opens nothing here.
    for token in [cancel_token(zoe), feedback_token(zoe), "nonsense", certificate_token(zoe)[:-2] + "xx"]:
        for name in ("booking_certificate", "booking_certificate_pdf"):
            assert client.get(reverse(name, args=[token])).status_code == 404, (name, token)
    assert not Certificate.objects.exists()


def test_a_link_for_an_earlier_booking_of_the_same_row_is_refused(client, zoe):
    old_link = certificate_page_url(zoe)
    Booking.objects.filter(pk=zoe.pk).update(submit_time=timezone.now())

    assert client.get(old_link).status_code == 404


# The public check ----------------------------------------------------------------------------


def test_a_genuine_certificate_shows_the_name_workshop_and_date_and_nothing_else(client, zoe, workshop):
    code = display_code(certificate_for(zoe).code)

    response = client.get(check_url(code))

    assert response.status_code == 200
    assert html(response).h1.get_text(strip=True) == "This certificate is genuine"
    text = visible_text(response)
    assert NAME in text and TITLE in text and format_date(workshop.date) in text
    for secret in [JOB_TITLE, ORGANISATION, EMAIL, "Learning time", "4 hours", "in person", workshop.venue.name]:
        assert secret not in response.content.decode()
    assert_private(response)
    assert html(response).select_one('meta[name="robots"]')["content"] == "noindex"


def test_the_check_form_finds_a_code_however_it_is_typed(client, zoe):
    code = certificate_for(zoe).code
    typed = f" {code[:5].lower()} {code[5:].lower()} ".replace("0", "o").replace("1", "l")

    response = client.get(reverse("certificate_lookup"), {"code": typed})

    assert html(response).h1.get_text(strip=True) == "This certificate is genuine"
    assert NAME in visible_text(response)


def test_the_check_form_asks_for_a_code(client):
    asked = client.get(reverse("certificate_lookup"))
    empty = client.get(reverse("certificate_lookup"), {"code": "  "})

    assert asked.status_code == 200
    assert html(asked).h1.get_text(strip=True) == "Check a certificate of attendance"
    form = html(asked).select_one("form.certificate-check-form")
    assert form["method"] == "get" and form["action"] == reverse("certificate_lookup")
    assert "Enter the verification code printed on the certificate." in visible_text(empty)
    assert_private(asked)


def not_found_text(response):
    # The page without the form's echo of what was typed.
    main = html(response).main
    for field in main.select("input"):
        field.decompose()
    return " ".join(main.get_text(" ").split())


def test_an_unknown_code_and_a_code_of_the_wrong_shape_get_the_same_answer(client, zoe, settings):
    certificate_for(zoe)
    unknown = client.get(check_url("7KQ2M-XW4HD"))
    misshapen = client.get(check_url("hello"))
    typed_misshapen = client.get(reverse("certificate_lookup"), {"code": "hello"})

    assert unknown.status_code == misshapen.status_code == typed_misshapen.status_code == 404
    assert html(unknown).h1.get_text(strip=True) == "We have no certificate with this code"
    assert not_found_text(unknown) == not_found_text(misshapen) == not_found_text(typed_misshapen)
    assert "We keep certificates for 1 year after a workshop" in not_found_text(unknown)
    assert_private(unknown)
    settings.BOOKING_RETENTION_DAYS = 90
    assert "for 90 days after a workshop" in visible_text(client.get(check_url("7KQ2M-XW4HD")))


def test_codes_cannot_be_tried_one_after_another(zoe, settings):
    settings.BOOKING_RATE_LIMIT_ATTEMPTS = 3
    code = display_code(certificate_for(zoe).code)
    guesser, employer = Client(REMOTE_ADDR="203.0.113.9"), Client(REMOTE_ADDR="198.51.100.4")

    guesses = [guesser.get(check_url(guess)).status_code for guess in ("AAAAA-AAAAA", "BBBBB-BBBBB", "CCCCC-CCCCC")]
    refused = guesser.get(check_url(code))

    assert guesses == [404, 404, 404]
    # Even the right code: the answer must not tell a guesser when it has found one.
    assert refused.status_code == 429
    assert NAME not in refused.content.decode()
    assert "Wait 10 minutes" in visible_text(refused)
    assert employer.get(check_url(code)).status_code == 200


# When a certificate must stop existing -----------------------------------------------------------


def assert_gone(client, booking, code):
    assert client.get(check_url(display_code(code))).status_code == 404
    assert not Certificate.objects.filter(code=code).exists()


def test_undoing_attendance_at_check_in_takes_the_certificate_away(client, zoe, workshop):
    code = certificate_for(zoe).code

    mark_attended(workshop, zoe.pk, False)

    assert_gone(client, zoe, code)
    assert client.get(certificate_pdf_url(zoe)).status_code == 404
    assert "There is no certificate" in visible_text(client.get(certificate_page_url(zoe)))
    assert not Certificate.objects.exists()


def test_a_certificate_left_behind_by_undone_attendance_proves_nothing(client, zoe):
    # Attendance undone in the instant the certificate was made: the row is there, but every use checks.
    code = certificate_for(zoe).code
    Booking.objects.filter(pk=zoe.pk).update(attended_at=None)

    assert client.get(check_url(display_code(code))).status_code == 404
    assert client.get(certificate_pdf_url(zoe)).status_code == 404


def test_a_place_cancelled_after_the_day_certifies_nothing(client, zoe):
    # An administrator's cancelling keeps the time of arrival on the row, and check-in can no longer undo it.
    code = certificate_for(zoe).code
    cancel_booking(zoe)
    zoe.refresh_from_db()
    assert zoe.is_cancelled and zoe.attended_at is not None

    assert client.get(check_url(display_code(code))).status_code == 404
    assert client.get(certificate_pdf_url(zoe)).status_code == 404
    assert "There is no certificate" in visible_text(client.get(certificate_page_url(zoe)))
    assert certificate_for(zoe) is None


def test_erasing_a_persons_data_deletes_their_certificate(client, zoe):
    code = certificate_for(zoe).code
    link = certificate_page_url(zoe)

    erase_personal_data([zoe])

    assert_gone(client, zoe, code)
    assert client.get(link).status_code == 404


def test_the_retention_purge_deletes_the_certificates_with_the_bookings(client, zoe, workshop, settings, clock):
    code = certificate_for(zoe).code
    days = settings.BOOKING_RETENTION_DAYS
    # The purge's last day of keeping them: the workshop's day plus the retention days.
    clock.shift(workshop.date + timedelta(days=days) - timezone.localdate())
    purge_booking_personal_data_task.enqueue(days)
    assert client.get(check_url(display_code(code))).status_code == 200

    clock.shift(timedelta(days=1))
    purge_booking_personal_data_task.enqueue(days)

    assert Booking.objects.get(pk=zoe.pk).is_erased
    assert_gone(client, zoe, code)


# For Booking administrators ---------------------------------------------------------------------


def test_a_booking_administrator_sees_the_certificate_and_can_download_it(client, zoe, absent, log_in):
    log_in("Booking administrators")
    inspect = reverse("events_booking_modeladmin_inspect", args=[zoe.pk])
    download = reverse("events_booking_certificate", args=[zoe.pk])

    before = client.get(inspect).content.decode()
    pdf = client.get(download)
    after = client.get(inspect).content.decode()

    assert "Not made yet" in before and download in before
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert_private(pdf)
    certificate = Certificate.objects.get(booking=zoe)
    assert display_code(certificate.code) in after
    assert NAME in pdf_text(pdf.content)
    assert (
        "only people marked as attended have one"
        in client.get(reverse("events_booking_modeladmin_inspect", args=[absent.pk])).content.decode()
    )
    refused = client.get(reverse("events_booking_certificate", args=[absent.pk]))
    assert refused.status_code == 302
    assert not Certificate.objects.filter(booking=absent).exists()
    # Who downloaded whose certificate is on record, by booking number only.
    from wagtail.models import PageLogEntry

    (entry,) = PageLogEntry.objects.filter(action="events.download_certificate")
    assert entry.page_id == zoe.event_id and entry.data == {"booking": zoe.pk}
    assert entry.user.groups.filter(name="Booking administrators").exists()


@pytest.mark.parametrize("role", ["Editors", "Moderators"])
def test_nobody_else_in_the_admin_can_download_a_certificate(client, zoe, role):
    client.force_login(make_user(role.lower(), role))

    response = client.get(reverse("events_booking_certificate", args=[zoe.pk]))

    # Wagtail's admin sends someone without permission back to the dashboard.
    assert (response.status_code, response.url) == (302, reverse("wagtailadmin_home"))
    assert not Certificate.objects.exists()


def test_the_certificate_pages_are_valid_html(client, zoe, absent, nu_errors, settings):
    code = display_code(certificate_for(zoe).code)
    pages = {
        "your certificate": client.get(certificate_page_url(zoe)),
        "no certificate": client.get(certificate_page_url(absent)),
        "check a certificate": client.get(reverse("certificate_lookup")),
        "check with no code": client.get(reverse("certificate_lookup"), {"code": ""}),
        "genuine": client.get(check_url(code)),
        "not found": client.get(check_url("7KQ2M-XW4HD")),
    }
    settings.BOOKING_RATE_LIMIT_ATTEMPTS = 0
    pages["too many checks"] = client.get(check_url(code))

    errors = nu_errors({name: response.content.decode() for name, response in pages.items()})

    assert {name: page_errors for name, page_errors in errors.items() if page_errors} == {}
