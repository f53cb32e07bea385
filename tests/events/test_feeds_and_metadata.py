"""The news feed, schema.org data and Open Graph tags, parsed back as their readers would."""

import json
import xml.etree.ElementTree as ET
from datetime import date, time, timedelta

import pytest

from events.models import AttendanceMode, EventPage
from tests.conftest import html
from tests.events.factories import add_event, add_news

pytestmark = pytest.mark.django_db


def json_ld(response):
    (script,) = html(response).select('script[type="application/ld+json"]')
    return json.loads(script.string)


def test_the_feed_lists_news_and_events_newest_first(client, index, today):
    add_news(index, "fresh-news", today)
    add_event(index, "next-workshop", today + timedelta(days=10))
    response = client.get("/news-and-events/feed.xml")
    assert response.status_code == 200
    channel = ET.fromstring(response.content).find("channel")
    assert channel.findtext("title").endswith(": news, events and reports")
    items = channel.findall("item")
    titles = [item.findtext("title") for item in items]
    assert titles[:2] == ["Next workshop", "Fresh news"]
    assert "Workshop on strategic workforce planning in mental health settings" in titles
    first = items[0]
    assert first.findtext("link") == "http://testserver/news-and-events/next-workshop/"
    assert first.findtext("category") == "Workshop"
    assert "Online" in first.findtext("description")


def test_the_index_links_its_feed_and_calendar(client, index):
    soup = html(client.get(index.url))
    assert soup.select_one('link[rel=alternate][type="application/rss+xml"]')["href"] == "/news-and-events/feed.xml"
    assert soup.select_one('link[rel=alternate][type="text/calendar"]')["href"] == "/news-and-events/calendar.ics"
    assert client.get("/about/feed.xml").status_code == 404


def test_an_event_describes_itself_to_search_engines(client, index, venue, today):
    event = add_event(
        index, "structured", date(2027, 7, 1), venue=venue, start_time=time(10, 30), end_time=time(12, 30)
    )
    data = json_ld(client.get(event.url))
    assert data["@type"] == "Event"
    assert data["startDate"] == "2027-07-01T10:30:00+01:00"
    assert data["endDate"] == "2027-07-01T12:30:00+01:00"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"]["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "1-3 Piccadilly",
        "addressLocality": "Manchester",
        "postalCode": "M1 3AQ",
        "addressCountry": "GB",
    }
    assert data["organizer"]["name"] == "National Mental Health Workforce Development Collaborative"


def test_an_event_moved_online_has_a_virtual_location(client, initial_content):
    event = EventPage.objects.get(slug="covid-19-workforce-issues-videoconference")
    data = json_ld(client.get(event.url))
    assert data["eventStatus"] == "https://schema.org/EventMovedOnline"
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    # Not the page itself: nobody joins there. It took no bookings on the site either,
    # so no address to join or book is known (tests/events/test_structured_data.py).
    assert data["location"] == {"@type": "VirtualLocation"}
    assert data["startDate"] == "2020-05-14"


def test_a_hybrid_event_has_both_places(client, index, venue, today):
    event = add_event(index, "hybrid", today + timedelta(days=5), venue=venue, attendance_mode=AttendanceMode.HYBRID)
    data = json_ld(client.get(event.url))
    assert [place["@type"] for place in data["location"]] == ["Place", "VirtualLocation"]
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"


def test_json_ld_cannot_break_out_of_its_script(client, index, today):
    event = add_event(index, "tricky", today + timedelta(days=5), summary="</script><script>alert(1)</script>")
    response = client.get(event.url)
    assert b"</script><script>alert(1)" not in response.content
    assert json_ld(response)["description"] == "</script><script>alert(1)</script>"


def test_news_describes_itself_as_an_article(client, index):
    item = add_news(index, "article", date(2021, 5, 6))
    data = json_ld(client.get(item.url))
    assert (data["@type"], data["headline"], data["datePublished"]) == ("NewsArticle", "Article", "2021-05-06")


def test_pages_carry_open_graph_tags(client, initial_content):
    soup = html(client.get("/news-and-events/thriving-at-work-report/"))
    tags = {meta["property"]: meta["content"] for meta in soup.select("meta[property^='og:']")}
    assert tags["og:type"] == "article"
    assert tags["og:title"] == "Read our report on ‘Thriving at Work’"
    assert tags["og:url"] == "http://testserver/news-and-events/thriving-at-work-report/"
    assert tags["og:site_name"] == "National Mental Health Workforce Development Collaborative"
    assert tags["og:description"].startswith("The workshop report is intended")


def test_an_event_page_does_not_query_per_agenda_item(client, index, today):
    def agenda(sessions):
        session = {
            "time": "10:30",
            "title": "Talk",
            "speakers": [{"name": "A", "role": "", "organisation": "B"}],
            "to_be_confirmed": False,
            "description": "",
        }
        return [{"type": "part", "value": {"heading": "Morning", "sessions": [session] * sessions}}]

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = add_event(index, "small-agenda", today + timedelta(days=5), agenda=agenda(1))
    large = add_event(index, "large-agenda", today + timedelta(days=6), agenda=agenda(40))
    counts = []
    for event in (small, large):
        client.get(event.url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(event.url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
