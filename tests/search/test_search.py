"""The site search finds live, public pages and handles any input without an error."""

import pytest
from wagtail.models import PageViewRestriction

from home.models import StandardPage
from tests.conftest import html

pytestmark = pytest.mark.django_db


def result_titles(response):
    return [a.get_text(strip=True) for a in html(response).select("main ul.nhsuk-list h3 a")]


def test_finds_a_page_by_the_words_in_its_body(client, initial_content):
    response = client.get("/search/", {"q": "Manchester"})
    assert result_titles(response) == ["About the Collaborative"]
    soup = html(response)
    assert "1 result for ‘Manchester’" in soup.main.h2.get_text()
    assert soup.select_one("#search-page-field")["value"] == "Manchester"
    assert soup.title.get_text().startswith("Manchester - Search - ")


def test_an_empty_query_explains_what_to_do(client, initial_content):
    soup = html(client.get("/search/"))
    assert soup.main.h1.get_text() == "Search"
    assert "Type what you are looking for" in soup.main.get_text()


def test_no_results_suggests_what_to_try(client, initial_content):
    soup = html(client.get("/search/", {"q": "xylophone"}))
    assert "No results for ‘xylophone’" in soup.main.get_text()
    assert "Check the spelling" in soup.main.get_text()


def test_unpublished_and_private_pages_are_never_found(client, initial_content):
    StandardPage.objects.get(slug="contact-us").unpublish()
    PageViewRestriction.objects.create(
        page=StandardPage.objects.get(slug="about"),
        restriction_type="password",
        password="secret",  # noqa: S106
    )
    assert result_titles(client.get("/search/", {"q": "Joanna Daci"})) == []
    assert result_titles(client.get("/search/", {"q": "Birmingham"})) == []


@pytest.mark.parametrize(
    "query",
    ["a" * 5000, "'; DROP TABLE wagtailcore_page; --", '"unbalanced', "(((", "AND OR NOT", "\u202e\u0000x", "%_*?"],
)
def test_odd_input_never_breaks_the_page(client, initial_content, query):
    response = client.get("/search/", {"q": query, "page": "not-a-number"})
    assert response.status_code == 200
    value = html(response).select_one("#search-page-field")["value"]
    assert len(value) <= 255


def test_a_query_is_tidied_before_it_is_searched():
    from search.views import clean_query

    assert clean_query('  "strategic\tworkforce"\n planning\u200b ') == "strategic workforce planning"
    assert len(clean_query("x" * 1000)) == 255


def test_results_are_paginated(client, initial_content):
    for number in range(12):
        initial_content.add_child(
            instance=StandardPage(
                title=f"Workforce planning note {number}",
                slug=f"note-{number}",
                body=[("paragraph", "<p>Strategic workforce planning.</p>")],
            )
        )
    first = client.get("/search/", {"q": "workforce planning note"})
    assert len(result_titles(first)) == 10
    next_link = html(first).select_one("a.nhsuk-pagination__link--next")
    assert "Page 2 of 2" in next_link.get_text()
    second = client.get("/search/" + next_link["href"])
    assert len(result_titles(second)) == 2
    beyond = client.get("/search/", {"q": "workforce planning note", "page": 99})
    assert result_titles(beyond) == result_titles(second)
