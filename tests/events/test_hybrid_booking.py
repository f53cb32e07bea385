"""
What a visitor and a booker see of a workshop in person and online, and of
the Collaborative's list of organisations: the booking form's questions,
the places of each kind on the page, cards and form, the e-mails of each
kind of place and their calendar invitations, and the booking's own pages
at the link in its e-mails (change how I attend, send a colleague instead).

Requests that send e-mails run inside django_capture_on_commit_callbacks(execute=True):
e-mails go when the booking's transaction commits, which a test's never does.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar
from wagtail.models import Page, PageLogEntry

from events.booking.emails import booking_for_cancel_token, cancel_url, manage_url
from events.models import (
    AttendanceMode,
    Booking,
    BookingStatus,
    Contact,
    EventPage,
    Organisation,
    PlaceKind,
)
from tests.conftest import calendar_invitations, html, metadata
from tests.events.factories import add_booking_form, add_event, booking_answers, make_booking

pytestmark = pytest.mark.django_db

JOINING = "Join at https://meet.example/hybrid"
DIRECTIONS = "Five minutes' walk from Piccadilly station: use the Portland Street entrance."
ADDRESS = "Malmaison Hotel, 1-3 Piccadilly, Manchester, M1 3AQ"


def text(soup):
    return " ".join(soup.get_text(" ").split())


def days_ahead(days):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def hybrid(index, venue):
    """A workshop in person (2 places in the room) and online (no limit), with a booking contact."""
    venue.travel_directions = DIRECTIONS
    venue.save()
    contact = Contact.objects.create(name="Joanna Daci", email="jd@example.org")
    return add_event(
        index,
        "hybrid-workshop",
        days_ahead(30),
        venue=venue,
        title="Hybrid workshop",
        attendance_mode=AttendanceMode.HYBRID,
        capacity=2,
        online_capacity=None,
        joining_instructions=JOINING,
        booking_contact=contact,
    )


@pytest.fixture
def form_page(hybrid):
    return add_booking_form(hybrid, privacy_notice=Page.objects.filter(slug="privacy-notice").first())


@pytest.fixture
def organisations(db):
    """The list as these tests need it: one member and one other (not the initial content's six)."""
    Organisation.objects.all().delete()
    return {
        "oxford": Organisation.objects.update_or_create(
            name="Oxford Health NHS Foundation Trust", defaults={"is_member": True}
        )[0],
        "tavistock": Organisation.objects.get_or_create(name="Tavistock and Portman NHS Foundation Trust")[0],
    }


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """Post to a page, sending the e-mails the request queued: send(url, data)."""

    def post(url, data=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **extra)

    return post


def book(send, form_page, **answers):
    return send(form_page.url, booking_answers(**answers))


def path_of(url):
    return urlsplit(url).path


def emails_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def only_entry(message):
    (content,) = calendar_invitations(message).values()
    (entry,) = Calendar.from_ical(content).walk("VEVENT")
    return entry


def sequence_of(event):
    """The workshop's calendar SEQUENCE as stored (publishing its changes raises it)."""
    return EventPage.objects.get(pk=event.pk).calendar_sequence


def bookings_linked_in(message):
    """The bookings the links in an e-mail lead to, by the kind of page: {"manage": booking, "cancel": booking}."""
    links = re.findall(r"https?://\S+/bookings/(manage|cancel)/([^/\s]+)/", message.body)
    return {kind: booking_for_cancel_token(token) for kind, token in links}


def error_messages(soup):
    return [text(item) for item in soup.select(".nhsuk-error-summary li, .nhsuk-error-summary p")]


def booking_of(email):
    return Booking.objects.get(email=email)


# 1. The booking form -------------------------------------------------------------


def test_at_a_hybrid_workshop_the_form_asks_how_you_will_attend_with_the_places_of_each_kind(client, send, form_page):
    soup = html(client.get(form_page.url))
    fieldset = soup.select_one("form.booking-form fieldset")
    assert text(fieldset.legend) == "How will you attend?"
    options = fieldset.select(".nhsuk-radios__item")
    assert [text(option.label) for option in options] == ["In person, at Malmaison Hotel, Manchester", "Online"]
    assert [text(option.select_one(".nhsuk-radios__hint")) for option in options] == ["2 places left", "No limit"]
    for option in options:
        assert option.input["aria-describedby"] == option.select_one(".nhsuk-radios__hint")["id"]
    # Asked first: the kind of place decides the rest.
    assert soup.select("form.booking-form [name]")[1]["name"] == "attends"

    book(send, form_page, email="ann@example.org", attends="in_person")
    book(send, form_page, email="bob@example.org", attends="in_person")
    hints = [text(hint) for hint in html(client.get(form_page.url)).select(".nhsuk-radios__hint")]
    assert hints == ["Full: you will join the waiting list for in-person places", "No limit"]


def test_the_kind_of_place_must_be_chosen(client, form_page):
    response = client.post(form_page.url, booking_answers())
    assert response.status_code == 200
    soup = html(response)
    link = soup.select_one(".nhsuk-error-summary a")
    assert text(link) == "Choose how you will attend"
    assert link["href"] == "#id_attends_0"
    assert not Booking.objects.exists()


def test_each_booker_has_the_kind_of_place_they_chose(send, form_page):
    book(send, form_page, email="ann@example.org", attends="online")
    book(send, form_page, email="bob@example.org", attends="in_person")
    assert booking_of("ann@example.org").attends == PlaceKind.ONLINE
    assert booking_of("bob@example.org").attends == PlaceKind.IN_PERSON


@pytest.mark.parametrize("mode", [AttendanceMode.IN_PERSON, AttendanceMode.ONLINE])
def test_a_workshop_held_one_way_asks_nothing_about_attending(client, send, index, venue, mode):
    event = add_event(index, "one-way", days_ahead(30), venue=venue, attendance_mode=mode)
    form_page = add_booking_form(event)
    assert html(client.get(form_page.url)).select_one("[name=attends]") is None
    # Even a crafted answer cannot give a kind of place the workshop does not have.
    book(send, form_page, attends="online" if mode == AttendanceMode.IN_PERSON else "in_person")
    assert Booking.objects.get().attends == mode


def test_the_organisation_is_chosen_from_the_collaboratives_list(client, send, form_page, organisations):
    soup = html(client.get(form_page.url))
    select = soup.select_one("select[name=listed_organisation]")
    assert text(soup.select_one("label[for=id_listed_organisation]")) == "Organisation"
    groups = {group["label"]: [option.get_text() for option in group.select("option")] for group in select("optgroup")}
    assert groups == {
        "Members of the Collaborative": ["Oxford Health NHS Foundation Trust"],
        "Other organisations": ["Tavistock and Portman NHS Foundation Trust"],
    }
    options = select.select("option")
    assert (options[-1]["value"], options[-1].get_text()) == ("not-listed", "My organisation is not listed")
    # The box for an organisation not listed is always there: it needs no JavaScript.
    assert text(soup.select_one("label[for=id_organisation]")) == "Your organisation (optional)"
    assert text(soup.select_one("#id_organisation-hint")) == "Only if your organisation is not in the list"

    book(send, form_page, email="ann@example.org", attends="online", listed_organisation=organisations["tavistock"].pk)
    ann = booking_of("ann@example.org")
    assert ann.listed_organisation == organisations["tavistock"]
    assert ann.organisation == "Tavistock and Portman NHS Foundation Trust"


def test_an_organisation_not_listed_is_typed(send, form_page, organisations):
    book(
        send,
        form_page,
        email="ann@example.org",
        attends="online",
        listed_organisation="not-listed",
        organisation="  Leeds  and York Partnership NHS Foundation Trust ",
    )
    ann = booking_of("ann@example.org")
    assert ann.listed_organisation is None
    assert ann.organisation == "Leeds and York Partnership NHS Foundation Trust"


def test_a_listed_organisation_typed_in_the_box_is_counted_as_the_listed_one(send, form_page, organisations):
    # As a visitor without JavaScript may: nothing chosen, the name typed.
    book(send, form_page, email="ann@example.org", attends="online", organisation="oxford health nhs foundation trust")
    ann = booking_of("ann@example.org")
    assert ann.listed_organisation == organisations["oxford"]
    assert ann.organisation == "Oxford Health NHS Foundation Trust"


@pytest.mark.parametrize(
    ("answers", "error", "anchor"),
    [
        (
            {"organisation": None},
            "Choose your organisation, or choose 'My organisation is not listed' and type its name",
            "#id_listed_organisation",
        ),
        (
            {"organisation": None, "listed_organisation": "not-listed"},
            "Type the name of your organisation, as it is not in the list",
            "#id_organisation",
        ),
        (
            {"listed_organisation": "999999"},
            "Choose your organisation from the list, or choose 'My organisation is not listed' and type its name",
            "#id_listed_organisation",
        ),
    ],
)
def test_an_organisation_not_given_is_asked_for_clearly(client, form_page, organisations, answers, error, anchor):
    response = client.post(form_page.url, booking_answers(attends="online", **answers))
    soup = html(response)
    links = {text(link): link["href"] for link in soup.select(".nhsuk-error-summary a")}
    assert links == {error: anchor}
    assert not Booking.objects.exists()


def test_with_no_list_the_organisation_is_typed_as_before(client, send, form_page):
    Organisation.objects.all().delete()
    soup = html(client.get(form_page.url))
    assert soup.select_one("[name=listed_organisation]") is None
    assert text(soup.select_one("label[for=id_organisation]")) == "Organisation"
    book(send, form_page, attends="online")
    assert Booking.objects.get().organisation == "Oxford Health NHS Foundation Trust"


def test_the_form_says_how_many_places_each_organisation_can_have(client, hybrid, form_page):
    assert html(client.get(form_page.url)).select_one(".booking-share") is None
    hybrid.places_per_organisation = 3
    hybrid.save_revision().publish()
    assert text(html(client.get(form_page.url)).select_one(".booking-share")) == (
        "Each organisation can have at most 3 places, so that more organisations can come."
    )


def test_the_hybrid_form_with_the_list_takes_few_queries(client, form_page, organisations):
    client.get(form_page.url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(form_page.url)
    assert response.status_code == 200
    assert len(queries) <= 25
    organisation_queries = [query for query in queries if "events_organisation" in query["sql"]]
    assert len(organisation_queries) == 1


def test_an_editors_question_cannot_take_the_names_the_form_keeps(form_page):
    from django.core.exceptions import ValidationError

    from events.models import BookingFormField

    for label in ("Attends", "Listed organisation"):
        with pytest.raises(ValidationError):
            BookingFormField(page=form_page, label=label, field_type="singleline").clean()


# 2. Places of each kind on the page, the cards and the form ---------------------


def places_on_event_page(client, event):
    soup = html(client.get(event.url))
    return [text(item) for item in soup.select(".event-places li")], text(soup.select_one(".book-a-place"))


def test_the_page_form_and_cards_show_the_places_of_each_kind(client, send, index, hybrid, form_page):
    hybrid.online_capacity = 30
    hybrid.save_revision().publish()
    book(send, form_page, email="ann@example.org", attends="in_person")
    book(send, form_page, email="bob@example.org", attends="online")

    assert places_on_event_page(client, hybrid) == (
        ["In person: 1 of 2 left", "Online: 29 of 30 left"],
        "Book a place at Hybrid workshop",
    )
    form = html(client.get(form_page.url))
    assert [text(item) for item in form.select(".booking-places li")] == [
        "In person: 1 of 2 left",
        "Online: 29 of 30 left",
    ]
    card = [card for card in html(client.get(index.url)).select(".event-card") if "Hybrid workshop" in text(card)]
    assert text(card[0].select_one(".event-card__booking")) == "· In person: 1 place left. Online: 29 places left"


def test_a_full_room_still_offers_places_online(client, send, hybrid, form_page):
    book(send, form_page, email="ann@example.org", attends="in_person")
    book(send, form_page, email="bob@example.org", attends="in_person")
    places, action = places_on_event_page(client, hybrid)
    assert places == ["In person: all 2 booked", "Online: no limit"]
    assert action == "Book a place at Hybrid workshop"
    form = html(client.get(form_page.url))
    assert form.select_one(".booking-full") is None
    assert text(form.select_one("form.booking-form button")) == "Book my place"
    offer = metadata(client.get(hybrid.url)).json_ld[0]["offers"]
    assert offer["availability"] == "https://schema.org/InStock"


def test_the_waiting_list_is_offered_only_when_every_kind_is_full(client, send, hybrid, form_page):
    hybrid.online_capacity = 1
    hybrid.save_revision().publish()
    for email, kind in (("a@example.org", "in_person"), ("b@example.org", "in_person"), ("c@example.org", "online")):
        book(send, form_page, email=email, attends=kind)
    places, action = places_on_event_page(client, hybrid)
    assert places == ["In person: all 2 booked", "Online: all 1 booked"]
    assert action == "Join the waiting list for Hybrid workshop"
    assert text(html(client.get(form_page.url)).select_one("form.booking-form button")) == "Join the waiting list"
    offer = metadata(client.get(hybrid.url)).json_ld[0]["offers"]
    assert offer["availability"] == "https://schema.org/SoldOut"


def test_a_workshop_held_one_way_shows_its_places_as_before(client, send, index, venue):
    event = add_event(index, "one-way", days_ahead(30), venue=venue, capacity=2)
    form_page = add_booking_form(event)
    book(send, form_page)
    soup = html(client.get(event.url))
    assert text(soup.select_one(".event-places")) == "1 left of 2"
    assert text(html(client.get(form_page.url)).select_one(".booking-places")) == "1 of 2 left"


# 3. E-mails of each kind of place -------------------------------------------------


def test_an_online_place_gets_the_joining_instructions_and_no_venue(send, form_page, hybrid):
    book(send, form_page, email="ann@example.org", attends="online")
    (message,) = emails_to("ann@example.org")
    html_body = message.alternatives[0][0]
    for body in (message.body, html_body):
        assert "meet.example/hybrid" in body
        assert "Malmaison" not in body
        assert "Portland Street" not in body
        assert "How you will attend: online" in re.sub(r"<[^>]+>", "", body)
    entry = only_entry(message)
    assert str(entry["location"]) == "Online"
    assert entry["sequence"] == sequence_of(hybrid)
    assert JOINING in str(entry["description"])


def test_an_in_person_place_gets_the_venue_and_directions_and_no_joining_instructions(send, form_page):
    book(send, form_page, email="ann@example.org", attends="in_person")
    (message,) = emails_to("ann@example.org")
    html_body = message.alternatives[0][0]
    for body in (message.body, html_body):
        assert "meet.example" not in body
        assert ADDRESS in body
        assert "Portland Street entrance" in body
    entry = only_entry(message)
    assert str(entry["location"]) == ADDRESS
    assert "meet.example" not in str(entry["description"])


def test_the_booking_contact_is_told_the_kind_of_place(send, form_page):
    book(send, form_page, name="Ann Lee", email="ann@example.org", attends="online")
    (notice,) = emails_to("jd@example.org")
    assert "New booking, online: Ann Lee" in notice.body


def test_the_emails_link_to_the_booking_and_to_cancelling(send, form_page):
    book(send, form_page, email="ann@example.org", attends="online")
    (message,) = emails_to("ann@example.org")
    ann = booking_of("ann@example.org")
    assert bookings_linked_in(message) == {"manage": ann, "cancel": ann}
    assert "To change how you attend, send a colleague instead, or cancel, go to your booking" in message.body


def test_someone_over_their_organisations_share_is_told_why_they_wait(send, hybrid, form_page, organisations):
    hybrid.capacity = 10
    hybrid.places_per_organisation = 1
    hybrid.save_revision().publish()
    oxford = organisations["oxford"].pk
    book(send, form_page, email="ann@example.org", attends="in_person", listed_organisation=oxford)
    book(send, form_page, email="bob@example.org", attends="in_person", listed_organisation=oxford)
    assert booking_of("bob@example.org").status == BookingStatus.WAITING
    (waiting,) = emails_to("bob@example.org")
    assert waiting.subject == "You are on the waiting list: Hybrid workshop"
    assert (
        "Each organisation can have at most 1 place at this workshop, so that more organisations can come, "
        "and Oxford Health NHS Foundation Trust already has 1." in waiting.body
    )
    assert "Every place is taken" not in waiting.body


def test_waiting_for_a_room_place_says_which_kind_is_full(send, form_page):
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        book(send, form_page, email=email, attends="in_person")
    (waiting,) = emails_to("c@example.org")
    assert "Every in-person place is taken, so you are on the waiting list." in waiting.body


# 4. Your booking: the page at the link in the e-mails ------------------------------


def manage_path(booking):
    return path_of(manage_url(booking))


def test_your_booking_shows_the_booking_and_what_can_be_done(client, form_page):
    booking = make_booking(form_page, name="Ann Lee", email="ann@example.org", attends=PlaceKind.IN_PERSON)
    soup = html(client.get(manage_path(booking)))
    assert text(soup.h1).endswith("Your booking")
    assert text(soup.select_one(".booking-attends")) == f"In person, at {ADDRESS}"
    assert text(soup.select_one(".booking-status")) == "Confirmed: you have a place"
    actions = {text(link): link["href"] for link in soup.select(".booking-actions a")}
    assert actions == {
        "Change how you attend": manage_path(booking) + "attendance/",
        "Send a colleague instead": manage_path(booking) + "colleague/",
        "Cancel my booking": path_of(cancel_url(booking)),
    }


def test_a_workshop_held_one_way_offers_no_change_of_attending(client, index, venue):
    event = add_event(index, "one-way", days_ahead(30), venue=venue)
    booking = make_booking(add_booking_form(event))
    soup = html(client.get(manage_path(booking)))
    assert [text(link) for link in soup.select(".booking-actions a")] == [
        "Send a colleague instead",
        "Cancel my booking",
    ]
    assert client.post(manage_path(booking) + "attendance/", {"attends": "online"}).status_code == 200
    booking.refresh_from_db()
    assert booking.attends == PlaceKind.IN_PERSON


def test_a_link_that_is_not_a_bookings_is_not_found(client, form_page):
    booking = make_booking(form_page)
    path = manage_path(booking)
    token = path.split("/")[-2]
    for tampered in (f"/bookings/manage/{token[:-3]}abc/", f"/bookings/manage/{token[:-3]}abc/colleague/"):
        assert client.get(tampered).status_code == 404
        assert client.post(tampered).status_code == 404


def test_looking_at_the_pages_changes_nothing(client, form_page):
    booking = make_booking(form_page, attends=PlaceKind.IN_PERSON)
    for suffix in ("", "attendance/", "colleague/"):
        response = client.get(manage_path(booking) + suffix)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
    booking.refresh_from_db()
    assert (booking.status, booking.attends, booking.invitation_revision) == (
        BookingStatus.CONFIRMED,
        PlaceKind.IN_PERSON,
        0,
    )
    assert mail.outbox == []


def test_once_the_workshop_has_started_nothing_can_be_changed(client, clock, hybrid, form_page):
    booking = make_booking(form_page, attends=PlaceKind.IN_PERSON)
    clock.move_to(hybrid.starts_at + timedelta(minutes=5))
    soup = html(client.get(manage_path(booking)))
    assert text(soup.h1) == "This workshop has already started"
    assert soup.select(".booking-actions") == []
    client.post(manage_path(booking) + "attendance/", {"attends": "online"})
    client.post(
        manage_path(booking) + "colleague/",
        {"name": "Sam Patel", "email": "sam@example.org", "job_title": "Nurse", "organisation": "Leeds"},
    )
    booking.refresh_from_db()
    assert (booking.status, booking.attends) == (BookingStatus.CONFIRMED, PlaceKind.IN_PERSON)
    assert Booking.objects.count() == 1


# Change how I attend


def test_moving_online_frees_the_room_place_for_the_first_person_waiting_for_one(client, send, hybrid, form_page):
    ann = make_booking(form_page, name="Ann", email="ann@example.org", attends=PlaceKind.IN_PERSON)
    make_booking(form_page, name="Bob", email="bob@example.org", attends=PlaceKind.IN_PERSON)
    cat = make_booking(
        form_page, BookingStatus.WAITING, name="Cat", email="cat@example.org", attends=PlaceKind.IN_PERSON
    )
    make_booking(form_page, BookingStatus.WAITING, name="Dan", email="dan@example.org", attends=PlaceKind.IN_PERSON)
    cat.submit_time = timezone.now() - timedelta(hours=1)
    Booking.objects.filter(pk=cat.pk).update(submit_time=cat.submit_time)

    ask = html(client.get(manage_path(ann) + "attendance/"))
    assert text(ask.h1).endswith("Attend online instead?")
    assert text(ask.select_one(".booking-other-places")) == "Online places: no limit."

    response = send(manage_path(ann) + "attendance/", {"attends": "online"})
    assert response.status_code == 200
    assert text(html(response).select_one(".booking-outcome h1")) == "You will now attend online"
    ann.refresh_from_db()
    assert (ann.attends, ann.status, ann.invitation_revision) == (PlaceKind.ONLINE, BookingStatus.CONFIRMED, 1)
    assert booking_of("cat@example.org").status == BookingStatus.CONFIRMED
    assert booking_of("dan@example.org").status == BookingStatus.WAITING

    (changed,) = emails_to("ann@example.org")
    assert changed.subject.startswith("You will now attend online: Hybrid workshop, ")
    assert "You will now attend online." in changed.body
    assert "meet.example/hybrid" in changed.body
    assert "Portland Street" not in changed.body
    entry = only_entry(changed)
    assert str(entry["location"]) == "Online"
    assert entry["sequence"] == sequence_of(hybrid) + 1
    (promotion,) = emails_to("cat@example.org")
    assert promotion.subject.startswith("A place has come up for you")
    assert str(only_entry(promotion)["location"]) == ADDRESS


def test_moving_into_the_full_room_is_refused_and_the_online_place_kept(client, send, form_page):
    make_booking(form_page, attends=PlaceKind.IN_PERSON)
    make_booking(form_page, attends=PlaceKind.IN_PERSON)
    ann = make_booking(form_page, email="ann@example.org", attends=PlaceKind.ONLINE)
    ask = html(client.get(manage_path(ann) + "attendance/"))
    assert text(ask.h1).endswith("Attend in person instead?")
    assert text(ask.select_one(".booking-other-places")) == "Places in the room: none left."

    response = send(manage_path(ann) + "attendance/", {"attends": "in_person"})
    assert response.status_code == 409
    assert error_messages(html(response)) == [
        "Every place in person is taken, so we could not move you. You keep your place online."
    ]
    assert html(response).title.get_text().startswith("Error: ")
    ann.refresh_from_db()
    assert (ann.attends, ann.status, ann.invitation_revision) == (PlaceKind.ONLINE, BookingStatus.CONFIRMED, 0)
    assert emails_to("ann@example.org") == []


def test_moving_into_a_free_room_place(send, form_page):
    ann = make_booking(form_page, email="ann@example.org", attends=PlaceKind.ONLINE)
    response = send(manage_path(ann) + "attendance/", {"attends": "in_person"})
    assert text(html(response).select_one(".booking-outcome h1")) == "You will now attend in person"
    ann.refresh_from_db()
    assert ann.attends == PlaceKind.IN_PERSON
    (changed,) = emails_to("ann@example.org")
    assert ADDRESS in changed.body and "Portland Street entrance" in changed.body
    assert "meet.example" not in changed.body
    assert str(only_entry(changed)["location"]) == ADDRESS


def test_someone_waiting_for_the_room_who_moves_online_gets_a_place(send, form_page):
    make_booking(form_page, attends=PlaceKind.IN_PERSON)
    make_booking(form_page, attends=PlaceKind.IN_PERSON)
    ann = make_booking(form_page, BookingStatus.WAITING, email="ann@example.org", attends=PlaceKind.IN_PERSON)
    send(manage_path(ann) + "attendance/", {"attends": "online"})
    ann.refresh_from_db()
    assert (ann.attends, ann.status) == (PlaceKind.ONLINE, BookingStatus.CONFIRMED)


def test_a_crafted_kind_of_place_is_refused(send, form_page):
    ann = make_booking(form_page, attends=PlaceKind.IN_PERSON)
    response = send(manage_path(ann) + "attendance/", {"attends": "on the moon"})
    assert response.status_code == 409
    ann.refresh_from_db()
    assert ann.attends == PlaceKind.IN_PERSON


# Send a colleague instead

COLLEAGUE = {
    "name": "Sam Patel",
    "email": "sam.patel@example.nhs.uk",
    "job_title": "Director of HR",
    "organisation": "Leeds and York Partnership NHS Foundation Trust",
}


def hand_over(send, booking, **answers):
    return send(manage_path(booking) + "colleague/", {**COLLEAGUE, **answers})


def test_a_colleague_takes_the_place_in_its_position_with_their_own_link(client, send, hybrid, form_page):
    ann = make_booking(
        form_page,
        name="Ann Lee",
        email="ann@example.org",
        attends=PlaceKind.ONLINE,
        access_needs="A hearing loop",
        submitted_ago=timedelta(days=3),
    )
    response = hand_over(send, ann)
    assert response.status_code == 200
    outcome = html(response).select_one(".booking-outcome")
    assert text(outcome.h1) == "Your place has gone to Sam Patel"
    assert "We have sent Sam Patel the details" in text(outcome)

    ann.refresh_from_db()
    sam = booking_of(COLLEAGUE["email"])
    assert ann.status == BookingStatus.CANCELLED
    assert ann.handed_over_to == sam
    assert (sam.status, sam.attends, sam.submit_time) == (BookingStatus.CONFIRMED, PlaceKind.ONLINE, ann.submit_time)
    assert (sam.name, sam.job_title, sam.organisation) == (
        "Sam Patel",
        "Director of HR",
        "Leeds and York Partnership NHS Foundation Trust",
    )
    assert sam.access_needs == ""

    (received,) = emails_to(COLLEAGUE["email"])
    assert received.subject.startswith("Ann Lee has given you their place: Hybrid workshop, ")
    assert "Ann Lee has given you their place at this workshop." in received.body
    assert "Job title: Director of HR" in received.body
    assert "Organisation: Leeds and York Partnership NHS Foundation Trust" in received.body
    assert "accessibility, communication or dietary needs, reply to this e-mail to tell Joanna Daci" in received.body
    assert received.reply_to == ["jd@example.org"]
    assert "/privacy-notice/" in received.body
    assert "meet.example/hybrid" in received.body
    assert str(only_entry(received)["location"]) == "Online"
    assert bookings_linked_in(received) == {"manage": sam, "cancel": sam}
    their_cancel = path_of(cancel_url(sam))
    assert text(html(client.get(their_cancel)).h1) == "Cancel your place?"

    (told,) = emails_to("ann@example.org")
    assert told.subject == "Your place has gone to Sam Patel: Hybrid workshop"
    assert (
        "You have given your place to Sam Patel (Leeds and York Partnership NHS Foundation Trust). "
        "We have sent them the details. You no longer have a place." in told.body
    )
    assert "/bookings/" not in told.body
    assert told.attachments == []

    entry = PageLogEntry.objects.get(page=hybrid, action="events.hand_over_booking")
    assert entry.data == {"booking": ann.pk, "to_booking": sam.pk}


def test_the_givers_old_link_shows_the_hand_over_and_changes_nothing(client, send, form_page):
    ann = make_booking(form_page, email="ann@example.org", attends=PlaceKind.ONLINE)
    hand_over(send, ann)
    sam = booking_of(COLLEAGUE["email"])

    soup = html(client.get(manage_path(ann)))
    assert text(soup.h1) == "You have given this place to Sam Patel"
    assert COLLEAGUE["email"] not in text(soup)
    assert soup.select(".booking-actions") == []
    assert text(html(client.get(path_of(cancel_url(ann)))).h1) == "You have given this place to Sam Patel"

    mail.outbox.clear()
    send(path_of(cancel_url(ann)))
    send(manage_path(ann) + "attendance/", {"attends": "in_person"})
    hand_over(send, ann, email="someone.else@example.org")
    sam.refresh_from_db()
    assert (sam.status, sam.attends) == (BookingStatus.CONFIRMED, PlaceKind.ONLINE)
    assert not Booking.objects.filter(email="someone.else@example.org").exists()
    assert mail.outbox == []


def test_a_waiting_place_can_be_given_and_says_so(send, form_page):
    make_booking(form_page, attends=PlaceKind.IN_PERSON)
    make_booking(form_page, attends=PlaceKind.IN_PERSON)
    ann = make_booking(form_page, BookingStatus.WAITING, name="Ann Lee", attends=PlaceKind.IN_PERSON)
    response = hand_over(send, ann)
    assert text(html(response).select_one(".booking-outcome h1")) == (
        "Your place on the waiting list has gone to Sam Patel"
    )
    sam = booking_of(COLLEAGUE["email"])
    assert (sam.status, sam.submit_time) == (BookingStatus.WAITING, Booking.objects.get(pk=ann.pk).submit_time)
    (received,) = emails_to(COLLEAGUE["email"])
    assert received.subject.startswith("Ann Lee has given you their place on the waiting list: Hybrid workshop, ")
    assert "Every place is taken at the moment" in received.body
    assert received.attachments == []


@pytest.mark.parametrize(
    ("email", "error", "told"),
    [
        ("ANN@example.org", "That is the address this place is already booked with. Enter your colleague's.", []),
        (
            # Not "already booked" on the page, where anyone with a booking could test addresses:
            # the address's owner hears of it by e-mail, as from the booking form.
            "bob@example.org",
            "We could not hand your place to bob@example.org. You keep your place. Check the address, or give "
            "the place to another colleague.",
            ["bob@example.org"],
        ),
    ],
)
def test_a_colleagues_address_goes_through_the_duplicate_check(send, form_page, email, error, told):
    ann = make_booking(form_page, email="ann@example.org", attends=PlaceKind.ONLINE)
    make_booking(form_page, email="bob@example.org", attends=PlaceKind.ONLINE)
    response = hand_over(send, ann, email=email)
    assert response.status_code == 409
    assert error_messages(html(response)) == [error]
    ann.refresh_from_db()
    assert ann.status == BookingStatus.CONFIRMED
    assert Booking.objects.count() == 2
    assert [message.to[0] for message in mail.outbox] == told
    if told:
        assert mail.outbox[0].subject.startswith("You already have a place: ")


def test_the_colleague_form_asks_each_question_clearly(client, send, form_page, organisations):
    ann = make_booking(form_page, attends=PlaceKind.ONLINE)
    form = html(client.get(manage_path(ann) + "colleague/")).select_one("form.hand-over-form")
    assert [option.get_text() for option in form.select("option")][-1] == "Their organisation is not listed"
    response = send(manage_path(ann) + "colleague/", {})
    assert error_messages(html(response)) == [
        "Enter your colleague's full name",
        "Enter your colleague's work email address",
        "Enter your colleague's job title",
        "Choose your colleague's organisation, or choose 'Their organisation is not listed' and type its name",
    ]
    response = send(
        manage_path(ann) + "colleague/",
        {**COLLEAGUE, "organisation": "", "listed_organisation": organisations["tavistock"].pk},
    )
    sam = booking_of(COLLEAGUE["email"])
    assert (sam.listed_organisation, sam.organisation) == (
        organisations["tavistock"],
        "Tavistock and Portman NHS Foundation Trust",
    )


def test_the_hand_over_form_is_limited_per_connection(send, form_page):
    with override_settings(BOOKING_RATE_LIMIT_ATTEMPTS=2):
        bookings = [make_booking(form_page, attends=PlaceKind.ONLINE) for _ in range(3)]
        statuses = [
            hand_over(send, booking, email=f"colleague{number}@example.org", REMOTE_ADDR="192.0.2.1").status_code
            for number, booking in enumerate(bookings)
        ]
        assert statuses == [200, 200, 429]
        refused = hand_over(send, bookings[2], email="colleague9@example.org", REMOTE_ADDR="192.0.2.1")
        assert "too many attempts" in " ".join(error_messages(html(refused)))
        assert not Booking.objects.filter(email__startswith="colleague9").exists()
        assert not Booking.objects.filter(email="colleague2@example.org").exists()
        # Booking is counted apart: the hand-overs have not used up the connection's bookings.
        booked = send(form_page.url, booking_answers(attends="online"), REMOTE_ADDR="192.0.2.1")
        assert booked.status_code == 302


def test_a_colleagues_name_with_a_hidden_line_break_is_refused(send, form_page):
    # It would go into e-mail subjects (where a line break is refused) and the exports.
    ann = make_booking(form_page, attends=PlaceKind.ONLINE)
    response = hand_over(send, ann, name="Sam\nBcc: everyone@example.org")
    assert error_messages(html(response)) == [
        "Full name had a hidden character in it, often copied in from another document. We have taken it out: "
        "check your answer, then send the form again."
    ]
    assert html(response).select_one("#id_name")["value"] == "SamBcc: everyone@example.org"
    assert not Booking.objects.filter(email=COLLEAGUE["email"]).exists()
