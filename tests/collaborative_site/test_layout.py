"""The layout every page shares: skip link, header menu and search, breadcrumbs, footer, error pages."""

import base64
import hashlib

import pytest
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from home.models import FooterLink, SiteSettings, StandardPage
from tests.conftest import html

pytestmark = pytest.mark.django_db


def test_skip_link_is_the_first_thing_and_leads_to_the_main_content(client, initial_content):
    soup = html(client.get("/about/"))
    first_link = soup.body.find("a")
    assert first_link.get_text(strip=True) == "Skip to main content"
    assert first_link["href"] == "#maincontent"
    assert soup.find(id="maincontent").name == "main"
    assert soup.html["lang"] == "en-GB"


def test_header_names_the_collaborative_and_links_home(client, initial_content):
    header = html(client.get("/about/")).select_one("header.nhsuk-header")
    assert header.select_one(".nhsuk-header__service-name").get_text(strip=True) == (
        "National Mental Health Workforce Development Collaborative"
    )
    assert header.select_one(".nhsuk-header__service-logo")["href"] == "/"


def test_menu_lists_the_pages_marked_show_in_menus_and_marks_the_current_one(client, initial_content):
    links = html(client.get("/about/")).select(".nhsuk-header__navigation-link[href]")
    assert [(a.get_text(strip=True), a["href"]) for a in links] == [
        ("News and events", "/news-and-events/"),
        ("Reports", "/reports/"),
        ("About the Collaborative", "/about/"),
        ("Contact us", "/contact-us/"),
    ]
    assert links[2]["aria-current"] == "page"
    assert [link.has_attr("aria-current") for link in links] == [False, False, True, False]


def test_menu_follows_the_editors_choices(client, initial_content):
    StandardPage.objects.filter(slug="privacy-notice").update(show_in_menus=True)
    StandardPage.objects.get(slug="contact-us").unpublish()
    labels = [a.get_text(strip=True) for a in html(client.get("/")).select(".nhsuk-header__navigation-link[href]")]
    assert labels == ["News and events", "Reports", "About the Collaborative", "Privacy notice"]


def test_menu_marks_the_section_of_a_page_below_it(client, initial_content):
    about = StandardPage.objects.get(slug="about")
    about.add_child(instance=StandardPage(title="Steering group", slug="steering-group", body=[]))
    about_link = html(client.get("/about/steering-group/")).select_one('.nhsuk-header__navigation-link[href="/about/"]')
    assert about_link["aria-current"] == "true"


def test_header_search_sends_to_the_site_search(client, initial_content):
    form = html(client.get("/")).select_one("header form")
    assert form["action"] == "/search/"
    assert form.get("method", "get").lower() == "get"
    field = form.select_one("input[type=search]")
    assert field["name"] == "q"
    assert form.select_one(f'label[for="{field["id"]}"]').get_text(strip=True) == "Search this site"


def test_footer_links_come_from_the_site_settings(client, initial_content):
    footer = html(client.get("/")).select_one("footer")
    assert [(a.get_text(strip=True), a["href"]) for a in footer.select("a")] == [
        ("Privacy notice", "/privacy-notice/"),
        ("Accessibility statement", "/accessibility-statement/"),
        ("Contact us", "/contact-us/"),
    ]
    assert "© National Mental Health Workforce Development Collaborative" in footer.get_text()


def test_footer_leaves_out_unpublished_pages_and_takes_external_links(client, initial_content):
    StandardPage.objects.get(slug="privacy-notice").unpublish()
    FooterLink.objects.create(
        settings=SiteSettings.objects.get(),
        label="NHS England",
        link_url="https://www.england.nhs.uk/",
        sort_order=9,
    )
    labels = [a.get_text(strip=True) for a in html(client.get("/")).select("footer a")]
    assert labels == ["Accessibility statement", "Contact us", "NHS England"]


def test_favicon_and_nhs_styles_are_linked(client, initial_content):
    soup = html(client.get("/"))
    assert soup.select_one('link[rel=icon][href$="favicon.ico"]')
    assert soup.select_one('link[rel=stylesheet][href*="nhsuk-frontend"]')
    assert soup.select_one("script[type=module][data-nhsuk-frontend]")
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.ico")
    assert client.get(response["Location"]).status_code == 200


def test_every_stylesheet_and_script_the_layout_links_is_served(client, initial_content):
    soup = html(client.get("/"))
    assets = [link["href"] for link in soup.select("link[rel=stylesheet], link[rel=icon]")]
    assets += [script["src"] for script in soup.select("script[src]")]
    assets += [script["data-nhsuk-frontend"] for script in soup.select("script[data-nhsuk-frontend]")]
    assert len(assets) >= 6
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_the_enhancement_script_runs_inline_before_the_page_is_drawn_as_the_policy_allows(client, initial_content):
    """
    enhance.js marks <body> for the NHS.UK components' JavaScript styles before
    anything is drawn (no flash of the menu unstyled), without making the
    browser wait for a file: it is the first thing in <body>, inline, and the
    Content-Security-Policy allows exactly its text by its hash.
    """
    response = client.get("/about/")
    soup = html(response)
    script = soup.body.find(True)
    assert script.name == "script" and not script.has_attr("src")
    source = (settings.PROJECT_DIR / "static" / "js" / "enhance.js").read_text(encoding="utf-8")
    assert script.string == source
    assert 'classList.add("js-enabled")' in source

    digest = base64.b64encode(hashlib.sha256(script.string.encode()).digest()).decode()
    policy = dict(
        directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";") if directive
    )
    assert policy["script-src"].split() == ["'self'", f"'sha256-{digest}'"]
    # Nothing else runs inline (JSON-LD is data), and no script file holds up the page.
    inline = [tag for tag in soup.find_all("script", src=False) if tag.get("type") != "application/ld+json"]
    assert inline == [script]
    assert all(tag.get("type") == "module" or tag.has_attr("defer") for tag in soup.find_all("script", src=True))


def test_404_page_is_in_the_site_layout(client, initial_content):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    soup = html(response)
    assert soup.main.h1.get_text(strip=True) == "Page not found"
    assert soup.select_one("header.nhsuk-header")
    assert [a.get_text(strip=True) for a in soup.select("footer a")][:1] == ["Privacy notice"]
    assert soup.title.get_text() == "Page not found - National Mental Health Workforce Development Collaborative"


def test_500_page_renders_without_a_request_or_the_database(django_assert_num_queries):
    # Django renders 500.html with no request and no context processors,
    # perhaps because the database is down: the page must need neither.
    with django_assert_num_queries(0):
        rendered = render_to_string("500.html")
    soup = html(type("Response", (), {"content": rendered.encode()}))
    assert soup.main.h1.get_text(strip=True) == "Sorry, there is a problem with the service"
    assert soup.select_one("header.nhsuk-header")
    assert soup.select_one("a.nhsuk-skip-link")


def test_page_layout_costs_a_fixed_number_of_queries(client, initial_content, django_assert_max_num_queries):
    from django.core.cache import cache

    client.get("/about/")  # warm the site-root cache and the menu, as any running server has
    with django_assert_max_num_queries(11):
        client.get("/about/")

    def queries_for_about_page(menu_cached):
        if not menu_cached:
            cache.clear()  # the menu is built again (and Wagtail reads its site roots again)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/about/")
        return len(queries), response

    four_menu_items = {cached: queries_for_about_page(cached)[0] for cached in (False, True)}
    home = initial_content
    for number in range(5):
        home.add_child(
            instance=StandardPage(title=f"Section {number}", slug=f"section-{number}", body=[], show_in_menus=True)
        )
    client.get("/about/")
    nine_menu_items = {cached: queries_for_about_page(cached) for cached in (False, True)}
    assert len(html(nine_menu_items[True][1]).select(".nhsuk-header__navigation-link[href]")) == 9
    assert {cached: count for cached, (count, _) in nine_menu_items.items()} == four_menu_items
    # The menu and footer are built once and then cost nothing.
    assert four_menu_items[True] < four_menu_items[False]


def test_each_filtered_view_and_page_of_a_listing_has_its_own_title(client, initial_content):
    from datetime import timedelta

    from django.utils import timezone

    from events.models import NewsAndEventsIndexPage
    from tests.events.factories import add_event

    index = NewsAndEventsIndexPage.objects.get()
    for number in range(12):
        add_event(
            index, f"past-{number}", timezone.localdate() - timedelta(days=400 + number)
        ).save_revision().publish()
    year = (timezone.localdate() - timedelta(days=400)).year
    collaborative = "National Mental Health Workforce Development Collaborative"

    def title(path):
        return html(client.get(path)).title.get_text()

    assert title("/news-and-events/") == f"News and events - {collaborative}"
    assert title("/news-and-events/?show=past") == f"Past events - News and events - {collaborative}"
    assert title("/news-and-events/?show=news") == f"News - News and events - {collaborative}"
    assert title(f"/news-and-events/?show=past&year={year}").startswith(f"Past events from {year} - News and events")
    assert title("/news-and-events/?show=past&page=2").startswith("Past events (page 2 of ")
    assert title("/reports/") == f"Reports - {collaborative}"
    assert title("/reports/?topic=no-such-topic") == f"Reports - {collaborative}"
    from reports.models import ReportIndexPage
    from tests.reports.factories import add_report

    add_report(ReportIndexPage.objects.get(), "a-2024-report", timezone.localdate().replace(year=2024))
    assert title("/reports/?year=2024") == f"Reports from 2024 - Reports - {collaborative}"
