"""
An editor who adds a page with another page's address (its slug) is told
so at the top of the editor, where they are, not only on the Promote tab.
"""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from home.models import StandardPage
from tests.conftest import html

pytestmark = pytest.mark.django_db


def test_a_new_page_whose_address_is_taken_says_so_at_the_top(client, initial_content, log_in):
    log_in("Editors")
    form = nested_form_data(
        {
            "title": "About the Collaborative",
            "slug": "about",
            "introduction": "Who we are.",
            "body": streamfield([("paragraph", rich_text("<p>The Collaborative.</p>"))]),
        }
    )

    response = client.post(reverse("wagtailadmin_pages:add", args=["home", "standardpage", initial_content.pk]), form)

    assert response.status_code == 200
    assert StandardPage.objects.filter(slug="about").count() == 1
    messages = html(response).select_one(".messages").get_text(" ", strip=True)
    assert "About the Collaborative" in messages
    assert "Promote tab" in messages and "about" in messages


def test_a_free_address_brings_no_warning(client, initial_content, log_in):
    log_in("Editors")
    form = nested_form_data(
        {"title": "Steering group", "slug": "steering-group", "introduction": "", "body": streamfield([])}
    )

    response = client.post(
        reverse("wagtailadmin_pages:add", args=["home", "standardpage", initial_content.pk]), form, follow=True
    )

    assert StandardPage.objects.filter(slug="steering-group").exists()
    assert "Promote tab" not in response.content.decode()
