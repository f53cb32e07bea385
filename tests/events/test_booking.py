"""
Booking a place at a workshop, through the real views: the form, the rules
(capacity, waiting list, cancelling, opening and closing), the e-mails and
their calendar invitations, and the defences against bots and floods.

E-mails are sent when the booking's transaction commits; a test's
transaction never does, so every request that sends one runs inside
django_capture_on_commit_callbacks(execute=True).
"""

from datetime import time as time_of_day
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from events.booking.abuse import client_address
from events.booking.emails import cancel_url
from events.booking.forms import form_started_token
from events.booking.rules import cancel_booking
from events.formatting import format_date
from events.models import (
    AttendanceMode,
    Booking,
    BookingEmail,
    BookingEmailKind,
    BookingFormField,
    BookingStatus,
    Contact,
    EventStatus,
)
from tests.conftest import calendar_invitations, html
from tests.events.factories import add_booking_form, add_event, booking_answers, make_booking

pytestmark = pytest.mark.django_db

NOT_ACCEPTED = "Please check your details and send the form again."
# What the page says after the form is sent, whatever happened (the e-mail tells).
RECEIVED = "Booking request received"


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise OSError("Connection refused by the mail server")


def text(soup):
    return " ".join(soup.get_text(" ").split())


def days_ahead(days):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def workshop(index, venue):
    return add_event(index, "winter-workshop", days_ahead(30), venue=venue, title="Winter workshop")


@pytest.fixture
def form_page(workshop):
    return add_booking_form(workshop)


def book(client, form_page, **answers):
    return client.post(form_page.url, booking_answers(**answers))


def book_and_send(client, form_page, django_capture_on_commit_callbacks, **answers):
    with django_capture_on_commit_callbacks(execute=True):
        return book(client, form_page, **answers)


def path_of(url):
    return urlsplit(url).path


def error_summary(soup):
    summary = soup.select_one(".nhsuk-error-summary")
    assert summary is not None, "no error summary on the page"
    return summary


def emails_of_kind(subject_start):
    return [message for message in mail.outbox if message.subject.startswith(subject_start)]


def cancel_path_in(message):
    (line,) = [line for line in message.body.splitlines() if "/bookings/cancel/" in line]
    return path_of(line.strip())


def calendar_attachment(message):
    (content,) = calendar_invitations(message).values()
    return Calendar.from_ical(content)


def only_entry(calendar):
    (entry,) = calendar.walk("VEVENT")
    return entry


def input_names(form):
    return [field["name"] for field in form.select("input[name], textarea[name], select[name]")]


# 1. The form ------------------------------------------------------------------


def test_the_form_asks_the_standard_questions_with_autocomplete(client, form_page):
    response = client.get(form_page.url)
    assert response.status_code == 200
    form = html(response).select_one("form.booking-form")
    autocomplete = {name: form.find(attrs={"name": name}).get("autocomplete") for name in input_names(form)}
    assert autocomplete["name"] == "name"
    assert autocomplete["email"] == "email"
    assert autocomplete["job_title"] == "organization-title"
    assert autocomplete["organisation"] == "organization"
    assert form.find("input", attrs={"name": "email"})["type"] == "email"
    assert form.find("input", attrs={"name": "consent"})["type"] == "checkbox"
    assert form.find("input", attrs={"name": "started"})["type"] == "hidden"
    assert form.find("label", attrs={"for": "id_access_needs"}).get_text(strip=True).endswith("(optional)")


def test_an_empty_form_gets_the_error_summary_linking_each_error_to_its_field(client, form_page):
    response = client.post(form_page.url, {"started": form_started_token(timezone.now().timestamp() - 10)})
    assert response.status_code == 200
    soup = html(response)
    links = error_summary(soup).select("a")
    assert [link["href"] for link in links] == [
        "#id_name",
        "#id_email",
        "#id_job_title",
        # The initial content's organisations: chosen from the list (or typed, when not listed).
        "#id_listed_organisation",
        "#id_consent",
    ]
    for link in links:
        field = soup.find(id=link["href"][1:])
        assert field is not None and field.name in ("input", "select")
        # Each field's own message, for a screen reader on the field.
        assert link.get_text(strip=True) in text(soup.find(id=f"{field['id']}-error"))
        assert f"{field['id']}-error" in field["aria-describedby"]
    assert "Enter your full name" in text(error_summary(soup))
    assert "Tick the box to agree to the privacy notice" in text(error_summary(soup))
    # Once, at the top of the page, above the heading, as NHS.UK places it.
    assert len(soup.select(".nhsuk-error-summary")) == 1
    assert error_summary(soup).find_next("h1") is not None
    assert soup.title.get_text().startswith("Error: Book a place - ")
    assert not Booking.objects.exists()


def test_the_spam_trap_is_on_the_form_but_hidden_from_everyone(client, form_page):
    form = html(client.get(form_page.url)).select_one("form.booking-form")
    trap = form.find("input", attrs={"name": "website"})
    assert trap is not None
    assert trap["tabindex"] == "-1" and trap["autocomplete"] == "off"
    assert trap.find_parent(attrs={"aria-hidden": "true"}) is not None
    # Not among the questions a person is asked.
    assert trap.find_parent(class_="nhsuk-form-group") is None


def test_an_editors_question_comes_after_organisation_and_before_the_needs(client, workshop):
    form_page = add_booking_form(
        workshop,
        questions=[{"label": "NHS region", "field_type": "singleline", "required": True}],
    )
    form = html(client.get(form_page.url)).select_one("form.booking-form")
    names = [name for name in input_names(form) if name != "csrfmiddlewaretoken"]
    assert names == [
        "name",
        "email",
        "job_title",
        "listed_organisation",
        "organisation",
        "nhs_region",
        "access_needs",
        "dietary_needs",
        "consent",
        "website",
        "started",
    ]
    assert form.find("label", attrs={"for": "id_nhs_region"}).get_text(strip=True) == "NHS region"


@pytest.mark.parametrize(
    ("question", "error"),
    [
        ({"label": "Dietary requirements", "field_type": "singleline"}, 'Answer "Dietary requirements"'),
        ({"label": "Which trust?", "field_type": "multiline"}, 'Answer "Which trust?"'),
        ({"label": "Manager's email", "field_type": "email"}, 'Enter an email address for "Manager\'s email"'),
        ({"label": "Colleagues coming", "field_type": "number"}, 'Enter a number for "Colleagues coming"'),
        ({"label": "Your website", "field_type": "url"}, 'Enter a web address for "Your website"'),
        ({"label": "Arrival", "field_type": "date"}, 'Enter a date for "Arrival"'),
        ({"label": "Arrival time", "field_type": "datetime"}, 'Enter a date and time for "Arrival time"'),
        ({"label": "Session", "field_type": "radio", "choices": "Morning\nAfternoon"}, 'Choose an answer to "Session"'),
        ({"label": "Region", "field_type": "dropdown", "choices": "North\nSouth"}, 'Choose an answer to "Region"'),
        (
            {"label": "Topics", "field_type": "checkboxes", "choices": "Retention\nWellbeing"},
            'Choose an answer to "Topics"',
        ),
        ({"label": "I can stay for lunch", "field_type": "checkbox"}, 'Tick the box "I can stay for lunch"'),
    ],
)
def test_an_editors_unanswered_question_is_named_in_its_error_as_the_standard_ones_are(
    client, workshop, question, error
):
    form_page = add_booking_form(workshop, questions=[{**question, "required": True}])
    response = book(client, form_page)

    assert response.status_code == 200
    soup = html(response)
    (link,) = error_summary(soup).select("a")
    assert link.get_text(strip=True) == error
    # By the question too.
    question_group = soup.find(id=link["href"][1:]).find_parent(class_="nhsuk-form-group")
    assert error in text(question_group.select_one(".nhsuk-error-message"))
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("question", "answer", "error"),
    [
        (
            {"label": "Manager's email", "field_type": "email"},
            "boss at trust",
            'Enter an email address in the correct format for "Manager\'s email", like name@example.nhs.uk',
        ),
        (
            {"label": "Colleagues coming", "field_type": "number"},
            "a few",
            'Enter a number for "Colleagues coming", like 3',
        ),
        ({"label": "Arrival", "field_type": "date"}, "next week", 'Enter a date for "Arrival", like 31/1/2027'),
        (
            {"label": "Which trust?", "field_type": "singleline"},
            "x" * 256,
            '"Which trust?" must be 255 characters or fewer',
        ),
        (
            {"label": "Session", "field_type": "dropdown", "choices": "Morning\nAfternoon"},
            "Evening",
            'Choose one of the answers to "Session"',
        ),
        # A % in a label is shown as it is, whichever error names it (Django fills in values with %).
        (
            {"label": "Manager (100% contact) email", "field_type": "email"},
            "not an email",
            '"Manager (100% contact) email"',
        ),
        ({"label": "Share (%)", "field_type": "number"}, "1" * 16, '"Share (%)" must be a number of 15 digits'),
        ({"label": "Share (%)", "field_type": "number"}, "lots", 'Enter a number for "Share (%)"'),
        ({"label": "Share (%) of time", "field_type": "singleline"}, "x" * 256, '"Share (%) of time" must be 255'),
        (
            {"label": "Rate (%)", "field_type": "dropdown", "choices": "10%\n20%"},
            "30%",
            'Choose one of the answers to "Rate (%)"',
        ),
    ],
)
def test_an_editors_question_answered_wrongly_is_named_in_its_error(client, workshop, question, answer, error):
    form_page = add_booking_form(workshop, questions=[question])
    name = BookingFormField.objects.get(page=form_page).clean_name
    response = book(client, form_page, **{name: answer})

    assert response.status_code == 200
    assert error in text(error_summary(html(response)))
    assert not Booking.objects.exists()


@pytest.mark.parametrize("label", ["Email", "Name", " job title ", "Website", "Started", "Consent"])
def test_an_editor_cannot_add_a_question_with_a_reserved_name(form_page, label):
    question = BookingFormField(page=form_page, label=label, field_type="singleline")
    with pytest.raises(ValidationError) as error:
        question.clean()
    assert "label" in error.value.message_dict


def test_an_editor_can_add_a_question_with_any_other_label(form_page):
    BookingFormField(page=form_page, label="Email of your line manager", field_type="email").clean()
    BookingFormField(page=form_page, label="NHS region", field_type="singleline").clean()


# 2. A booking -----------------------------------------------------------------


def test_a_booking_is_stored_and_confirmed(client, workshop, django_capture_on_commit_callbacks):
    form_page = add_booking_form(
        workshop,
        questions=[
            {"label": "NHS region", "field_type": "singleline", "required": True},
            {"label": "Places you have worked", "field_type": "multiline", "required": False},
        ],
    )
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        response = book(
            client,
            form_page,
            email="  Jo.Smith@Example.NHS.uk ",
            nhs_region="North West",
            access_needs="A hearing loop",
            dietary_needs="Vegetarian",
        )
    assert response.status_code == 302
    assert response["Location"].startswith("/bookings/booked/")

    booking = Booking.objects.get()
    assert booking.event_id == workshop.pk
    assert booking.page_id == form_page.pk
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.email_normalised == "jo.smith@example.nhs.uk"
    assert booking.email.strip() == booking.email
    assert (booking.name, booking.job_title, booking.organisation) == (
        "Jo Smith",
        "Director of Nursing",
        "Oxford Health NHS Foundation Trust",
    )
    assert (booking.access_needs, booking.dietary_needs) == ("A hearing loop", "Vegetarian")
    assert booking.consented_at is not None and booking.consented_at >= before
    assert booking.form_data == {"nhs_region": "North West", "places_you_have_worked": ""}

    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    soup = html(confirmation)
    assert soup.select_one(".booking-outcome h1").get_text(strip=True) == RECEIVED
    assert "Jo.Smith" not in text(soup.main), "the page shows nothing of the booking: the e-mail does"
    assert [message.to for message in mail.outbox] == [["Jo.Smith@Example.NHS.uk"]]
    assert BookingEmail.objects.get().sent_at is not None


def test_a_booking_stands_when_the_mail_server_is_down(client, form_page, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.events.test_booking.FailingBackend"
    response = book_and_send(client, form_page, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED
    record = BookingEmail.objects.get(booking=booking)
    assert record.kind == BookingEmailKind.CONFIRMATION
    assert record.sent_at is None
    assert record.failed_at is not None
    assert record.attempts == 1
    assert "OSError" in record.error and "Connection refused" in record.error
    assert mail.outbox == []
    confirmation = html(client.get(response["Location"]))
    assert confirmation.select_one(".booking-outcome h1").get_text(strip=True) == RECEIVED


def test_a_confirmation_address_that_is_tampered_with_is_not_found(client, form_page):
    location = book(client, form_page)["Location"]
    token = location.rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/bookings/booked/{token[:-2]}xx/").status_code == 404
    forged = signing.dumps({"b": Booking.objects.get().pk, "o": "confirmed"}, salt="something else")
    assert client.get(f"/bookings/booked/{forged}/").status_code == 404


# 3. Capacity and the waiting list ---------------------------------------------


def places_on_form(client, form_page):
    return text(html(client.get(form_page.url)).select_one(".booking-places"))


def places_on_event_page(client, event):
    soup = html(client.get(event.url))
    facts = {row.dt.get_text(strip=True): text(row.dd) for row in soup.select("main dl .nhsuk-summary-list__row")}
    return facts["Places"], facts["Booking"]


def booking_state_on_card(client, index, event):
    for card in html(client.get(index.url)).select(".event-card"):
        if card.select_one("h3 a").get_text(strip=True) == event.title:
            return card.select_one(".event-card__booking").get_text(strip=True).lstrip("· ")
    raise AssertionError(f"no card for {event.title}")


def test_capacity_the_waiting_list_and_cancelling(client, index, workshop, django_capture_on_commit_callbacks):
    workshop.capacity = 2
    workshop.save_revision().publish()
    form_page = add_booking_form(workshop)
    assert places_on_form(client, form_page) == "2 of 2 left"

    first = book_and_send(client, form_page, django_capture_on_commit_callbacks, name="Ann", email="ann@example.org")
    assert first.status_code == 302
    assert places_on_form(client, form_page) == "1 of 2 left"
    assert places_on_event_page(client, workshop) == ("1 left of 2", "1 place left")
    assert booking_state_on_card(client, index, workshop) == "1 place left"

    book_and_send(client, form_page, django_capture_on_commit_callbacks, name="Bob", email="bob@example.org")
    full_form = html(client.get(form_page.url))
    assert full_form.h1.get_text(" ", strip=True).endswith("Join the waiting list")
    assert full_form.select_one("form.booking-form button").get_text(strip=True) == "Join the waiting list"
    assert "Every place is taken" in text(full_form.select_one(".booking-full"))
    assert places_on_event_page(client, workshop) == ("All 2 booked", "Fully booked: waiting list open")
    event_soup = html(client.get(workshop.url))
    assert text(event_soup.select_one(".book-a-place")) == "Join the waiting list for Winter workshop"
    assert booking_state_on_card(client, index, workshop) == "Fully booked: waiting list open"

    third = book_and_send(client, form_page, django_capture_on_commit_callbacks, name="Cat", email="cat@example.org")
    waiting_page = html(client.get(third["Location"]))
    assert waiting_page.select_one(".booking-outcome h1").get_text(strip=True) == RECEIVED
    statuses = dict(Booking.objects.values_list("name", "status"))
    assert statuses == {"Ann": "confirmed", "Bob": "confirmed", "Cat": "waiting"}
    (waiting_email,) = emails_of_kind("You are on the waiting list")
    assert waiting_email.to == ["cat@example.org"]

    # Ann cancels through the link in her e-mail: the link asks first.
    (ann_email,) = [message for message in emails_of_kind("Booking confirmed") if message.to == ["ann@example.org"]]
    cancel_path = cancel_path_in(ann_email)
    ask = client.get(cancel_path)
    assert ask.status_code == 200
    assert html(ask).h1.get_text(strip=True) == "Cancel your place?"
    assert Booking.objects.get(name="Ann").status == BookingStatus.CONFIRMED

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client.post(cancel_path)
    assert cancelled.status_code == 200
    assert "Your place has been cancelled" in text(html(cancelled).main)
    statuses = dict(Booking.objects.values_list("name", "status"))
    assert statuses == {"Ann": "cancelled", "Bob": "confirmed", "Cat": "confirmed"}
    assert Booking.objects.get(name="Ann").cancelled_at is not None
    (promotion,) = emails_of_kind("A place has come up")
    assert promotion.to == ["cat@example.org"]
    assert calendar_invitations(promotion)
    (cancellation,) = emails_of_kind("Booking cancelled")
    assert cancellation.to == ["ann@example.org"]
    assert places_on_event_page(client, workshop) == ("All 2 booked", "Fully booked: waiting list open")

    # Cancelling again changes nothing.
    again = client.post(cancel_path)
    assert again.status_code == 200
    assert html(again).h1.get_text(strip=True) == "This booking is already cancelled"
    assert html(client.get(cancel_path)).h1.get_text(strip=True) == "This booking is already cancelled"
    assert Booking.objects.confirmed().count() == 2

    # Bob cancels too; nobody is waiting, so a place is free again.
    bob = Booking.objects.get(name="Bob")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path_of(cancel_url(bob)))
    assert places_on_form(client, form_page) == "1 of 2 left"
    assert places_on_event_page(client, workshop) == ("1 left of 2", "1 place left")
    assert booking_state_on_card(client, index, workshop) == "1 place left"


def test_a_waiting_list_place_can_be_given_up(client, workshop, django_capture_on_commit_callbacks):
    workshop.capacity = 1
    workshop.save_revision().publish()
    form_page = add_booking_form(workshop)
    book_and_send(client, form_page, django_capture_on_commit_callbacks, email="ann@example.org")
    book_and_send(client, form_page, django_capture_on_commit_callbacks, email="bob@example.org")
    (waiting_email,) = emails_of_kind("You are on the waiting list")
    cancel_path = cancel_path_in(waiting_email)
    assert html(client.get(cancel_path)).h1.get_text(strip=True) == "Leave the waiting list?"
    client.post(cancel_path)
    assert Booking.objects.get(email="bob@example.org").status == BookingStatus.CANCELLED
    assert Booking.objects.get(email="ann@example.org").status == BookingStatus.CONFIRMED


def test_a_tampered_cancellation_link_is_not_found(client, form_page):
    book(client, form_page)
    booking = Booking.objects.get()
    path = path_of(cancel_url(booking))
    token = path.rstrip("/").rsplit("/", 1)[1]
    tampered = f"/bookings/cancel/{token[:-3]}abc/"
    assert client.get(tampered).status_code == 404
    assert client.post(tampered).status_code == 404
    forged = signing.dumps(booking.pk, salt="events.booking.confirmation", compress=True)
    assert client.post(f"/bookings/cancel/{forged}/").status_code == 404
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


# 4. Booking twice -------------------------------------------------------------


def test_someone_who_cancelled_can_book_again(client, workshop, django_capture_on_commit_callbacks):
    workshop.capacity = 1
    workshop.save_revision().publish()
    form_page = add_booking_form(workshop)
    book_and_send(client, form_page, django_capture_on_commit_callbacks, email="jo@example.org", name="Jo")
    booking = Booking.objects.get()
    cancel_booking(booking)
    assert booking.status == BookingStatus.CANCELLED
    response = book_and_send(
        client, form_page, django_capture_on_commit_callbacks, email="Jo@Example.org", name="Jo Smith"
    )
    assert response.status_code == 302
    rebooked = Booking.objects.get()
    assert rebooked.pk == booking.pk
    assert rebooked.status == BookingStatus.CONFIRMED
    assert rebooked.cancelled_at is None
    assert rebooked.name == "Jo Smith"


def test_someone_who_cancelled_joins_the_waiting_list_when_their_place_has_gone(
    client, workshop, django_capture_on_commit_callbacks
):
    workshop.capacity = 1
    workshop.save_revision().publish()
    form_page = add_booking_form(workshop)
    book_and_send(client, form_page, django_capture_on_commit_callbacks, email="jo@example.org")
    cancel_booking(Booking.objects.get())
    book_and_send(client, form_page, django_capture_on_commit_callbacks, email="sam@example.org")
    book_and_send(client, form_page, django_capture_on_commit_callbacks, email="jo@example.org")
    assert dict(Booking.objects.values_list("email", "status")) == {
        "jo@example.org": "waiting",
        "sam@example.org": "confirmed",
    }


# 5. When booking is closed ----------------------------------------------------


def closed_event(index, **fields):
    fields.setdefault("date", days_ahead(30))
    day = fields.pop("date")
    return add_event(index, "closed-workshop", day, title="Closed workshop", **fields)


CLOSED_CASES = {
    "not open yet": (lambda: {"booking_opens_at": timezone.now() + timedelta(days=2)}, "Booking opens on"),
    "closed early": (lambda: {"booking_closes_at": timezone.now() - timedelta(hours=1)}, "Booking closed on"),
    "started today": (
        lambda: {"date": timezone.localdate(), "start_time": time_of_day(0, 0)},
        "This workshop has already started, so booking is closed.",
    ),
    "in the past": (
        lambda: {"date": days_ahead(-3)},
        "This workshop has already started, so booking is closed.",
    ),
    "cancelled": (
        lambda: {"status": EventStatus.CANCELLED},
        "This workshop has been cancelled, so booking is closed.",
    ),
    "postponed": (
        lambda: {"status": EventStatus.POSTPONED},
        "This workshop has been postponed. Booking will open again when it has a new date.",
    ),
}


@pytest.mark.parametrize("case", CLOSED_CASES)
def test_a_closed_booking_form_says_why_and_books_nothing(client, index, case):
    make_fields, message = CLOSED_CASES[case]
    event = closed_event(index, **make_fields())
    form_page = add_booking_form(event)

    response = client.get(form_page.url)
    assert response.status_code == 200
    soup = html(response)
    assert message in text(soup.select_one(".booking-closed"))
    assert soup.select_one("form.booking-form") is None

    posted = book(client, form_page)
    assert posted.status_code == 200
    assert message in text(html(posted).select_one(".booking-closed"))
    assert html(posted).select_one("form.booking-form") is None
    assert not Booking.objects.exists()
    assert not BookingEmail.objects.exists()


def test_booking_opens_and_closes_at_the_times_set(client, index):
    opens = timezone.now() - timedelta(hours=1)
    closes = timezone.now() + timedelta(hours=1)
    event = closed_event(index, booking_opens_at=opens, booking_closes_at=closes)
    form_page = add_booking_form(event)
    assert html(client.get(form_page.url)).select_one("form.booking-form") is not None
    assert book(client, form_page).status_code == 302
    assert Booking.objects.count() == 1


def test_the_event_page_gives_the_reason_instead_of_the_booking_link(client, index):
    event = closed_event(index, status=EventStatus.POSTPONED)
    add_booking_form(event)
    soup = html(client.get(event.url))
    assert "has been postponed" in text(soup.select_one(".booking-closed"))
    assert soup.select_one(".book-a-place") is None


# 6. E-mails -------------------------------------------------------------------


def next_thursday():
    today = timezone.localdate()
    return today + timedelta(days=7 + (3 - today.weekday()) % 7)


def test_the_confirmation_email_has_the_details_an_invitation_and_a_cancel_link(
    client, index, venue, django_capture_on_commit_callbacks
):
    venue.travel_directions = "Five minutes' walk from Piccadilly station: use the Portland Street entrance."
    venue.save()
    event = add_event(index, "thursday-workshop", next_thursday(), venue=venue, title="Thursday workshop")
    form_page = add_booking_form(event)
    book_and_send(client, form_page, django_capture_on_commit_callbacks, name="Jo Smith")

    (message,) = mail.outbox
    assert message.to == ["jo.smith@example.nhs.uk"]
    day = format_date(event.date)
    assert day.startswith("Thursday ")
    assert message.subject == f"Booking confirmed: Thursday workshop, {day}"
    (alternative,) = message.alternatives
    html_body, mimetype = alternative
    assert mimetype == "text/html"
    for body in (message.body, html_body):
        assert "Jo Smith" in body
        assert day in body
        assert "Malmaison Hotel, 1-3 Piccadilly, Manchester, M1 3AQ" in body
        assert "Portland Street entrance" in body
        assert "/bookings/cancel/" in body

    entry = only_entry(calendar_attachment(message))
    assert str(event.calendar_uid) in str(entry["uid"])
    public = Calendar.from_ical(client.get(event.url + "calendar.ics").content)
    assert str(only_entry(public)["uid"]) == str(entry["uid"])
    assert str(entry["location"]) == "Malmaison Hotel, 1-3 Piccadilly, Manchester, M1 3AQ"

    ask = client.get(cancel_path_in(message))
    assert ask.status_code == 200
    assert html(ask).h1.get_text(strip=True) == "Cancel your place?"
    assert "jo.smith@example.nhs.uk" in text(html(ask).main)


def test_joining_instructions_go_only_to_people_with_a_place(client, index, django_capture_on_commit_callbacks):
    event = add_event(
        index,
        "online-workshop",
        days_ahead(20),
        attendance_mode=AttendanceMode.ONLINE,
        joining_instructions="Join at https://meet.example/abc",
    )
    form_page = add_booking_form(event)
    book_and_send(client, form_page, django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    (alternative,) = message.alternatives
    assert "Join at https://meet.example/abc" in message.body
    assert "https://meet.example/abc" in alternative[0]
    assert "Join at https://meet.example/abc" in str(only_entry(calendar_attachment(message))["description"])

    assert "meet.example" not in client.get(event.url).content.decode()
    public = client.get(event.url + "calendar.ics")
    assert public.status_code == 200
    assert "meet.example" not in str(only_entry(Calendar.from_ical(public.content))["description"])
    assert b"meet.example" not in public.content
    assert "meet.example" not in client.get(form_page.url).content.decode()


def test_the_waiting_list_email_has_no_invitation_nor_joining_instructions(
    client, index, django_capture_on_commit_callbacks
):
    event = add_event(
        index, "full-online", days_ahead(20), capacity=1, joining_instructions="Join at https://meet.example/abc"
    )
    form_page = add_booking_form(event)
    book_and_send(client, form_page, django_capture_on_commit_callbacks, email="ann@example.org")
    book_and_send(client, form_page, django_capture_on_commit_callbacks, email="bob@example.org")
    (waiting,) = emails_of_kind("You are on the waiting list")
    assert waiting.to == ["bob@example.org"]
    assert waiting.attachments == []
    assert "meet.example" not in waiting.body
    assert "Every place is taken, so you are on the waiting list." in waiting.body
    assert "/bookings/cancel/" in waiting.body


def test_the_booking_contact_hears_of_each_booking(client, index, venue, django_capture_on_commit_callbacks):
    contact = Contact.objects.create(name="Joanna Daci", role="Programme Operations Manager", email="jd@example.org")
    event = add_event(index, "with-contact", days_ahead(20), venue=venue, booking_contact=contact, title="Forum")
    form_page = add_booking_form(event)
    book_and_send(client, form_page, django_capture_on_commit_callbacks, name="Sam Patel", email="sam@example.org")

    notice_record = BookingEmail.objects.get(kind=BookingEmailKind.CONTACT_NOTICE)
    assert notice_record.recipient == "jd@example.org"
    assert notice_record.sent_at is not None
    (notice,) = [message for message in mail.outbox if message.to == ["jd@example.org"]]
    assert "Sam Patel" in notice.subject
    assert "Sam Patel" in notice.body and "sam@example.org" in notice.body
    assert "Places booked: 1 of 50" in notice.body
    (confirmation,) = [message for message in mail.outbox if message.to == ["sam@example.org"]]
    assert confirmation.reply_to == ["jd@example.org"]


# 7. Abuse ---------------------------------------------------------------------


def assert_not_accepted(response):
    assert response.status_code == 200
    assert NOT_ACCEPTED in text(error_summary(html(response)))
    assert not Booking.objects.exists()


def test_a_bot_that_fills_in_the_spam_trap_books_nothing(client, form_page):
    assert_not_accepted(book(client, form_page, website="https://cheap-pills.example"))


@pytest.mark.parametrize(
    "started",
    [
        pytest.param(lambda: form_started_token(timezone.now().timestamp()), id="too quick"),
        pytest.param(lambda: form_started_token(timezone.now().timestamp() - 2), id="two seconds"),
        pytest.param(lambda: None, id="missing"),
        pytest.param(lambda: "", id="empty"),
        pytest.param(lambda: str(int(timezone.now().timestamp() - 60)), id="unsigned"),
        pytest.param(lambda: f"{int(timezone.now().timestamp() - 60)}:forged-signature", id="forged"),
        pytest.param(
            lambda: signing.Signer(salt="another.salt").sign(str(int(timezone.now().timestamp() - 60))),
            id="signed for another use",
        ),
        pytest.param(lambda: form_started_token(timezone.now().timestamp() - 10) + "x", id="tampered"),
    ],
)
def test_a_form_sent_too_quickly_or_with_a_bad_token_books_nothing(client, form_page, started, clock):
    # The clock stands still: on a busy machine, "two seconds" must not become three before the form is read.
    clock.move_to(timezone.now(), tick=False)
    response = book(client, form_page, started=started(), name="Sam Patel")
    assert_not_accepted(response)
    # What the person typed is kept, to check and send again.
    assert html(response).select_one("#id_name")["value"] == "Sam Patel"


def test_too_many_attempts_from_one_address_are_refused(client, form_page):
    with override_settings(BOOKING_RATE_LIMIT_ATTEMPTS=3):
        for number in range(3):
            response = client.post(
                form_page.url, booking_answers(email=f"person{number}@example.org"), REMOTE_ADDR="192.0.2.1"
            )
            assert response.status_code == 302
        refused = client.post(form_page.url, booking_answers(email="person4@example.org"), REMOTE_ADDR="192.0.2.1")
        assert refused.status_code == 429
        assert "too many booking attempts" in text(error_summary(html(refused)))
        assert html(refused).select_one("form.booking-form") is not None
        assert not Booking.objects.filter(email="person4@example.org").exists()

        elsewhere = client.post(form_page.url, booking_answers(email="person5@example.org"), REMOTE_ADDR="192.0.2.2")
        assert elsewhere.status_code == 302
    assert Booking.objects.count() == 4


def test_behind_a_proxy_a_visitor_cannot_dodge_the_limit_with_their_own_header(client, form_page, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.BOOKING_RATE_LIMIT_ATTEMPTS = 3
    statuses = [
        client.post(
            form_page.url,
            booking_answers(email=f"person{number}@example.org"),
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}, 203.0.113.7",
        ).status_code
        for number in range(4)
    ]
    assert statuses == [302, 302, 302, 429]


def test_client_address_reads_the_proxys_entry_only_when_told_there_is_a_proxy(settings):
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7")
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(RequestFactory().post("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"


def test_a_form_sent_without_a_csrf_token_is_refused(form_page):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(form_page.url, booking_answers())
    assert response.status_code == 403
    assert not Booking.objects.exists()

    # The form itself carries the token a browser sends back.
    form = html(browser.get(form_page.url)).select_one("form.booking-form")
    token = form.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]
    response = browser.post(form_page.url, booking_answers(csrfmiddlewaretoken=token))
    assert response.status_code == 302
    assert Booking.objects.count() == 1


def assert_never_cached(response):
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private", "no-cache", "max-age=0"} <= cache_control


def test_booking_pages_are_never_cached(client, form_page, workshop):
    assert_never_cached(client.get(form_page.url))
    assert_never_cached(client.post(form_page.url, {}))
    booked = book(client, form_page)
    assert booked.status_code == 302
    assert_never_cached(client.get(booked["Location"]))
    assert_never_cached(client.get(path_of(cancel_url(Booking.objects.get()))))
    workshop.status = EventStatus.CANCELLED
    workshop.save_revision().publish()
    assert_never_cached(client.get(form_page.url))


# 8. Database queries ----------------------------------------------------------


def test_the_booking_form_takes_few_queries(client, form_page, django_assert_max_num_queries):
    client.get(form_page.url)  # Wagtail's site and root paths are cached from here.
    # Measured: 0 queries.
    with django_assert_max_num_queries(25):
        response = client.get(form_page.url)
    assert response.status_code == 200


def index_queries(client, index, today, first, last):
    """Add events first..last-1, each with bookings, and count the index's queries."""
    for number in range(first, last):
        event = add_event(index, f"workshop-{number}", today + timedelta(days=number + 1), capacity=10)
        form_page = add_booking_form(event)
        for person in range(number % 3 + 1):
            make_booking(form_page, BookingStatus.CONFIRMED if person < 2 else BookingStatus.WAITING)
    client.get(index.url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(index.url)
    assert response.status_code == 200
    return len(queries), html(response)


def test_the_index_queries_do_not_grow_with_the_events_booked(client, index, today):
    few, soup = index_queries(client, index, today, 0, 5)
    states = [card.get_text(strip=True) for card in soup.select(".event-card__booking")]
    assert states[:3] == ["· 9 places left", "· 8 places left", "· 8 places left"]
    many, soup = index_queries(client, index, today, 5, 30)
    assert len(soup.select(".event-card__booking")) == 10
    assert many == few


def test_a_database_too_busy_to_book_asks_the_visitor_to_send_the_form_again(client, form_page, monkeypatch):
    from django.db import OperationalError

    from events.booking import rules as booking_rules

    def always_busy(event_id):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(booking_rules, "lock_event_for_booking", always_busy)
    monkeypatch.setattr(booking_rules.time, "sleep", lambda seconds: None)

    response = book(client, form_page, name="Jo Busy")

    assert response.status_code == 503
    summary = text(error_summary(html(response)))
    assert "Nothing has been booked yet: please send the form again." in summary
    assert html(response).select_one("input[name=name]")["value"] == "Jo Busy"
    assert not Booking.objects.exists()


def test_a_booking_goes_ahead_when_the_cache_is_down(client, form_page, monkeypatch, caplog):
    from django.core.cache import cache

    def cache_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(cache, "add", cache_down)

    response = book(client, form_page)

    assert response.status_code == 302
    assert Booking.objects.count() == 1
    assert "booking attempts are not being limited" in caplog.text
