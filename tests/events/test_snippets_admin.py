"""Editors manage venues and contacts in the admin: list, filter, search, export and choose."""

import csv
import io

import pytest
from django.urls import reverse

from tests.conftest import html

pytestmark = pytest.mark.django_db


def test_venue_listing_shows_the_city_and_filters_by_it(admin_client, initial_content):
    response = admin_client.get(reverse("wagtailsnippets_events_venue:list"))
    assert response.status_code == 200
    listing = html(response)
    headers = [th.get_text(" ", strip=True) for th in listing.select("table thead th")]
    assert any("Town or city" in header for header in headers)
    filtered = admin_client.get(reverse("wagtailsnippets_events_venue:list"), {"town_or_city": "London"})
    names = [a.get_text(strip=True) for a in html(filtered).select("table tbody td a")]
    assert "30 Euston Square" in " ".join(names) and "Malmaison Hotel" not in " ".join(names)


def test_venue_search_and_export(admin_client, initial_content):
    found = admin_client.get(reverse("wagtailsnippets_events_venue:list"), {"q": "Manchester"})
    assert "Malmaison Hotel" in found.content.decode()
    assert "The Studio" not in html(found).select_one("table").get_text()

    export = admin_client.get(reverse("wagtailsnippets_events_venue:list"), {"export": "csv"})
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert {row["Name"]: row["Postcode"] for row in rows}["The Studio"] == "B2 5EP"


def test_the_venue_chooser_is_searchable(admin_client, initial_content):
    response = admin_client.get(reverse("wagtailsnippetchoosers_events_venue:choose_results"), {"q": "Birm"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "The Studio" in text and "Malmaison" not in text


def test_an_editor_adds_a_venue_and_sees_plain_errors(admin_client, initial_content):
    url = reverse("wagtailsnippets_events_venue:add")
    response = admin_client.post(url, {"name": "", "address_line_1": "", "town_or_city": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    response = admin_client.post(
        url,
        {
            "name": "Leeds venue",
            "address_line_1": "1 Park Row",
            "town_or_city": "Leeds",
            "postcode": "LS1 5AB",
            "step_free_access": "yes",
            "accessible_toilet": "",
            "hearing_loop": "no",
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("model", "query", "expected", "absent"),
    [
        ("contact", "Joanna", "Joanna Daci", None),
        ("audiencerole", "Nursing", "Director of Nursing", "Director of HR"),
    ],
)
def test_contacts_and_audience_roles_are_searchable(admin_client, initial_content, model, query, expected, absent):
    response = admin_client.get(reverse(f"wagtailsnippets_events_{model}:list"), {"q": query})
    assert response.status_code == 200
    table = html(response).select_one("table").get_text()
    assert expected in table
    if absent:
        assert absent not in table


# Who chooses where booking notices go --------------------------------------------


@pytest.fixture
def contact(db):
    from events.models import Contact

    return Contact.objects.create(
        name="Joanna Daci", role="Programme Operations Manager", email="joanna@example.nhs.uk"
    )


def contact_form(**changes):
    return {"name": "Joanna Daci", "role": "Programme Operations Manager", "phone": "", **changes}


@pytest.mark.parametrize("role", ["Editors", "Moderators"])
def test_an_editor_cannot_redirect_booking_notices_to_their_own_address(client, log_in, contact, role):
    log_in(role)
    edit_url = reverse("wagtailsnippets_events_contact:edit", args=[contact.pk])
    form = html(client.get(edit_url))
    assert form.select_one("input[name=email]") is None, "the e-mail address is not on the editor's form"
    assert "Only Booking administrators can set or change" in form.get_text()

    # Sent anyway, as a script would: the address is ignored, the rest is saved.
    response = client.post(edit_url, contact_form(email="editor@attacker.example", role="Operations Manager"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.email == "joanna@example.nhs.uk"
    assert contact.role == "Operations Manager"


@pytest.mark.parametrize("role", ["Editors", "Moderators"])
def test_an_editor_cannot_add_a_contact_with_their_own_address(client, log_in, role):
    from events.models import Contact

    log_in(role)
    response = client.post(
        reverse("wagtailsnippets_events_contact:add"), contact_form(name="Ann Other", email="editor@attacker.example")
    )
    assert response.status_code == 302
    assert Contact.objects.get(name="Ann Other").email == ""


def test_a_booking_administrator_sets_a_contacts_address(client, log_in, contact):
    log_in("Booking administrators")
    edit_url = reverse("wagtailsnippets_events_contact:edit", args=[contact.pk])
    assert html(client.get(edit_url)).select_one("input[name=email]")["value"] == "joanna@example.nhs.uk"
    response = client.post(edit_url, contact_form(email="bookings@example.nhs.uk"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.email == "bookings@example.nhs.uk"


def test_a_venue_named_as_a_formula_is_exported_as_text(admin_client, initial_content):
    from events.models import Venue

    Venue.objects.create(name='=HYPERLINK("http://evil.example/","Directions")', town_or_city="Leeds", postcode="LS1")
    response = admin_client.get(reverse("wagtailsnippets_events_venue:list"), {"export": "csv"})
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    names = [row["Name"] for row in csv.DictReader(io.StringIO(content))]
    assert '\'=HYPERLINK("http://evil.example/","Directions")' in names


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("ox3 7jx", "OX3 7JX"), ("  m1   3aq ", "M1 3AQ"), ("sw1a1aa", "SW1A 1AA"), ("LS1", "LS1"), ("", "")],
)
def test_an_editor_adds_a_venue_and_its_postcode_is_tidied(client, log_in, initial_content, typed, kept):
    from events.models import Venue

    log_in("Editors")
    response = client.post(
        reverse("wagtailsnippets_events_venue:add"),
        {
            "name": "Warneford Hospital",
            "address_line_1": "Warneford Lane",
            "town_or_city": "Oxford",
            "postcode": typed,
            "step_free_access": "",
            "accessible_toilet": "",
            "hearing_loop": "",
        },
    )
    assert response.status_code == 302
    assert Venue.objects.get(name="Warneford Hospital").postcode == kept


def test_a_venue_saved_outside_the_admin_has_its_postcode_tidied_too(db):
    from events.models import Venue

    venue = Venue.objects.create(
        name="Littlemore", address_line_1="Sandford Road", town_or_city="Oxford", postcode="ox4 4xn"
    )
    venue.refresh_from_db()
    assert venue.postcode == "OX4 4XN"
