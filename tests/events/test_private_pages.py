"""
Private workshops and news items (Privacy: a password, signing in, or
groups): until the visitor is let in, their title, summary and metadata
appear nowhere in the News and events section: not on the "Password
required" page, the booking form's, the listings, the feed, the calendars,
nor the cards of the public pages that point at them.
"""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from tests.conftest import PASSWORD, RESTRICTION_TYPES, SECRET, html

pytestmark = pytest.mark.django_db


def shows_nothing_of_it(response):
    """The answer says nothing a private page holds: no title, summary, description, metadata or breadcrumbs."""
    content = response.content.decode()
    assert SECRET not in content
    soup = html(response)
    assert soup.select('meta[property^="og:"]') == []
    assert soup.select('script[type="application/ld+json"]') == []
    assert soup.select(".nhsuk-breadcrumb") == []
    return True


def password_form(response):
    field = html(response).select_one("input[name=password]")
    return field.find_parent("form") if field else None


def test_the_password_page_of_a_private_workshop_shows_nothing_of_it(private_content):
    response = Client().get(private_content.workshop.url)
    assert response.status_code == 200
    assert password_form(response) is not None
    assert shows_nothing_of_it(response)
    assert html(response).title.get_text().startswith("Password required")
    assert html(response).select_one('meta[name="robots"]')["content"] == "noindex"


def test_the_password_page_of_a_private_news_item_shows_nothing_of_it(private_content):
    response = Client().get(private_content.news.url)
    assert password_form(response) is not None
    assert shows_nothing_of_it(response)


def test_the_booking_form_of_a_private_workshop_does_not_name_it_in_its_breadcrumbs(private_content):
    response = Client().get(private_content.booking_form.url)
    assert password_form(response) is not None
    assert shows_nothing_of_it(response)


def test_a_wrong_password_shows_nothing_of_the_page_either(private_content):
    visitor = Client()
    action = password_form(visitor.get(private_content.workshop.url))["action"]
    response = visitor.post(action, {"password": "not-the-password", "return_url": private_content.workshop.url})
    assert password_form(response) is not None
    assert shows_nothing_of_it(response)


def test_the_right_password_shows_the_workshop(private_content):
    visitor = Client()
    action = password_form(visitor.get(private_content.workshop.url))["action"]
    visitor.post(action, {"password": PASSWORD, "return_url": private_content.workshop.url})
    assert f"{SECRET} workshop" in html(visitor.get(private_content.workshop.url)).h1.get_text()


@pytest.mark.parametrize("private_content", RESTRICTION_TYPES, indirect=True)
@pytest.mark.parametrize(
    "path",
    [
        "/news-and-events/",
        "/news-and-events/?show=upcoming",
        "/news-and-events/?show=news",
        "/news-and-events/?show=past",
    ],
)
def test_private_pages_are_left_out_of_the_news_and_events_listings(private_content, path):
    response = Client().get(path)
    assert response.status_code == 200
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("private_content", RESTRICTION_TYPES, indirect=True)
def test_private_pages_are_left_out_of_the_feed(private_content):
    response = Client().get("/news-and-events/feed.xml")
    assert response.status_code == 200
    titles = [item.findtext("title") for item in ET.fromstring(response.content).iter("item")]
    assert "Open workshop" in titles
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("private_content", RESTRICTION_TYPES, indirect=True)
def test_private_workshops_are_left_out_of_the_calendars(private_content):
    calendar = Client().get("/news-and-events/calendar.ics")
    assert calendar.status_code == 200
    assert b"Open workshop" in calendar.content
    assert SECRET.encode() not in calendar.content
    assert Client().get(private_content.workshop.url + "calendar.ics").status_code == 404


@pytest.mark.parametrize("private_content", RESTRICTION_TYPES, indirect=True)
def test_a_public_workshop_does_not_name_a_private_report_from_it(private_content):
    response = Client().get(private_content.open_workshop.url)
    assert response.status_code == 200
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("private_content", RESTRICTION_TYPES, indirect=True)
def test_a_public_news_item_does_not_name_private_related_pages_or_reports(private_content):
    response = Client().get(private_content.open_news.url)
    assert response.status_code == 200
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("private_content", ["login", "groups"], indirect=True)
def test_a_visitor_is_asked_to_sign_in_for_a_page_for_signed_in_people_and_shown_nothing_of_it(private_content):
    for page in (private_content.workshop, private_content.booking_form, private_content.news):
        response = Client().get(page.url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]
        assert SECRET not in response.content.decode()
