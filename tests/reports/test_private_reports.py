"""
Private reports (Privacy: a password, signing in, or groups), and public
reports that point at private pages: until the visitor is let in, a private
page's title, summary and metadata appear nowhere.
"""

import json

import pytest
from django.test import Client

from tests.conftest import RESTRICTION_TYPES, SECRET, html

pytestmark = pytest.mark.django_db


def test_the_password_page_of_a_private_report_shows_nothing_of_it(private_content):
    response = Client().get(private_content.report.url)
    soup = html(response)
    assert soup.select_one("input[name=password]") is not None
    assert SECRET not in response.content.decode()
    assert soup.select('meta[property^="og:"]') == []
    assert soup.select('script[type="application/ld+json"]') == []
    assert soup.select(".nhsuk-breadcrumb") == []


@pytest.mark.parametrize("private_content", RESTRICTION_TYPES, indirect=True)
@pytest.mark.parametrize("path", ["/reports/", "/reports/?year=2026", "/reports/?page=1"])
def test_private_reports_are_left_out_of_the_reports_listing(private_content, path):
    response = Client().get(path)
    assert response.status_code == 200
    assert "Open report" in response.content.decode()
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("private_content", RESTRICTION_TYPES, indirect=True)
def test_a_public_report_does_not_name_private_related_pages_or_its_private_workshop(private_content):
    response = Client().get(private_content.open_report.url)
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    assert private_content.workshop.url not in response.content.decode()
    (script,) = html(response).select('script[type="application/ld+json"]')
    assert "about" not in json.loads(script.string)
