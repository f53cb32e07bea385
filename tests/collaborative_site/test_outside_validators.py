"""
The served site as the outside world reads it, judged by the outside
world's own tools rather than by ours: the site as `make run` serves it
(initial content and the demo workshop, SITE_URL set to where it serves) is
crawled from its home page, sitemap and robots.txt, and

- every page and file it links to on its own host answers 200 (no redirects,
  nothing dead), and no link points at another local address;
- the W3C Nu Html Checker finds no error in any page (tests/validators.py);
- feedparser reads the feed, newest first, with no item dated when the
  content was loaded;
- vobject, an iCalendar parser independent of the icalendar library the site
  writes with, reads every calendar file, and every event in it ends;
- extruct reads each event page's JSON-LD as search engines do, and every
  event whose facts allow it carries what Google's Event rich result needs.
"""

import io
from collections import deque
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import extruct
import feedparser
import pytest
import requests
import vobject
from bs4 import BeautifulSoup
from django.core.management import call_command
from icalendar import Calendar

from events.models import AttendanceMode, EventPage, EventStatus
from home.models import HomePage
from home.site_address import is_local

pytestmark = pytest.mark.django_db(transaction=True)

# A guard against a crawl that never ends (query strings that multiply):
# the whole site is a few dozen addresses.
MOST_ADDRESSES = 400
SITEMAP_NAMESPACE = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def served_site(committed_content, live_server, settings):
    """The site as make run serves it: its public address is where it is served."""
    settings.SITE_URL = settings.WAGTAILADMIN_BASE_URL = live_server.url
    call_command("load_initial_content", "--demo", stdout=io.StringIO())
    return live_server.url


def links_in_html(document):
    soup = BeautifulSoup(document, "html.parser")
    for element, attribute in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
        for tag in soup.find_all(element, attrs={attribute: True}):
            yield tag[attribute]
    for tag in soup.find_all(["img", "source"], attrs={"srcset": True}):
        for candidate in tag["srcset"].split(","):
            yield candidate.split()[0]
    for form in soup.find_all("form", attrs={"method": "get"}):
        yield form.get("action") or ""
    for meta in soup.find_all("meta", attrs={"property": ["og:url", "og:image"]}):
        yield meta["content"]


def links_in(response):
    content_type = response.headers.get("Content-Type", "")
    if content_type.startswith("text/html"):
        yield from links_in_html(response.text)
    elif "xml" in content_type and "<urlset" in response.text:
        soup = BeautifulSoup(response.content, "xml")
        yield from (location.text for location in soup.find_all("loc"))
    elif content_type.startswith(("application/rss+xml", "application/atom+xml")):
        feed = feedparser.parse(response.content)
        yield feed.feed.link
        yield from (entry.link for entry in feed.entries)
    elif content_type.startswith("text/calendar"):
        for entry in Calendar.from_ical(response.content).walk("VEVENT"):
            if "url" in entry:
                yield str(entry["url"])
    elif content_type.startswith("text/plain"):
        yield from (line.split(":", 1)[1].strip() for line in response.text.splitlines() if line.startswith("Sitemap:"))


def crawl(base):
    """Every address on the site's own host that can be reached from its front doors: {address: response}."""
    host = urlsplit(base).netloc
    responses = {}
    dead_local_links = []
    queue = deque([f"{base}/", f"{base}/robots.txt", f"{base}/sitemap.xml"])
    queued = set(queue)
    with requests.Session() as session:
        while queue:
            address = queue.popleft()
            response = session.get(address, allow_redirects=False, timeout=60)
            responses[address] = response
            if response.status_code != 200:
                continue
            for link in links_in(response):
                target = urljoin(address, link).split("#")[0]
                parts = urlsplit(target)
                if parts.scheme not in ("http", "https"):
                    continue  # mailto:, tel:
                if parts.netloc != host:
                    if is_local(parts.hostname or "") or parts.hostname == "testserver":
                        dead_local_links.append(f"{address} links to {target}")
                    continue  # another organisation's site: not ours to fetch
                if target not in queued:
                    queued.add(target)
                    queue.append(target)
            assert len(queued) <= MOST_ADDRESSES, "the crawl found more addresses than the site has pages"
    return responses, dead_local_links


def is_html(response):
    return response.headers.get("Content-Type", "").startswith("text/html")


def test_the_served_site_passes_the_outside_worlds_checks(served_site, request):
    responses, dead_local_links = crawl(served_site)

    # Every link answers, on the host it is served from.
    assert dead_local_links == []
    not_ok = {address: response.status_code for address, response in responses.items() if response.status_code != 200}
    assert not_ok == {}
    pages = {address: response.text for address, response in responses.items() if is_html(response)}
    assert len(pages) > 20

    check_the_feed(served_site, responses)
    check_the_calendar_files(responses)
    check_the_events_structured_data(served_site, responses)

    # Last, as it alone needs Java: the Nu Html Checker finds no error on any page.
    nu_errors = request.getfixturevalue("nu_errors")
    errors = {address: found for address, found in nu_errors(pages).items() if found}
    assert errors == {}


def check_the_feed(base, responses):
    (feed_address,) = [address for address in responses if address.endswith("/feed.xml")]
    feed = feedparser.parse(responses[feed_address].content)
    assert not feed.bozo, feed.bozo_exception
    # Items whose date is not known carry none, and come last.
    dates = [entry.get("published_parsed") for entry in feed.entries]
    given = [date for date in dates if date is not None]
    assert dates == sorted(given, reverse=True) + [None] * (len(dates) - len(given)), "not newest first"

    # The initial content was loaded in one go: nothing of it may be dated then.
    loaded_at = HomePage.objects.get().first_published_at
    demo_pages = {page.full_url for page in EventPage.objects.filter(slug="example-workshop")}
    for entry in feed.entries:
        if entry.link in demo_pages or not entry.get("published_parsed"):
            continue  # the demo workshop really was first published when it was loaded
        published = datetime(*entry.published_parsed[:6], tzinfo=UTC)
        assert abs(published - loaded_at) > timedelta(minutes=10), f"{entry.title} is dated at the load time"


def check_the_calendar_files(responses):
    calendars = [
        response for response in responses.values() if response.headers["Content-Type"].startswith("text/calendar")
    ]
    assert len(calendars) > 3
    for response in calendars:
        for calendar in vobject.readComponents(response.text):
            events = calendar.contents.get("vevent", [])
            assert events, f"{response.url} has no events"
            for event in events:
                assert "dtend" in event.contents or "duration" in event.contents, f"{response.url}: no end"
                assert event.dtstart.value, f"{response.url}: no start"
                if "location" in event.contents:
                    assert event.location.value.strip(), f"{response.url}: an empty LOCATION"


# What Google's Event rich result requires (developers.google.com/search/docs/appearance/structured-data/event);
# tests/events/test_structured_data.py says which fact of ours each property comes from.
REQUIRED_EVENT_PROPERTIES = ("name", "startDate", "location")


def facts_allow_a_rich_result(event):
    """
    A full date, and a place to name: a venue's address, or an address to
    join or book it online (its booking form, until its day is over: the
    joining link itself goes only to people booked).
    """
    if event.date_shows_month_only:
        return False
    held_at_venue = event.venue is not None and event.attendance_mode != AttendanceMode.ONLINE
    online = event.attendance_mode != AttendanceMode.IN_PERSON or event.status == EventStatus.MOVED_ONLINE
    return (held_at_venue and event.status != EventStatus.MOVED_ONLINE) or (
        online and event.booking_page is not None and not event.has_started()
    )


def qualifies(described):
    if any(not described.get(name) for name in REQUIRED_EVENT_PROPERTIES):
        return False
    if len(described["startDate"]) < len("2020-03-05"):
        return False
    locations = described["location"] if isinstance(described["location"], list) else [described["location"]]
    return all(location.get("address") or location.get("url") for location in locations)


def check_the_events_structured_data(base, responses):
    verdicts = {}
    for event in EventPage.objects.live().public():
        response = responses.get(event.full_url)
        assert response is not None, f"{event.title} cannot be reached by following links"
        data = extruct.extract(response.text, base_url=event.full_url, syntaxes=["json-ld"])["json-ld"]
        (described,) = [item for item in data if item.get("@type") == "Event"]
        verdicts[event.title] = (facts_allow_a_rich_result(event), qualifies(described))
        if event.date_shows_month_only:
            assert described["startDate"] == event.date.strftime("%Y-%m"), "a day nobody gave"
        if event.venue is None and event.attendance_mode == AttendanceMode.IN_PERSON:
            assert "location" not in described, f"{event.title} claims a location nobody gave"
    # Every event qualifies exactly when its facts allow it.
    assert {title: allowed for title, (allowed, _) in verdicts.items()} == {
        title: qualified for title, (_, qualified) in verdicts.items()
    }
    assert sum(allowed for allowed, _ in verdicts.values()) >= 2
