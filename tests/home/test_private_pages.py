"""
Private pages (Privacy: a password, signing in, or groups) on the site as
a whole: the home page's cards, the menu, the sitemap and the "Password
required" page of a general page show nothing of them.
"""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from wagtail.models import Page

from tests.conftest import RESTRICTION_TYPES, SECRET, html, restrict

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("private_content", RESTRICTION_TYPES, indirect=True)
def test_the_home_page_cards_leave_out_private_workshops_news_and_reports(private_content):
    response = Client().get("/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Open workshop" in content
    assert "Open report" in content
    assert SECRET not in content


@pytest.mark.parametrize("private_content", RESTRICTION_TYPES, indirect=True)
def test_the_sitemap_leaves_out_private_pages(private_content):
    response = Client().get("/sitemap.xml")
    assert response.status_code == 200
    addresses = [element.text for element in ET.fromstring(response.content).iter() if element.tag.endswith("loc")]
    assert any(address.endswith(private_content.open_report.url) for address in addresses)
    for page in (private_content.workshop, private_content.booking_form, private_content.news, private_content.report):
        assert not any(address.endswith(page.url) for address in addresses)


@pytest.mark.parametrize("restriction_type", RESTRICTION_TYPES)
def test_a_private_section_leaves_the_menu(initial_content, restriction_type):
    about = Page.objects.get(slug="about")
    assert about.url in [link["href"] for link in html(Client().get("/")).select("header nav a")]
    restrict(about, restriction_type)
    assert about.url not in [link["href"] for link in html(Client().get("/")).select("header nav a")]


def test_the_password_page_of_a_general_page_shows_nothing_of_it(initial_content):
    about = Page.objects.get(slug="about").specific
    about.search_description = f"The {SECRET} meta description."
    about.seo_title = f"{SECRET} for search engines"
    about.save_revision().publish()
    restrict(about)

    response = Client().get(about.url)
    soup = html(response)
    assert soup.select_one("input[name=password]") is not None
    content = response.content.decode()
    assert SECRET not in content
    assert "About the Collaborative" not in content
    assert soup.select('meta[property^="og:"]') == []
    # The site's own description stands in for the page's.
    assert soup.select_one('meta[name="description"]')["content"].startswith("The National Mental Health")
