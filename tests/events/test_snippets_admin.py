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
