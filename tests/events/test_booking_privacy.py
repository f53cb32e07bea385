"""
Attacks on bookers' personal data through the public booking pages, each
written as the attacker would try it: finding out whether a colleague has
booked, booking one mailbox many times, cancelling with an old link, and
sending answers that would break the administrators' exports.
"""

import unicodedata
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.utils import timezone

from events.booking.emails import CANCEL_SALT, cancel_url
from events.booking.rules import REPEAT_REQUEST_INTERVAL, cancel_booking
from events.models import Booking, BookingEmail, BookingEmailKind, BookingStatus
from events.views import CONFIRMATION_SALT
from tests.conftest import html
from tests.events.factories import add_booking_form, add_event, booking_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(index, venue):
    return add_event(
        index, "winter-workshop", timezone.localdate() + timedelta(days=30), venue=venue, title="Winter workshop"
    )


@pytest.fixture
def form_page(workshop):
    return add_booking_form(workshop)


def book(client, form_page, django_capture_on_commit_callbacks, **answers):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(form_page.url, booking_answers(**answers))


def visible_text(response):
    return " ".join(html(response).main.get_text(" ").split())


# Anyone can tell whether someone has booked ------------------------------------


@pytest.mark.parametrize("colleagues_place", [BookingStatus.CONFIRMED, BookingStatus.WAITING])
def test_a_visitor_cannot_tell_whether_a_colleague_has_booked(
    client, workshop, form_page, colleagues_place, django_capture_on_commit_callbacks
):
    workshop.capacity = 1 if colleagues_place == BookingStatus.WAITING else 10
    workshop.save_revision().publish()
    if colleagues_place == BookingStatus.WAITING:
        book(client, form_page, django_capture_on_commit_callbacks, email="first@example.nhs.uk")
    book(client, form_page, django_capture_on_commit_callbacks, email="colleague@example.nhs.uk", name="Sam Jones")
    assert Booking.objects.get(email="colleague@example.nhs.uk").status == colleagues_place
    mail.outbox.clear()

    # The attacker sends the form with the colleague's address, then with an
    # address nobody has used: the two answers must be the same.
    probe = book(client, form_page, django_capture_on_commit_callbacks, email="Colleague@Example.NHS.uk")
    fresh = book(client, form_page, django_capture_on_commit_callbacks, email="nobody.yet@example.nhs.uk")

    assert probe.status_code == fresh.status_code == 302
    # The confirmation addresses differ only in when they were signed: neither carries the booking.
    payloads = [
        signing.loads(urlsplit(r["Location"]).path.split("/")[-2], salt=CONFIRMATION_SALT) for r in (probe, fresh)
    ]
    assert payloads == [{"p": form_page.pk}, {"p": form_page.pk}]
    probe_page, fresh_page = client.get(probe["Location"]), client.get(fresh["Location"])
    assert visible_text(probe_page) == visible_text(fresh_page)
    assert "Sam Jones" not in visible_text(probe_page)
    assert "already" not in visible_text(probe_page).lower()

    # The colleague, who owns the address, learns of it by e-mail, and nothing was booked twice.
    (notice,) = [message for message in mail.outbox if message.to == ["colleague@example.nhs.uk"]]
    assert "Someone asked to book a place at this workshop with your e-mail address" in notice.body
    assert Booking.objects.filter(email_normalised="colleague@example.nhs.uk").count() == 1


def test_the_form_cannot_be_used_to_flood_a_colleagues_inbox(
    client, form_page, clock, django_capture_on_commit_callbacks
):
    book(client, form_page, django_capture_on_commit_callbacks, email="colleague@example.nhs.uk")
    for _ in range(5):
        book(client, form_page, django_capture_on_commit_callbacks, email="colleague@example.nhs.uk")
    repeats = BookingEmail.objects.filter(kind=BookingEmailKind.REPEAT_REQUEST)
    assert repeats.count() == 1, "one e-mail about repeated requests an hour, however many are sent"

    clock.shift(REPEAT_REQUEST_INTERVAL + timedelta(minutes=1))
    book(client, form_page, django_capture_on_commit_callbacks, email="colleague@example.nhs.uk")
    assert repeats.count() == 2
    (first, *_rest) = [message for message in mail.outbox if message.subject.startswith("You already have a place")]
    assert first.to == ["colleague@example.nhs.uk"]


# One mailbox, several bookings ---------------------------------------------------

SAME_MAILBOX = [
    "jo.smith@bücher.example",
    # The same address with the domain's ü decomposed (NFD), as some keyboards and systems send it.
    unicodedata.normalize("NFD", "jo.smith@bücher.example"),
    "jo.smith@xn--bcher-kva.example",
    "JO.SMITH@XN--BCHER-KVA.EXAMPLE",
    '"jo.smith"@bücher.example',
    "jo.smith@ｂüｃｈｅｒ.example",
]


def test_one_mailbox_written_several_ways_books_one_place(client, form_page, django_capture_on_commit_callbacks):
    for address in SAME_MAILBOX:
        response = book(client, form_page, django_capture_on_commit_callbacks, email=address)
        assert response.status_code == 302, (address, visible_text(response))
    assert Booking.objects.count() == 1
    assert Booking.objects.get().email_normalised == "jo.smith@xn--bcher-kva.example"


def test_different_mailboxes_still_book_their_own_places(client, form_page, django_capture_on_commit_callbacks):
    for address in ["jo.smith@bucher.example", "jo.smyth@bücher.example", "jo.smith@bücher.example.org"]:
        book(client, form_page, django_capture_on_commit_callbacks, email=address)
    assert Booking.objects.count() == 3


# Cancel links ----------------------------------------------------------------------


def cancel_path(booking):
    return urlsplit(cancel_url(booking)).path


def test_an_old_cancel_link_does_not_cancel_a_later_booking_of_the_same_address(
    client, form_page, clock, django_capture_on_commit_callbacks
):
    book(client, form_page, django_capture_on_commit_callbacks, email="jo@example.nhs.uk")
    booking = Booking.objects.get()
    first_link = cancel_path(booking)
    assert client.post(first_link).status_code == 200
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED

    clock.shift(timedelta(minutes=5))
    book(client, form_page, django_capture_on_commit_callbacks, email="jo@example.nhs.uk")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    assert client.get(first_link).status_code == 404
    assert client.post(first_link).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED, "the old link cancelled the new booking"
    # The new booking's own link still works.
    assert client.post(cancel_path(booking)).status_code == 200
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_a_cancel_link_stops_working_once_the_workshop_has_started(
    client, workshop, form_page, clock, django_capture_on_commit_callbacks
):
    book(client, form_page, django_capture_on_commit_callbacks)
    booking = Booking.objects.get()
    link = cancel_path(booking)
    clock.move_to(workshop.starts_at + timedelta(minutes=1))
    response = client.post(link)
    assert "has already started" in visible_text(response)
    assert "Jo Smith" not in visible_text(response)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_cancel_link_that_names_only_the_booking_is_refused(client, form_page, django_capture_on_commit_callbacks):
    book(client, form_page, django_capture_on_commit_callbacks)
    booking = Booking.objects.get()
    # The form links took before they named the booking's time: one per row, for ever.
    bare = signing.dumps(booking.pk, salt=CANCEL_SALT, compress=True)
    assert client.post(f"/bookings/cancel/{bare}/").status_code == 404
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


def test_a_cancellation_racing_a_new_booking_of_the_same_address_cancels_nothing(form_page, clock):
    from tests.events.factories import make_booking

    stale = make_booking(form_page, email="jo@example.nhs.uk")
    Booking.objects.filter(pk=stale.pk).update(submit_time=timezone.now() + timedelta(seconds=1))
    assert cancel_booking(stale) is False
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


# Control characters ---------------------------------------------------------------


def test_a_hidden_control_character_in_an_answer_is_refused_with_a_clear_message(
    client, form_page, django_capture_on_commit_callbacks
):
    response = book(
        client,
        form_page,
        django_capture_on_commit_callbacks,
        name="Bell\x07Ringer",
        organisation="Oxford\x00 Health",
        access_needs="Step-free\x1b access\nand a hearing loop",
    )
    assert response.status_code == 200
    assert not Booking.objects.exists()
    soup = html(response)
    summary = soup.select_one(".nhsuk-error-summary").get_text(" ")
    assert "Full name had a hidden character in it" in summary
    assert "Your organisation had a hidden character in it" in summary
    # The answers come back without the character, ready to send again.
    assert soup.select_one("input[name=name]")["value"] == "BellRinger"
    assert soup.select_one("input[name=organisation]")["value"] == "Oxford Health"
    assert soup.select_one("textarea[name=access_needs]").get_text().strip() == "Step-free access\nand a hearing loop"

    again = book(client, form_page, django_capture_on_commit_callbacks, name="BellRinger", organisation="Oxford Health")
    assert again.status_code == 302
    assert Booking.objects.get().name == "BellRinger"


def test_line_breaks_stay_in_a_multi_line_answer(client, form_page, django_capture_on_commit_callbacks):
    response = book(client, form_page, django_capture_on_commit_callbacks, access_needs="Large print\r\nA hearing loop")
    assert response.status_code == 302
    assert Booking.objects.get().access_needs.splitlines() == ["Large print", "A hearing loop"]


def test_bookings_stored_before_the_new_identity_get_it_without_losing_a_second_booking(form_page):
    """The data migration that renormalises stored bookings (events/0008)."""
    import importlib

    from django.apps import apps

    from tests.events.factories import make_booking

    migration = importlib.import_module("events.migrations.0008_one_identity_per_mailbox")
    # Stored as the old rule (strip and lower case) stored them.
    stored = ['"Jo.Smith"@bücher.example', "jo.smith@xn--bcher-kva.example", "Sam@NHS.net"]
    first, second, other = (make_booking(form_page) for _ in stored)
    for booking, email in zip((first, second, other), stored, strict=True):
        Booking.objects.filter(pk=booking.pk).update(email=email, email_normalised=email.lower())

    migration.renormalise(apps, schema_editor=None)

    identities = dict(Booking.objects.values_list("pk", "email_normalised"))
    assert identities[other.pk] == "sam@nhs.net"
    # The two bookings of one mailbox: both kept, one of them under the new identity.
    assert Booking.objects.count() == 3
    assert sorted([identities[first.pk], identities[second.pk]]) == [
        '"jo.smith"@bücher.example',
        "jo.smith@xn--bcher-kva.example",
    ]
    lone = make_booking(form_page)
    Booking.objects.filter(pk=lone.pk).update(email="Ann@Bücher.Example", email_normalised="ann@bücher.example")
    migration.renormalise(apps, schema_editor=None)
    assert Booking.objects.get(pk=lone.pk).email_normalised == "ann@xn--bcher-kva.example"


def test_answers_changed_in_a_second_request_are_named_to_the_owner_not_saved(
    client, form_page, django_capture_on_commit_callbacks
):
    from events.models import BookingFormField

    BookingFormField.objects.create(page=form_page, sort_order=0, label="Which session?", field_type="singleline")
    book(
        client,
        form_page,
        django_capture_on_commit_callbacks,
        email="jo@example.nhs.uk",
        dietary_needs="",
        which_session="Morning",
    )
    again = book(
        client,
        form_page,
        django_capture_on_commit_callbacks,
        email="jo@example.nhs.uk",
        dietary_needs="Vegetarian",
        which_session="Afternoon",
    )

    booking = Booking.objects.get(email_normalised="jo@example.nhs.uk")
    assert booking.dietary_needs == "" and booking.form_data["which_session"] == "Morning", "a stranger changes nothing"
    # The page says the same to everyone, and says an earlier booking stands.
    assert "An address that had a booking keeps it as it was" in visible_text(client.get(again["Location"]))
    (notice,) = [message for message in mail.outbox if message.subject.startswith("You already have a place")]
    body = " ".join(notice.body.split())
    assert "answered these questions differently: Dietary needs, Which session?" in body
    assert "Those answers have not been saved" in body
    assert "Vegetarian" not in body and "Afternoon" not in body, "a stranger's words are not repeated to the owner"


def test_a_second_request_with_the_same_answers_says_nothing_of_changes(
    client, form_page, django_capture_on_commit_callbacks
):
    book(client, form_page, django_capture_on_commit_callbacks, email="jo@example.nhs.uk")
    book(client, form_page, django_capture_on_commit_callbacks, email="jo@example.nhs.uk")

    (notice,) = [message for message in mail.outbox if message.subject.startswith("You already have a place")]
    assert "differently" not in notice.body


def test_dates_and_numbers_answered_the_same_are_not_called_different(form_page):
    from datetime import date
    from decimal import Decimal

    from events.booking.rules import changed_answers
    from events.models import BookingFormField

    BookingFormField.objects.create(page=form_page, sort_order=0, label="Arrival date", field_type="date")
    BookingFormField.objects.create(page=form_page, sort_order=1, label="Colleagues", field_type="number")
    from tests.events.factories import make_booking

    booking = make_booking(form_page, form_data={"arrival_date": "2030-01-02", "colleagues": "3"})
    booking.refresh_from_db()
    standard = {name: getattr(booking, name) for name in ("name", "email", "job_title", "organisation")}

    same = changed_answers(booking, form_page, standard, {"arrival_date": date(2030, 1, 2), "colleagues": Decimal("3")})
    other = changed_answers(
        booking, form_page, standard, {"arrival_date": date(2030, 1, 3), "colleagues": Decimal("3")}
    )

    assert same == []
    assert other == ["Arrival date"]
