"""
The standard booking questions are declared in one place
(events/booking/questions.py): the form, both exports (with and without
needs), the inspect view and erasure all follow it.

Dietary needs stands for a question added in that one place: taken out of
the declaration it is asked, exported, shown and erased nowhere, although the
Booking field is still there; put back, as an ordinary question with its own
heading, label and erased value, it is everywhere, with those.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from events.booking import questions as booking_questions
from events.booking.privacy import erase_personal_data
from events.booking.questions import BookingQuestion, text_question
from tests.conftest import html, make_user
from tests.events.factories import add_booking_form, add_event, make_booking
from tests.events.test_booking_admin import bookings_url, read_csv, submissions_url

pytestmark = pytest.mark.django_db

WITHOUT_DIETARY_NEEDS = tuple(
    question for question in booking_questions.BOOKING_QUESTIONS if question.name != "dietary_needs"
)
DIETARY_NEEDS_AS_AN_ORDINARY_QUESTION = BookingQuestion(
    "dietary_needs",
    "Food",
    text_question("What do you eat?", 500, required=False),
    erased="(erased)",
)


@pytest.fixture
def form_page(index):
    workshop = add_event(index, "spring-workshop", timezone.localdate() + timedelta(days=30), title="Spring workshop")
    return add_booking_form(
        workshop, questions=[{"label": "Which session will you join?", "field_type": "singleline", "required": False}]
    )


@pytest.fixture
def booking(form_page):
    return make_booking(
        form_page, name="Ada Lovelace", email="ada@example.nhs.uk", access_needs="Hearing loop", dietary_needs="Vegan"
    )


def asked(client, form_page):
    """The form's questions, in order, by name and label."""
    form = html(client.get(form_page.url)).select_one("form.booking-form")
    return {
        element["name"]: (form.find("label", attrs={"for": element["id"]}).get_text(" ", strip=True))
        for element in form.select("input[id], textarea[id]")
        if element["name"] not in ("website", "started")
    }


def exported(client, form_page, booking_admin, log_in):
    """Ada's row in each export: the workshop's and the Bookings menu's, each with and without needs."""
    log_in(booking_admin)
    exports = {
        "workshop": read_csv(client.get(submissions_url(form_page, export="csv"))),
        "workshop with needs": read_csv(client.get(submissions_url(form_page, export="csv", needs="include"))),
        "bookings": read_csv(client.get(bookings_url("export=csv"))),
        "bookings with needs": read_csv(client.get(bookings_url("export=csv&needs=include"))),
    }
    return {export: next(row for row in rows if row["Name"] == "Ada Lovelace") for export, rows in exports.items()}


def inspected(client, booking):
    return html(client.get(reverse("events_booking_modeladmin_inspect", args=[booking.pk]))).get_text(" ", strip=True)


@pytest.fixture
def booking_admin(db):
    return make_user("bookings", "Booking administrators")


def test_a_question_left_out_of_the_declaration_is_asked_exported_shown_and_erased_nowhere(
    client, monkeypatch, form_page, booking, booking_admin, log_in
):
    monkeypatch.setattr(booking_questions, "BOOKING_QUESTIONS", WITHOUT_DIETARY_NEEDS)

    assert "dietary_needs" not in asked(client, form_page)
    assert list(asked(client, form_page))[-2:] == ["access_needs", "consent"]
    for export, row in exported(client, form_page, booking_admin, log_in).items():
        assert "Dietary needs" not in row, export
    assert "Dietary needs" not in booking.get_data()
    body = inspected(client, booking)
    assert "Hearing loop" in body and "Vegan" not in body

    erase_personal_data([booking])

    booking.refresh_from_db()
    assert (booking.name, booking.access_needs, booking.dietary_needs) == ("", "", "Vegan")


def test_a_question_added_to_the_declaration_is_asked_exported_shown_and_erased(
    client, monkeypatch, form_page, booking, booking_admin, log_in
):
    monkeypatch.setattr(
        booking_questions, "BOOKING_QUESTIONS", (*WITHOUT_DIETARY_NEEDS, DIETARY_NEEDS_AS_AN_ORDINARY_QUESTION)
    )

    # Not sensitive: asked with the ordinary questions, before the editor's own.
    assert list(asked(client, form_page)) == [
        "name",
        "email",
        "job_title",
        "organisation",
        "dietary_needs",
        "which_session_will_you_join",
        "access_needs",
        "consent",
    ]
    assert asked(client, form_page)["dietary_needs"] == "What do you eat? (optional)"
    for export, row in exported(client, form_page, booking_admin, log_in).items():
        assert row["Food"] == "Vegan", export
        assert ("Accessibility or communication needs" in row) == export.endswith("with needs"), export
    assert "Vegan" in inspected(client, booking)

    erase_personal_data([booking])

    booking.refresh_from_db()
    assert (booking.name, booking.access_needs, booking.dietary_needs) == ("", "", "(erased)")


def test_an_editor_may_not_name_a_question_after_a_declared_one(monkeypatch, form_page):
    field = form_page.form_fields.first()
    field.label = "Dietary needs"
    monkeypatch.setattr(booking_questions, "BOOKING_QUESTIONS", WITHOUT_DIETARY_NEEDS)
    field.clean()

    monkeypatch.setattr(
        booking_questions, "BOOKING_QUESTIONS", (*WITHOUT_DIETARY_NEEDS, DIETARY_NEEDS_AS_AN_ORDINARY_QUESTION)
    )
    with pytest.raises(ValidationError, match="already asks for"):
        field.clean()
