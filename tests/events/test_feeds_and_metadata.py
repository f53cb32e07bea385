"""The news feed, schema.org data and Open Graph tags, parsed back as their readers would."""

import json
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta

import feedparser
import pytest
from django.utils import timezone
from wagtail.models import Page

from collaborative_site.feeds import FEED_LENGTH
from events.formatting import LONDON
from events.models import AttendanceMode, EventPage, NewsPage
from reports.models import ReportIndexPage
from tests.conftest import html
from tests.events.factories import add_event, add_news
from tests.reports.factories import add_report

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
    assert titles[0] == "Next workshop"
    assert titles.index("Fresh news") < titles.index("Collaborative workshop on diversity and inclusion")
    assert "Workshop on strategic workforce planning in mental health settings" in titles
    first = items[0]
    assert first.findtext("link") == "http://testserver/news-and-events/next-workshop/"
    assert first.findtext("category") == "Workshop"
    assert "Online" in first.findtext("description")


def feed_dates(client):
    """
    The feed as a feed reader reads it: each item's title and the moment it
    is dated (None where it has no date), in the feed's order.
    """
    response = client.get("/news-and-events/feed.xml")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return {
        entry.title: datetime(*entry.published_parsed[:6], tzinfo=UTC) if entry.get("published_parsed") else None
        for entry in feed.entries
    }


def newest_first_then_undated(dates):
    given = [moment for moment in dates.values() if moment is not None]
    undated = [moment for moment in dates.values() if moment is None]
    return list(dates.values()) == sorted(given, reverse=True) + undated


def first_published(page, moment):
    Page.objects.filter(pk=page.pk).update(first_published_at=moment)


def start_of(day):
    return datetime.combine(day, time.min, tzinfo=LONDON)


def test_the_feed_dates_each_item_by_what_it_is(client, index, today):
    now = timezone.now().replace(microsecond=0)
    yesterday = now - timedelta(days=1)
    reports = ReportIndexPage.objects.get()
    # Each item: the page, when it was first published, and the date the feed must give it.
    items = {
        # An event announced before it happens is dated when it was announced...
        "Upcoming workshop": (
            add_event(index, "upcoming-workshop", today + timedelta(days=30)),
            now - timedelta(days=2),
            now - timedelta(days=2),
        ),
        # ...and one put on the site afterwards by when it happened: at its start, or its day's.
        "Past workshop": (
            add_event(index, "past-workshop", today - timedelta(days=40), start_time=time(14)),
            yesterday,
            datetime.combine(today - timedelta(days=40), time(14), tzinfo=LONDON),
        ),
        "Untimed workshop": (
            add_event(index, "untimed-workshop", today - timedelta(days=50), start_time=None),
            yesterday,
            start_of(today - timedelta(days=50)),
        ),
        # News and reports by the date they give; undated where the editor did not know it.
        "Dated news": (
            add_news(index, "dated-news", today - timedelta(days=3)),
            yesterday,
            start_of(today - timedelta(days=3)),
        ),
        "Undated news": (add_news(index, "undated-news", None), now - timedelta(hours=6), None),
        "Dated report": (
            add_report(reports, "dated-report", today - timedelta(days=10)),
            yesterday,
            start_of(today - timedelta(days=10)),
        ),
        "Undated report": (
            add_report(reports, "undated-report", None),
            now - timedelta(days=20),
            None,
        ),
    }
    for page, published_at, _date in items.values():
        first_published(page, published_at)

    dates = feed_dates(client)

    for title, (_page, _published_at, date_given) in items.items():
        assert dates[title] == date_given, title
    # The initial content, loaded just before the test, is dated by its facts too.
    assert dates["Collaborative workshop on diversity and inclusion"] == datetime(2020, 11, 16, 10, 30, tzinfo=UTC)
    assert dates["Videoconference on psychological support for NHS staff"] == datetime(2020, 7, 2, 9, 30, tzinfo=UTC)
    assert dates["Workshop for HR Directors on the Thriving at Work report"] == datetime(2018, 2, 1, tzinfo=UTC)
    for event in EventPage.objects.filter(date__year__lte=2020, title__in=dates):
        assert dates[event.title] < event.first_published_at, f"{event.title} is not new for being loaded today"
    # The source gives the Thriving at Work news item no date: nor does the feed, rather than "loaded today".
    assert dates[NewsPage.objects.get(slug="thriving-at-work-report").title] is None
    assert newest_first_then_undated(dates)
    assert [title for title in dates if title in items] == [
        "Upcoming workshop",
        "Dated news",
        "Dated report",
        "Past workshop",
        "Untimed workshop",
        # The undated, last, the more recently published first.
        "Undated news",
        "Undated report",
    ]


def test_the_feed_keeps_the_items_newest_by_the_dates_it_shows(client, index, today):
    now = timezone.now().replace(microsecond=0)
    long_ago = now - timedelta(days=400)
    for number in range(FEED_LENGTH):
        # Ranked by their date fields alone, these (workshops to come, announced long ago; dated news
        # from long ago, ahead of undated news) would fill the feed.
        first_published(add_event(index, f"announced-{number}", today + timedelta(days=number + 1)), long_ago)
        first_published(add_news(index, f"old-news-{number}", today - timedelta(days=500)), long_ago)
    recent = add_event(index, "recent", today - timedelta(days=7))
    first_published(recent, now - timedelta(days=1))
    undated = add_news(index, "undated", None)
    first_published(undated, now - timedelta(days=2))
    report = add_report(ReportIndexPage.objects.get(), "undated-report", None)
    first_published(report, now - timedelta(days=3))

    dates = feed_dates(client)

    assert len(dates) == FEED_LENGTH
    assert "Recent" in dates
    # Items whose date is not known come after every dated one: here, past the feed's end.
    assert not {"Undated", "Undated report"} & set(dates)
    assert not [title for title in dates if title.startswith("Old news")]
    assert newest_first_then_undated(dates)


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
