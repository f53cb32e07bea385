"""
Every full link the site gives out comes from one setting, SITE_URL, through
the Site record that load_initial_content writes it into: never from the
Host a request came with, since a cached page, a feed or an e-mail made from
one visitor's request is read by everyone else.
"""

import io
import re
import xml.etree.ElementTree as ElementTree
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from wagtail.models import Site

from events.models import NewsAndEventsIndexPage
from tests.conftest import html
from tests.events.factories import add_booking_form, add_event, booking_answers

pytestmark = pytest.mark.django_db

PUBLIC = "https://workforce.example.org"
# A host the site answers to (ALLOWED_HOSTS) that is not its public address.
OTHER_HOST = "localhost"
LINK = re.compile(r"https?://[^\s\"'<>)]+")


@pytest.fixture
def public_site(settings, initial_content):
    settings.SITE_URL = settings.WAGTAILADMIN_BASE_URL = PUBLIC
    output = io.StringIO()
    call_command("load_initial_content", stdout=output)
    return output.getvalue()


@pytest.fixture
def visitor():
    """A visitor whose requests name another host than the public one."""
    return Client(HTTP_HOST=OTHER_HOST)


def test_loading_the_content_writes_the_public_address_into_the_site_record(public_site):
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.root_url) == ("workforce.example.org", 443, PUBLIC)
    assert f"Links in e-mails, the sitemap, feeds and calendar files start {PUBLIC} (SITE_URL)." in public_site


def test_the_sitemap_and_robots_txt_name_only_the_public_address(public_site, visitor):
    robots = visitor.get("/robots.txt").content.decode()
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in robots.splitlines()

    sitemap = ElementTree.fromstring(visitor.get("/sitemap.xml").content)
    entries = [element.text for element in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert len(entries) > 5
    assert all(entry.startswith(f"{PUBLIC}/") for entry in entries), entries


def test_the_feed_and_its_items_link_to_the_public_address(public_site, visitor):
    index = NewsAndEventsIndexPage.objects.get()
    feed = ElementTree.fromstring(visitor.get(f"{index.url}feed.xml").content)
    channel = feed.find("channel")
    assert channel.findtext("link") == f"{PUBLIC}{index.url}"
    assert channel.find("{http://www.w3.org/2005/Atom}link").get("href") == f"{PUBLIC}{index.url}feed.xml"
    items = [item.findtext("link") for item in channel.iter("item")]
    assert items
    assert all(link.startswith(f"{PUBLIC}/") for link in items), items


def test_pages_and_calendar_files_give_the_public_address_whatever_host_was_asked(public_site, visitor):
    index = NewsAndEventsIndexPage.objects.get()
    event = index.events().filter(start_time__isnull=False).first()

    page = html(visitor.get(event.url))
    assert page.select_one('meta[property="og:url"]')["content"] == f"{PUBLIC}{event.url}"
    for script in page.select('script[type="application/ld+json"]'):
        assert OTHER_HOST not in script.string

    (entry,) = Calendar.from_ical(visitor.get(f"{event.url}calendar.ics").content).walk("VEVENT")
    assert str(entry["url"]) == f"{PUBLIC}{event.url}"


def test_every_link_in_a_booking_email_leads_to_the_public_address(
    public_site, visitor, django_capture_on_commit_callbacks
):
    index = NewsAndEventsIndexPage.objects.get()
    workshop = add_event(index, "spring-workshop", timezone.localdate() + timedelta(days=30), title="Spring")
    form_page = add_booking_form(workshop)

    with django_capture_on_commit_callbacks(execute=True):
        visitor.post(form_page.url, booking_answers())

    (message,) = mail.outbox
    (html_body, _) = message.alternatives[0]
    links = LINK.findall(message.body) + LINK.findall(html_body)
    assert any("/bookings/cancel/" in link for link in links)
    assert any(link.startswith(f"{PUBLIC}{workshop.url}") for link in links)
    assert all(link.startswith(f"{PUBLIC}/") for link in links), links
