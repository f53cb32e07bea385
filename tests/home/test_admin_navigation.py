"""
Every role finds its way round the admin without meeting "Sorry, you do not
have permission to access this area": each menu item in the sidebar, and
each link and search on the dashboard, opens for the role that is shown it.
"""

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import NewsAndEventsIndexPage
from reports.models import ReportIndexPage
from tests.conftest import html
from tests.events.factories import add_booking_form, add_event, make_booking

pytestmark = pytest.mark.django_db

ROLES = ["Editors", "Moderators", "Booking administrators"]
PERMISSION_DENIED = "do not have permission"


@pytest.fixture
def workshops(initial_content):
    """A workshop to come and one past, each with its booking form and a booking."""
    index = NewsAndEventsIndexPage.objects.get()
    today = timezone.localdate()
    forms = []
    for slug, day in [("spring-workshop", today + timedelta(days=10)), ("last-years-workshop", today - timedelta(300))]:
        form_page = add_booking_form(add_event(index, slug, day))
        make_booking(form_page, name="Ada Lovelace")
        forms.append(form_page)
    return forms


def sidebar_urls(page):
    """The addresses of the sidebar's menu items (submenus' included), and of its search, as the admin renders them."""
    props = json.loads(page.select_one("#wagtail-sidebar-props").string)
    urls = []

    def walk(items):
        for item in items:
            fields, *rest = item["_args"]
            if isinstance(fields, dict) and fields.get("url"):
                urls.append(fields["url"])
            if item["_type"].endswith("SubMenuItem"):
                walk(rest[0])

    for module in props["modules"]:
        if module["_type"].endswith("SearchModule"):
            urls.append(module["_args"][0] + "?q=workshop")
        if module["_type"].endswith("MainMenuModule"):
            walk(module["_args"][0])
            walk(module["_args"][1])
    return urls


def sidebar_menu(page):
    """The sidebar's main menu as {label: its address, or for a submenu {label: address} of its items}."""
    props = json.loads(page.select_one("#wagtail-sidebar-props").string)
    main_menu = next(module for module in props["modules"] if module["_type"].endswith("MainMenuModule"))

    def menu(items):
        return {
            item["_args"][0]["label"]: (
                menu(item["_args"][1]) if item["_type"].endswith("SubMenuItem") else item["_args"][0].get("url")
            )
            for item in items
        }

    return menu(main_menu["_args"][0])


def dashboard_urls(page):
    """The dashboard's links, and its forms' addresses as submitted with a search for "workshop"."""
    main = page.select_one("main")
    links = [link["href"] for link in main.select("a[href]")]
    searches = [form.get("action") + "?q=workshop" for form in main.select("form") if form.get("method") == "get"]
    return links + searches


def own_addresses(urls):
    """The admin's own addresses, without anchors, in-page buttons and outside sites (Wagtail's guide)."""
    return sorted({url for url in urls if url.startswith("/") and not urlsplit(url).netloc})


def assert_opens(client, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    assert PERMISSION_DENIED not in response.content.decode(), url


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_item_and_dashboard_link_opens_for_the_role_shown_it(client, workshops, log_in, role):
    log_in(role)
    dashboard = html(client.get(reverse("wagtailadmin_home")))

    urls = own_addresses(sidebar_urls(dashboard) + dashboard_urls(dashboard))

    assert urls
    for url in urls:
        assert_opens(client, url)


def test_a_booking_administrator_finds_every_workshops_bookings_under_forms(client, workshops, log_in):
    log_in("Booking administrators")

    forms = html(client.get(reverse("wagtailforms:index")))

    listed = forms.select_one("main table").get_text(" ", strip=True)
    assert "Spring workshop" in listed and "Last years workshop" in listed
    links = own_addresses(link["href"] for link in forms.select("main table a[href]"))
    for form_page in workshops:
        assert reverse("wagtailforms:list_submissions", args=[form_page.pk]) in links
    for url in links:
        assert_opens(client, url)


@pytest.mark.parametrize("role", ["Editors", "Moderators"])
def test_the_menu_names_what_it_holds_and_opens_each_section(client, initial_content, log_in, role):
    log_in(role)

    menu = sidebar_menu(html(client.get(reverse("wagtailadmin_home"))))

    assert menu["News and events"] == reverse("wagtailadmin_explore", args=[NewsAndEventsIndexPage.objects.get().pk])
    assert menu["Reports"] == reverse("wagtailadmin_explore", args=[ReportIndexPage.objects.get().pk])
    assert list(menu["Venues and contacts"]) == ["Venues", "Booking contacts", "Organisations", "Audience roles"]
    assert "Site history" in menu["Admin reports"]
    labels = list(menu)
    assert labels.index("Pages") < labels.index("News and events") < labels.index("Reports") < labels.index("Images")


def test_section_shortcuts_are_only_for_people_who_edit_pages_there(client, initial_content, log_in):
    log_in("Booking administrators")

    menu = sidebar_menu(html(client.get(reverse("wagtailadmin_home"))))

    assert "News and events" not in menu and "Reports" not in menu
    assert list(menu["Venues and contacts"]) == ["Booking contacts", "Organisations"]
    assert "Attendance by organisation" in menu["Admin reports"]
