"""
No input to the booking form gives a server error: random Unicode, 100 kB
strings, missing and duplicated fields, wrong types, a thousand extra fields.
Each gets the form back with its errors, or a booking. The cases come from a
fixed seed, so a failure can be reproduced.
"""

import random

import pytest
from django.core import mail
from django.test import override_settings

from events.models import Booking, BookingStatus
from tests.conftest import html
from tests.events.factories import add_booking_form, add_event, booking_answers

pytestmark = pytest.mark.django_db

SEED = 20261124
ANSWER_NAMES = ["name", "email", "job_title", "organisation", "access_needs", "dietary_needs", "consent", "started"]
EXTRA_QUESTIONS = [
    {"label": "Number of colleagues", "field_type": "number", "required": False},
    {"label": "Arrival date", "field_type": "date", "required": False},
    {"label": "Session", "field_type": "dropdown", "choices": "Morning\nAfternoon", "required": False},
    {"label": "Topics", "field_type": "checkboxes", "choices": "Retention\nWellbeing", "required": False},
    {"label": "Need parking", "field_type": "checkbox", "required": False},
    {"label": "Anything else", "field_type": "multiline", "required": False},
]
# Characters from everywhere: control characters (NUL among them, which
# PostgreSQL refuses to store), combining marks, right-to-left text, emoji.
ALPHABET = (
    [chr(code) for code in range(0, 32)]
    + list("abcXYZ019 @.-_'\"<>&;=+%/\\")
    + list("éøłßçñ")
    + ["\u0301", "\u200b", "\u202e", "\ufeff", "\uffff"]
    + list("مرحبا")
    + list("漢字かな")
    + ["😀", "🏥", "\U0010fffd"]
)


@pytest.fixture
def form_page(index):
    from datetime import timedelta

    from django.utils import timezone

    workshop = add_event(index, "fuzzed-workshop", timezone.localdate() + timedelta(days=20), capacity=5)
    return add_booking_form(workshop, questions=EXTRA_QUESTIONS)


def random_text(rng, length):
    return "".join(rng.choice(ALPHABET) for _ in range(length))


def fuzzed_answers(rng, number):
    """One case: valid answers, then some of them spoiled in one of several ways."""
    answers = booking_answers(email=f"fuzz{number}@example.nhs.uk")
    for name in rng.sample(ANSWER_NAMES + ["number_of_colleagues", "arrival_date", "session", "topics"], k=3):
        spoil = rng.choice(["unicode", "huge", "missing", "duplicated", "wrong type", "empty"])
        if spoil == "unicode":
            answers[name] = random_text(rng, rng.randint(1, 80))
        elif spoil == "huge":
            answers[name] = random_text(rng, 100_000)
        elif spoil == "missing":
            answers.pop(name, None)
        elif spoil == "duplicated":
            answers[name] = [answers.get(name, "x"), random_text(rng, 10)]
        elif spoil == "wrong type":
            answers[name] = rng.choice(["12abc", "-1e309", "2026-02-30", "[]", "{}", "true", "Evening", "0" * 400])
        else:
            answers[name] = ""
    return answers


def assert_form_back_or_booked(response, case):
    assert response.status_code in (200, 302), case
    if response.status_code == 200:
        page = html(response)
        assert page.select_one(".nhsuk-error-summary") is not None, f"{case}: the form came back without its errors"
        assert page.select_one("form.booking-form") is not None, case
    else:
        assert response["Location"].startswith("/bookings/booked/"), case


@override_settings(BOOKING_RATE_LIMIT_ATTEMPTS=10_000)
def test_random_answers_get_the_form_back_with_errors_or_a_booking(client, form_page):
    rng = random.Random(SEED)  # noqa: S311 (a repeatable fuzz, not a secret)
    outcomes = {200: 0, 302: 0}

    for number in range(80):
        response = client.post(form_page.url, fuzzed_answers(rng, number))

        assert_form_back_or_booked(response, f"case {number} (seed {SEED})")
        outcomes[response.status_code] += 1

    # Both outcomes happened, so the fuzz reached the booking code and not just the errors.
    assert outcomes[200] > 0 and outcomes[302] > 0, outcomes
    assert Booking.objects.count() == outcomes[302]


@override_settings(BOOKING_RATE_LIMIT_ATTEMPTS=10_000)
@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("name", "x" * 100_000, "Full name must be 120 characters or fewer"),
        ("email", "a" * 100_000 + "@example.nhs.uk", "Work email address must be 254 characters or fewer"),
        ("organisation", "Trust\x00", "Your organisation had a hidden character in it"),
        ("anything_else", "Line\x07bell\nand a new line", "Anything else had a hidden character in it"),
        ("access_needs", "y" * 1001, "must be 1000 characters or fewer"),
        ("dietary_needs", "z" * 501, "must be 500 characters or fewer"),
        ("anything_else", "w" * 2001, '"Anything else" must be 2000 characters or fewer'),
        ("number_of_colleagues", "a dozen", 'Enter a number for "Number of colleagues"'),
        ("number_of_colleagues", "1" * 40_000, '"Number of colleagues" must be a number of 15 digits or fewer'),
        ("number_of_colleagues", "1e999999999", '"Number of colleagues" must be a number of 15 digits or fewer'),
        ("arrival_date", "2026-02-30", 'Enter a date for "Arrival date", like 31/1/2027'),
        ("session", "Evening", 'Choose one of the answers to "Session"'),
        ("email", "not an address", "Enter an email address in the correct format"),
    ],
)
def test_each_bad_answer_gets_a_clear_error(client, form_page, name, value, message):
    response = client.post(form_page.url, booking_answers(**{name: value}))

    assert response.status_code == 200
    summary = html(response).select_one(".nhsuk-error-summary").get_text(" ")
    assert message in summary
    assert not Booking.objects.exists()


def test_a_thousand_extra_fields_are_ignored_and_the_booking_is_made(client, form_page):
    answers = booking_answers()
    answers.update({f"extra_{number}": "x" * 20 for number in range(1000)})

    response = client.post(form_page.url, answers)

    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED
    assert not any(key.startswith("extra_") for key in booking.form_data)


def test_a_duplicated_field_takes_one_answer(client, form_page):
    answers = booking_answers()
    answers["name"] = ["Jo Smith", "Somebody Else"]

    response = client.post(form_page.url, answers)

    assert response.status_code == 302
    assert Booking.objects.get().name == "Somebody Else"


def test_unicode_answers_are_kept_exactly(client, form_page, django_capture_on_commit_callbacks):
    name = "Zoë Ó Súilleabháin-مرحبا 漢字 🏥"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_page.url, booking_answers(name=name, organisation="Tŷ Trust"))

    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.name, booking.organisation) == (name, "Tŷ Trust")
    assert mail.outbox[0].body.startswith(f"Dear {name},")


def test_a_get_with_a_query_string_of_nonsense_shows_the_form(client, form_page):
    response = client.get(form_page.url, {"name": "\x00" * 10, "email": ["a", "b"], "started": "🏥"})

    assert response.status_code == 200
    assert html(response).select_one("form.booking-form") is not None
