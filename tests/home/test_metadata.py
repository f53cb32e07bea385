"""
Every page's one address for search engines (<link rel="canonical">) and
the picture social networks and search engines show with it (og:image),
read back as they read them.
"""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page

from home.models import SiteSettings
from reports.models import ReportIndexPage
from tests.conftest import html, metadata
from tests.reports.factories import add_report

pytestmark = pytest.mark.django_db

NHS_LOGO = "http://testserver/static/wagtailnhsukfrontend/favicons/largetile-310x310.png"


def canonical(response):
    (link,) = html(response).select('link[rel="canonical"]')
    return link["href"]


def every_page():
    """Every page of the site a visitor can open: the initial content, with the demo's workshop and its booking form."""
    call_command("load_initial_content", "--demo", stdout=io.StringIO())
    return list(Page.objects.live().public().filter(depth__gt=1).specific())


def test_every_page_names_its_own_address_without_any_query_string(client, initial_content):
    pages = every_page()
    assert {type(page).__name__ for page in pages} >= {
        "HomePage",
        "StandardPage",
        "NewsAndEventsIndexPage",
        "EventPage",
        "BookingFormPage",
        "NewsPage",
        "ReportIndexPage",
        "ReportPage",
    }
    for page in pages:
        address = "http://testserver" + page.url
        for query in ("", "?utm_source=newsletter", "?page=2&utm_campaign=x"):
            response = client.get(page.url + query)
            assert response.status_code == 200, page.url + query
            assert canonical(response) == address, page.url + query
            assert metadata(response).opengraph["og:url"] == address, page.url + query


def test_a_filtered_news_and_events_view_names_the_overview(client, initial_content):
    # The overview at the bare address has no pages: a filtered list's page number does not carry over.
    for query in ("?show=past", "?show=news&topic=wellbeing", "?show=past&year=2020&page=2", "?page=3"):
        response = client.get("/news-and-events/" + query)
        assert canonical(response) == "http://testserver/news-and-events/", query


def test_a_reports_page_keeps_its_page_number_and_drops_its_filters(client, initial_content):
    reports = ReportIndexPage.objects.get()
    for number in range(12):
        report = add_report(reports, f"report-{number}", date(2024, 1, 1) + timedelta(days=number))
        report.tags.add("Wellbeing")
        report.save_revision().publish()
    expected = {
        "": "http://testserver/reports/",
        "?page=1": "http://testserver/reports/",
        "?page=2": "http://testserver/reports/?page=2",
        "?page=2&topic=wellbeing&year=2024": "http://testserver/reports/?page=2",
        "?topic=wellbeing": "http://testserver/reports/",
        # What is shown: an unreadable number is the first page, one past the end the last.
        "?page=two": "http://testserver/reports/",
        "?page=99": "http://testserver/reports/?page=2",
    }
    for query, address in expected.items():
        response = client.get("/reports/" + query)
        assert canonical(response) == address, query
        assert metadata(response).opengraph["og:url"] == address, query


def test_every_page_has_a_picture_to_share_the_nhs_logo_until_one_is_chosen(client, initial_content):
    for page in every_page():
        tags = metadata(client.get(page.url)).opengraph
        assert (tags["og:image"], tags["og:image:width"], tags["og:image:height"]) == (NHS_LOGO, "310", "310"), page.url
        assert tags["og:image:alt"] == "The NHS logo"
    logo = client.get(NHS_LOGO.removeprefix("http://testserver"))
    assert logo.status_code == 200
    assert PILImage.open(io.BytesIO(b"".join(logo.streaming_content))).size == (310, 310)


def test_the_default_sharing_image_is_shown_for_pages_without_their_own(client, initial_content):
    image_model = get_image_model()
    default = image_model.objects.create(
        title="The Collaborative's workshop", file=get_test_image_file(size=(1600, 900))
    )
    own = image_model.objects.create(title="The strategic workforce planning workshop", file=get_test_image_file())
    settings = SiteSettings.for_site(initial_content.get_site())
    settings.default_sharing_image = default
    settings.save()
    about = Page.objects.get(slug="about").specific
    about.listing_image = own
    about.save_revision().publish()

    shared = default.get_rendition("fill-1200x630")
    for path in ("/", "/news-and-events/", "/reports/thriving-at-work/", "/contact-us/"):
        tags = metadata(client.get(path)).opengraph
        assert tags["og:image"] == "http://testserver" + shared.url, path
        assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630"), path
        assert tags["og:image:alt"] == "The Collaborative's workshop"
    tags = metadata(client.get("/about/")).opengraph
    assert tags["og:image"] == "http://testserver" + own.get_rendition("fill-1200x630").url


def test_a_private_page_names_no_address_and_no_picture(client, private_content):
    soup = html(client.get(private_content.news.url))
    assert soup.select('link[rel="canonical"]') == []
    assert soup.select('meta[property^="og:"]') == []


def test_an_error_page_names_no_address_and_no_picture(client, initial_content):
    soup = html(client.get("/no-such-page/"))
    assert soup.select('link[rel="canonical"]') == []
    assert soup.select('meta[property^="og:"]') == []


def test_search_names_its_bare_address_and_keeps_results_out_of_indexes(client, initial_content):
    for path in ("/search/", "/search/?q=workforce", "/search/?q=workforce&kind=report"):
        soup = html(client.get(path))
        assert soup.select_one('link[rel="canonical"]')["href"] == "http://testserver/search/", path
        tags = metadata(client.get(path)).opengraph
        assert tags["og:url"] == "http://testserver/search/"
        assert tags["og:title"] == "Search"
        assert tags["og:image"] == "http://testserver/static/wagtailnhsukfrontend/favicons/largetile-310x310.png"
        # Results pages are for the visitor: search engines are asked not to index them.
        robots = soup.select_one('meta[name="robots"]')
        assert (robots["content"] if robots else None) == (None if path == "/search/" else "noindex"), path
